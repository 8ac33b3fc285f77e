import API
import Foundation
import Model

extension AdapterRegistry {
    /// Writes a new version durably and, with `status: .live`, promotes it in the same lock hold.
    ///
    /// Files go to `versions/.NNNNNN.tmp`, each fsynced; the directory is fsynced, renamed to
    /// `versions/NNNNNN` and `versions/` is fsynced. Only then is the version visible to readers.
    /// Any failure (an fsync error included) aborts the snapshot without retrying, removes what was
    /// written, and throws; the previous state is untouched.
    /// - Parameters:
    ///   - status: `.candidate` (to be gated), `.live` (promote now, e.g. the first version) or
    ///     `.rejected` (gate refused it; kept for the record).
    ///   - reason: why it was written ("every 500 examples", "gate: …"); journaled.
    /// - Returns: the manifest as written.
    /// - Throws: `.invalidSnapshot`, `.nonFinite` (non-finite weights may only be written as rejected),
    ///   `.lockHeld`, `.io`, `.syncFailed`, `.versionsExhausted`.
    @discardableResult
    package func write(_ snapshot: AdapterSnapshot, status: VersionStatus = .candidate, reason: String) throws -> Manifest {
        guard [.candidate, .live, .rejected].contains(status) else {
            throw RegistryError.invalidSnapshot(detail: "a new version can be written as candidate, live or rejected, not \(status)")
        }
        try snapshot.validate()
        if status != .rejected, let bad = snapshot.firstNonFiniteTensor {
            throw RegistryError.nonFinite(adapter: adapter, version: nil, tensor: bad)
        }
        return try exclusively {
            let version = try nextVersion()
            var manifest = try writeVersionDirectory(snapshot, version: version, status: status == .live ? .candidate : status, reason: reason)
            try journalWriter.append(JournalEntry(
                time: manifest.createdAt, event: .snapshot, version: version, status: manifest.status, reason: reason,
                numbers: snapshotNumbers(manifest)))
            if status == .live {
                manifest = try promoteLocked(version, reason: reason, event: .promote, numbers: [:])
            }
            return manifest
        }
    }

    /// The next unused number: above every directory, the journal and `LIVE`, so numbers never repeat
    /// even after retention deleted the newest directories' predecessors.
    func nextVersion() throws -> Version {
        var highest = layout.versionNumbers().last?.rawValue ?? 0
        if let live = try? live() { highest = max(highest, live.rawValue) }
        if let entries = try? journal(), let top = entries.map(\.version.rawValue).max() { highest = max(highest, top) }
        guard highest < Version.maximum else { throw RegistryError.versionsExhausted(adapter: adapter) }
        return Version(rawValue: highest + 1)
    }

    /// Assembles a version in a temp directory and renames it into place (the caller holds the lock).
    func writeVersionDirectory(
        _ snapshot: AdapterSnapshot, version: Version, status: VersionStatus, reason: String, createdAt: Date = Date()
    ) throws -> Manifest {
        let temp = layout.temporaryDirectory(of: version)
        let final = layout.directory(of: version)
        let fm = FileManager.default
        try? fm.removeItem(at: temp)
        var renamed = false
        do {
            guard mkdir(temp.path, 0o755) == 0 else {
                throw RegistryError.io(path: temp.path, operation: "create directory", errno: errno)
            }
            let modelURL = temp.appendingPathComponent(RegistryLayout.modelFile)
            let encoded: [UInt8]
            do {
                // `format: pt` is what PyTorch-side writers put there; PEFT's loader accepts either way.
                encoded = try SafeTensorsWriter.encode(snapshot.tensors, metadata: ["format": "pt"], file: modelURL.path)
            } catch {
                throw RegistryError.invalidSnapshot(detail: "\(error)")
            }
            try files.writeFile(Data(encoded), to: modelURL)
            let configURL = temp.appendingPathComponent(RegistryLayout.configFile)
            try files.writeFile(RegistryJSON.encoder().encode(snapshot.config), to: configURL)

            var written = [(RegistryLayout.modelFile, modelURL), (RegistryLayout.configFile, configURL)]
            if let optimizer = snapshot.optimizer {
                let url = temp.appendingPathComponent(RegistryLayout.optimizerFile)
                try files.writeFile(Data(try Self.encode(optimizer, file: url.path)), to: url)
                written.append((RegistryLayout.optimizerFile, url))
            }
            var digests: [String: FileDigest] = [:]
            for (name, url) in written {
                let digest = try SHA256.hex(ofFileAt: url)
                digests[name] = FileDigest(sha256: digest.sha256, bytes: digest.bytes)
            }
            let manifest = Manifest(
                adapter: adapter, version: version, parent: snapshot.parent, createdAt: createdAt,
                baseModelSHA256: snapshot.baseModelSHA256, labels: snapshot.labels,
                examplesTrained: snapshot.examplesTrained, steps: snapshot.steps, offsets: snapshot.offsets,
                trainedIDs: snapshot.trainedIDs, holdoutMetrics: snapshot.holdoutMetrics,
                prequentialMetrics: snapshot.prequentialMetrics, files: digests, status: status, reason: reason,
                pinned: snapshot.pinned, examplesSkipped: snapshot.examplesSkipped, durableBelow: snapshot.durableBelow)
            let manifestBytes = try RegistryJSON.encoder().encode(manifest)
            try files.writeFile(manifestBytes, to: temp.appendingPathComponent(RegistryLayout.manifestFile))
            // Return what a reader will see (dates at millisecond precision), not the in-memory value.
            let stored = try RegistryJSON.decoder().decode(Manifest.self, from: manifestBytes)
            try files.syncDirectory(temp)
            try files.rename(temp, to: final)
            renamed = true
            try files.syncDirectory(layout.versionsDirectory)
            return stored
        } catch {
            // Abort: make the half-written (or not provably durable) version disappear again.
            if renamed { try? files.rename(final, to: temp) }
            try? fm.removeItem(at: temp)
            throw error
        }
    }

    /// Rewrites a manifest all-or-nothing (temp + fsync + rename + fsync directory).
    func rewriteManifest(_ manifest: Manifest) throws {
        let url = layout.directory(of: manifest.version).appendingPathComponent(RegistryLayout.manifestFile)
        try files.replaceAtomically(RegistryJSON.encoder().encode(manifest), at: url)
    }

    /// Points `LIVE` at a version all-or-nothing.
    func replaceLive(with version: Version) throws {
        try files.replaceAtomically(Data((version.name + "\n").utf8), at: layout.liveFile)
    }

    /// Numbers journaled with a snapshot: its metrics (prefixed) and counters.
    func snapshotNumbers(_ manifest: Manifest) -> [String: Double] {
        var numbers: [String: Double] = ["examples_trained": Double(manifest.examplesTrained), "steps": Double(manifest.steps)]
        if let skipped = manifest.examplesSkipped, skipped > 0 { numbers["examples_skipped"] = Double(skipped) }
        numbers.merge(manifest.holdoutMetrics?.journalNumbers ?? [:]) { a, _ in a }
        numbers.merge(manifest.prequentialMetrics?.journalNumbers ?? [:]) { a, _ in a }
        return numbers
    }
}
