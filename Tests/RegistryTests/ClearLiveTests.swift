import API
import Foundation
import Testing

@testable import Registry

/// Rolling back past the first version: `clearLive` removes `LIVE` durably, rejects the version
/// and journals why; readers and later mutations see a registry with nothing live.
@Suite struct ClearLiveTests {
    @Test func clearsLiveRejectsTheVersionAndJournalsTheReason() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(accuracy: 0.9), status: .live, reason: "first version")
        let reason = "metric_drop: windowed accuracy 0.150 over the last 20 examples < pre-promotion 0.900 − 0.3 (no earlier version)"
        let manifest = try registry.clearLive(1, reason: reason, numbers: ["window_accuracy": 0.15])

        #expect(manifest.status == .rejected)
        #expect(manifest.reason == "rolled back to the base model: \(reason)")
        #expect(try registry.live() == nil)
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("default/LIVE").path))
        #expect(!FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("default/LIVE.tmp").path))
        #expect(try registry.versions().map(\.status) == [.rejected])
        #expect(try registry.manifest(1).statusChangedAt != nil)

        let entry = try #require(try registry.journal().last)
        #expect(try registry.journal().map(\.event) == [.snapshot, .promote, .clearLive])
        #expect(entry.version == 1 && entry.previous == 1 && entry.status == .rejected)
        #expect(entry.reason == reason)
        #expect(entry.numbers["window_accuracy"] == 0.15 && entry.numbers["holdout.accuracy"] == 0.9)
        let line = try #require(String(contentsOf: dir.url.appendingPathComponent("default/journal.jsonl"), encoding: .utf8)
            .split(separator: "\n").last)
        #expect(line.contains(#""event":"clear_live""#))

        // A fresh reader (another process) agrees; the CLI's renderings have no live row.
        let reader = try AdapterRegistry(root: dir.url, adapter: "default", create: false)
        #expect(try reader.live() == nil && reader.newestDurable()?.version == 1)
        let table = RegistryText.versionTable(try reader.versions(), live: try reader.live())
        let row = try #require(table.split(separator: "\n").last)
        #expect(!row.hasPrefix("*") && row.split(separator: " ").prefix(2) == ["000001", "rejected"])
        let journalRow = try #require(RegistryText.journalTable(try reader.journal()).split(separator: "\n").last)
        #expect(Array(journalRow.split(separator: " ").dropFirst(2).prefix(4)) == ["clear_live", "000001", "000001", "rejected"])
    }

    @Test func afterClearingNothingIsARollbackTargetAndNumbersAreNotReused() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), status: .live, reason: "v1")
        try registry.clearLive(1, reason: "regressed")
        #expect(expectRegistryError { try registry.rollback(reason: "again") }.contains("nothing is live"))
        #expect(expectRegistryError { try registry.clearLive(1, reason: "again") }.contains("nothing is live"))

        // The learner's next version becomes live as the first one did; its number is new.
        let next = try registry.write(makeSnapshot(seed: 2), status: .live, reason: "restarted from the base model")
        #expect(next.version == 2 && next.status == .live)
        #expect(try registry.live() == 2)
        #expect(try registry.journal().last?.previous == nil, "nothing was live before version 2")
        #expect(try registry.manifest(1).status == .rejected)
        // Version 1 stays rejected: not a default rollback target.
        #expect(expectRegistryError { try registry.rollback(reason: "x") }.contains("no version to roll back to"))
    }

    @Test func refusesAVersionThatIsNotLive() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), status: .live, reason: "v1")
        try registry.write(makeSnapshot(seed: 2), status: .live, reason: "v2")
        let message = expectRegistryError { try registry.clearLive(1, reason: "stale decision") }
        #expect(message.contains("version 000001: is not live (LIVE names 000002)"))
        #expect(try registry.live() == 2)
        #expect(try registry.manifest(1).status == .superseded)
        #expect(try registry.journal().last?.event == .promote)
    }

    @Test func unlinksThenSyncsTheAdapterDirectoryBeforeTheManifestAndJournal() throws {
        let dir = TempDirectory()
        try makeRegistry(dir).write(makeSnapshot(), status: .live, reason: "v1")
        let paths = PathLog()
        let recording = DurableFiles { fd, path in
            paths.append(path)
            return fsync(fd) == 0 ? 0 : errno
        }
        let registry = try AdapterRegistry(root: dir.url, adapter: "default", lockTimeout: 0.3, create: true, files: recording)
        try registry.clearLive(1, reason: "regressed")
        let adapter = dir.url.appendingPathComponent("default")
        let version = adapter.appendingPathComponent("versions/000001")
        #expect(paths.values == [
            adapter.path,                                               // LIVE's unlink made durable first
            version.appendingPathComponent("manifest.json.tmp").path,  // then the manifest, all-or-nothing
            version.path,
            adapter.appendingPathComponent("journal.jsonl").path,      // the journal line last
        ])
    }

    @Test func anFsyncErrorAbortsWithoutRetryOrJournalLine() throws {
        let dir = TempDirectory()
        try makeRegistry(dir).write(makeSnapshot(), status: .live, reason: "v1")
        let calls = Counter()
        let failing = DurableFiles { fd, _ in calls.increment() == 1 ? EIO : fsync(fd) == 0 ? 0 : errno }
        let registry = try AdapterRegistry(root: dir.url, adapter: "default", lockTimeout: 0.3, create: true, files: failing)
        let message = expectRegistryError { try registry.clearLive(1, reason: "regressed") }
        #expect(message.contains("fsync failed") && message.contains("/default"))
        #expect(calls.value == 1, "an fsync error must not be retried")
        #expect(try registry.journal().map(\.event) == [.snapshot, .promote], "the journal never announces what is not durable")
        // The manifest was not rewritten; with LIVE unlinked it reads as superseded, as after a crash.
        #expect(try registry.manifest(1).status != .rejected)
    }

    @Test func waitsForTheLockLikeEveryMutation() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir, lockTimeout: 0.2)
        try registry.write(makeSnapshot(), status: .live, reason: "v1")
        let held = try FileLock.acquire(at: dir.url.appendingPathComponent("default/.lock"), exclusive: true, timeout: 0)
        #expect(expectRegistryError { try registry.clearLive(1, reason: "while held") }.contains("is held"))
        #expect(try registry.live() == 1)
        held.release()
        try registry.clearLive(1, reason: "after release")
        #expect(try registry.live() == nil)
    }
}

/// Paths handed to an injected fsync hook, in call order (thread-safe).
private final class PathLog: @unchecked Sendable {
    private let lock = NSLock()
    private var paths: [String] = []
    var values: [String] { lock.withLock { paths } }
    func append(_ path: String) { lock.withLock { paths.append(path) } }
}

/// The journal's creation is durable like every other new name in the registry.
@Suite struct JournalCreationTests {
    @Test func creatingTheJournalFsyncsItsDirectoryOnceAfterTheFile() throws {
        let dir = TempDirectory()
        let paths = PathLog()
        let recording = DurableFiles { fd, path in
            paths.append(path)
            return fsync(fd) == 0 ? 0 : errno
        }
        let registry = try AdapterRegistry(root: dir.url, adapter: "default", lockTimeout: 0.3, create: true, files: recording)
        try registry.write(makeSnapshot(), status: .candidate, reason: "first")
        let adapter = dir.url.appendingPathComponent("default").path
        let journal = dir.url.appendingPathComponent("default/journal.jsonl").path
        let afterJournal = Array(paths.values.drop { $0 != journal })
        #expect(afterJournal == [journal, adapter], "journal created: the file, then its directory")

        // Later appends to the existing journal sync only the file.
        let before = paths.values.count
        try registry.write(makeSnapshot(seed: 2), status: .candidate, reason: "second")
        #expect(paths.values[before...].last == journal)
        #expect(!paths.values[before...].drop { $0 != journal }.dropFirst().contains(adapter))
    }
}
