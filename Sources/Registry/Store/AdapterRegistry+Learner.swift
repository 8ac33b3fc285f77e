import Foundation

/// What the learner keeps next to the versions besides weights: its journaled decisions that
/// change no version's status, and the recent holdout the gate judges on.
extension AdapterRegistry {
    /// Journals a learner decision that changes no version (a drift adaptation, a declined
    /// rollback, a reload of live discarding the trainer's progress).
    /// - Parameter version: the version the decision concerns (live, or the trainer's parent).
    package func note(_ event: JournalEntry.Event, version: Version, reason: String,
                     numbers: [String: Double] = [:]) throws {
        try exclusively {
            let status = try normalized(readManifest(version), live: try live()).status
            try journalWriter.append(JournalEntry(event: event, version: version, status: status, reason: reason,
                                                  numbers: numbers))
        }
    }

    /// Replaces `holdout.json` (write to a temporary file, fsync, rename, fsync the directory):
    /// the recent held-out examples, so a restarted agent's gate does not wait for a new buffer.
    package func writeHoldout(_ data: Data) throws {
        try exclusively { try files.replaceAtomically(data, at: layout.holdoutFile) }
    }

    /// The stored holdout (`nil` when none was written).
    package func readHoldout() -> Data? {
        FileManager.default.contents(atPath: layout.holdoutFile.path)
    }
}

extension RegistryLayout {
    var holdoutFile: URL { adapterDirectory.appendingPathComponent("holdout.json") }
}
