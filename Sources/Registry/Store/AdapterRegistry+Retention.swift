import API
import Foundation

extension AdapterRegistry {
    /// Deletes old versions: keeps the newest `keep` versions, the live one, the live one's parent
    /// (what an automatic rollback of the live version goes back to) and every pinned one.
    /// Each deleted directory is first renamed to `.NNNNNN.retired.tmp` (so a crash mid-delete leaves
    /// only a leftover that opening cleans), the rename is fsynced, then a `retire` entry is journaled.
    /// - Returns: the versions retired, oldest first.
    /// - Throws: `.lockHeld`, `.io`, `.syncFailed`, `.invalidSnapshot` for a negative `keep`.
    @discardableResult
    package func applyRetention(keep: Int, reason: String = "retention") throws -> [Version] {
        guard keep >= 0 else { throw RegistryError.invalidSnapshot(detail: "retention keep must be ≥ 0, got \(keep)") }
        return try exclusively {
            let live = try live()
            let all = layout.versionNumbers()
            var protected = Set(all.suffix(keep))
            if let live {
                protected.insert(live)
                if let parent = (try? readManifest(live))?.parent { protected.insert(parent) }
            }
            for v in all where (try? readManifest(v))?.pinned == true { protected.insert(v) }
            var retired: [Version] = []
            for v in all where !protected.contains(v) {
                let status = (try? readManifest(v)).map { normalized($0, live: live).status }
                let retiring = layout.retiringDirectory(of: v)
                try? FileManager.default.removeItem(at: retiring)
                try files.rename(layout.directory(of: v), to: retiring)
                try files.syncDirectory(layout.versionsDirectory)
                try journalWriter.append(JournalEntry(
                    event: .retire, version: v, status: .retired,
                    reason: "\(reason): keep last \(keep) + live + its parent + pinned (was \(status?.rawValue ?? "unreadable"))"))
                try? FileManager.default.removeItem(at: retiring)
                retired.append(v)
            }
            return retired
        }
    }
}
