import API
import Foundation

/// What happened to an adapter, one JSON object per line in `journal.jsonl`, appended and fsynced
/// under the adapter lock. The journal is the history (which versions were live, when, and why);
/// manifests hold the current state.
package struct JournalEntry: Codable, Sendable, Hashable {
    package enum Event: String, Codable, Sendable {
        /// A version was written (status in `status`).
        case snapshot
        /// A version was imported from a PEFT directory.
        case `import`
        /// A version became live by promotion (gate passed or manual).
        case promote
        /// Live moved back to an older version; `previous` is the version rolled back from.
        case rollback
        /// `LIVE` was removed: the live `version` regressed with no earlier good version to return
        /// to, so nothing is live (the base model serves); `previous` is that version, now rejected.
        case clearLive = "clear_live"
        case reject
        /// Retention deleted the version's directory.
        case retire
        case pin
        case unpin
        /// A confirmed concept drift and what the learner did about it.
        case adapt
        /// An automatic rollback was considered and declined (the predecessor is no better).
        case rollbackDeclined = "rollback_declined"
        /// The trainer was reset to the live version, discarding its progress since (`numbers`
        /// counts the examples discarded).
        case reload
    }

    package var time: Date
    package var event: Event
    package var version: Version
    /// The live version before this entry (for promote and rollback).
    package var previous: Version?
    /// The version's status after this entry.
    package var status: VersionStatus
    package var reason: String
    /// Numbers worth keeping with the decision (holdout metrics, examples trained, …).
    package var numbers: [String: Double]

    init(
        time: Date = Date(), event: Event, version: Version, previous: Version? = nil, status: VersionStatus,
        reason: String, numbers: [String: Double] = [:]
    ) {
        self.time = time
        self.event = event
        self.version = version
        self.previous = previous
        self.status = status
        self.reason = reason
        self.numbers = numbers
    }
}

/// Reading and appending `journal.jsonl`.
struct Journal {
    let url: URL
    let files: DurableFiles

    /// Appends one entry and fsyncs; the caller holds the exclusive lock.
    func append(_ entry: JournalEntry) throws {
        try dropTornTail()
        var line = try RegistryJSON.encoder(pretty: false).encode(entry)
        line.append(UInt8(ascii: "\n"))
        try files.append(line, to: url)
    }

    /// A crash mid-append can leave a last line without its newline; appending after it would glue
    /// two entries into one unreadable line, so the fragment is cut off first.
    private func dropTornTail() throws {
        guard let handle = FileHandle(forUpdatingAtPath: url.path) else { return }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        guard size > 0 else { return }
        try? handle.seek(toOffset: size - 1)
        guard let last = try? handle.read(upToCount: 1), last.first != UInt8(ascii: "\n") else { return }
        try? handle.seek(toOffset: 0)
        let data = (try? handle.readToEnd()) ?? Data()
        let keep = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        do { try handle.truncate(atOffset: UInt64(keep)) } catch {
            throw RegistryError.io(path: url.path, operation: "truncate torn journal line: \(error)", errno: 0)
        }
    }

    /// All entries, oldest first. A torn last line (a crash mid-append) is ignored; any other
    /// unreadable line is an error naming its number.
    func entries() throws -> [JournalEntry] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [] }
        let decoder = RegistryJSON.decoder()
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var result: [JournalEntry] = []
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do {
                result.append(try decoder.decode(JournalEntry.self, from: Data(line)))
            } catch {
                let isTornTail = index == lines.count - 1 && data.last != UInt8(ascii: "\n")
                if isTornTail { break }
                throw RegistryError.corruptJournal(path: url.path, line: index + 1, detail: "\(error)")
            }
        }
        return result
    }
}
