import API
import Foundation

extension AdapterRegistry {
    /// Makes a version live: checksums verified and weights finite first, then `LIVE` swapped
    /// atomically, manifests updated (the old live becomes `superseded`), journal appended.
    /// A rejected version may be promoted (an operator overriding the gate); the journal says so.
    /// - Throws: `.unknownVersion`, `.corruptVersion`, `.nonFinite`, `.invalidTransition` (already
    ///   live), `.lockHeld`, `.io`, `.syncFailed`.
    @discardableResult
    package func promote(_ version: Version, reason: String, numbers: [String: Double] = [:]) throws -> Manifest {
        try exclusively { try promoteLocked(version, reason: reason, event: .promote, numbers: numbers) }
    }

    /// Marks a non-live version rejected, keeping it (and its reason) for the record.
    /// - Throws: `.invalidTransition` for the live version (roll back instead), `.unknownVersion`.
    @discardableResult
    package func reject(_ version: Version, reason: String, numbers: [String: Double] = [:]) throws -> Manifest {
        try exclusively {
            var manifest = try normalized(readManifest(version), live: try live())
            guard manifest.status != .live else {
                throw RegistryError.invalidTransition(adapter: adapter, version: version, detail: "is live; roll back instead of rejecting it")
            }
            manifest.status = .rejected
            manifest.reason = reason
            manifest.statusChangedAt = Date()
            try rewriteManifest(manifest)
            try journalWriter.append(JournalEntry(event: .reject, version: version, status: .rejected, reason: reason, numbers: numbers))
            return manifest
        }
    }

    /// Moves `LIVE` back and marks the version rolled back from `rejected` (it regressed).
    /// - Parameters:
    ///   - target: the version to return to; nil = the previous good live version (`defaultRollbackTarget`).
    /// - Returns: the version that is live now.
    /// - Throws: `.noRollbackTarget`, `.invalidTransition` (target rejected or already live),
    ///   `.corruptVersion` (target fails its checksums), `.lockHeld`, …
    @discardableResult
    package func rollback(to target: Version? = nil, reason: String, numbers: [String: Double] = [:]) throws -> Version {
        try exclusively {
            guard let current = try live() else {
                throw RegistryError.noRollbackTarget(adapter: adapter, detail: "nothing is live")
            }
            let destination = try target ?? defaultRollbackTarget(current: current)
            let targetManifest = try normalized(readManifest(destination), live: current)
            guard destination != current else {
                throw RegistryError.invalidTransition(adapter: adapter, version: destination, detail: "is already live")
            }
            guard targetManifest.status != .rejected else {
                throw RegistryError.invalidTransition(
                    adapter: adapter, version: destination,
                    detail: "was rejected (\(targetManifest.reason)); promote it explicitly to override")
            }
            _ = try promoteLocked(
                destination, reason: reason, event: .rollback, numbers: numbers,
                demoteTo: .rejected, demoteReason: "rolled back to \(destination): \(reason)")
            return destination
        }
    }

    /// Rolls back past the first version: nothing is live afterwards (the base model serves).
    /// For a live version that regressed when no earlier good version exists. `LIVE` is removed
    /// (unlink, then fsync of the adapter directory, so the removal survives a crash), the
    /// version is marked `rejected` with the reason, and a `clear_live` entry is journaled.
    /// - Parameters:
    ///   - version: the version expected to be live; guards against clearing a version someone
    ///     else promoted in the meantime.
    /// - Returns: the manifest of the version that was live, now rejected.
    /// - Throws: `.noRollbackTarget` when nothing is live, `.invalidTransition` when another
    ///   version is live, `.lockHeld`, `.io`, `.syncFailed`.
    @discardableResult
    package func clearLive(_ version: Version, reason: String, numbers: [String: Double] = [:]) throws -> Manifest {
        try exclusively {
            guard let current = try live() else {
                throw RegistryError.noRollbackTarget(adapter: adapter, detail: "nothing is live")
            }
            guard current == version else {
                throw RegistryError.invalidTransition(adapter: adapter, version: version, detail: "is not live (LIVE names \(current))")
            }
            var manifest = try readManifest(version)
            // The pointer first, as in a promotion: a crash before the manifest is rewritten leaves
            // a manifest saying `live` without `LIVE`, which reads as `superseded`.
            try files.removeFile(layout.liveFile)
            manifest.status = .rejected
            manifest.reason = "rolled back to the base model: \(reason)"
            manifest.statusChangedAt = Date()
            try rewriteManifest(manifest)
            var journalNumbers = numbers
            journalNumbers.merge(manifest.holdoutMetrics?.journalNumbers ?? [:]) { given, _ in given }
            try journalWriter.append(JournalEntry(
                event: .clearLive, version: version, previous: version, status: .rejected, reason: reason, numbers: journalNumbers))
            return manifest
        }
    }

    /// Protects a version from retention (or lifts the protection).
    @discardableResult
    package func pin(_ version: Version, _ pinned: Bool = true, reason: String) throws -> Manifest {
        try exclusively {
            var manifest = try readManifest(version)
            manifest.pinned = pinned
            try rewriteManifest(manifest)
            let live = try live()
            try journalWriter.append(JournalEntry(
                event: pinned ? .pin : .unpin, version: version, status: normalized(manifest, live: live).status, reason: reason))
            return normalized(manifest, live: live)
        }
    }

    /// Where `rollback()` goes by default: the most recent version that was live before the current
    /// one (per the journal), is still on disk and was not rejected since; failing that, the newest
    /// `superseded` version.
    /// - Throws: `.noRollbackTarget` when there is none.
    func defaultRollbackTarget(current: Version? = nil) throws -> Version {
        let current = try current ?? live()
        let present = Set(layout.versionNumbers())
        func isGood(_ v: Version) -> Bool {
            guard v != current, present.contains(v), let m = try? readManifest(v) else { return false }
            return normalized(m, live: current).status.isGood
        }
        let lives = try journal().filter { $0.event == .promote || $0.event == .rollback }.map(\.version)
        if let target = lives.reversed().first(where: isGood) { return target }
        if let target = try versions().reversed().first(where: { $0.status == .superseded && $0.version != current }) {
            return target.version
        }
        throw RegistryError.noRollbackTarget(adapter: adapter, detail: "no earlier live version that was not rejected")
    }

    /// The promotion itself, with the lock held. `event` is `.promote` or `.rollback`; the previous
    /// live version becomes `demoteTo` (superseded, or rejected for a rollback). Manifests are
    /// rewritten before the journal line, so the journal never announces a state not on disk.
    func promoteLocked(
        _ version: Version, reason: String, event: JournalEntry.Event, numbers: [String: Double],
        demoteTo: VersionStatus = .superseded, demoteReason: String? = nil
    ) throws -> Manifest {
        let previous = try live()
        var manifest = try normalized(readManifest(version), live: previous)
        guard manifest.status != .live else {
            throw RegistryError.invalidTransition(adapter: adapter, version: version, detail: "is already live")
        }
        let loaded = try load(version)
        if let bad = loaded.snapshot.firstNonFiniteTensor {
            throw RegistryError.nonFinite(adapter: adapter, version: version, tensor: bad)
        }
        try replaceLive(with: version)
        let wasRejected = manifest.status == .rejected
        manifest.status = .live
        let previousReason = manifest.reason
        let why = event == .rollback ? "restored by rollback from \(previous?.name ?? "-"): \(reason)" : reason
        manifest.reason = wasRejected ? "\(why) (overriding an earlier rejection: \(manifest.reason))" : why
        manifest.statusChangedAt = Date()
        try rewriteManifest(manifest)
        if let previous, previous != version, var old = try? readManifest(previous) {
            old.status = demoteTo
            old.reason = demoteReason ?? "superseded by \(version)"
            old.statusChangedAt = Date()
            try rewriteManifest(old)
        }
        var journalNumbers = numbers
        journalNumbers.merge(manifest.holdoutMetrics?.journalNumbers ?? [:]) { given, _ in given }
        try journalWriter.append(JournalEntry(
            event: event, version: version, previous: previous, status: .live,
            reason: wasRejected ? "\(reason) (overriding an earlier rejection: \(previousReason))" : reason, numbers: journalNumbers))
        return manifest
    }
}
