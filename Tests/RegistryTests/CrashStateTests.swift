import API
import Foundation
import Testing

@testable import Registry

/// Torn states a crash can leave, produced by hand, and what the registry does with each.
@Suite struct CrashStateTests {
    @Test func leftoverTempDirectoryAndLiveTmpAreIgnoredThenCleaned() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), status: .live, reason: "first")
        let adapterDir = dir.url.appendingPathComponent("default")
        // A crash mid-write of version 2 and mid-swap of LIVE.
        let torn = adapterDir.appendingPathComponent("versions/.000002.tmp")
        try FileManager.default.createDirectory(at: torn, withIntermediateDirectories: true)
        try Data("half a tensor".utf8).write(to: torn.appendingPathComponent("adapter_model.safetensors"))
        try Data("000002\n".utf8).write(to: adapterDir.appendingPathComponent("LIVE.tmp"))
        let manifestTmp = versionDirectory(dir, 1).appendingPathComponent("manifest.json.tmp")
        try Data("{\"status\": \"rej".utf8).write(to: manifestTmp)

        #expect(try registry.versions().map(\.version) == [1])
        #expect(try registry.live() == 1)
        #expect(registry.newestDurable()?.version == 1)

        // Reopening (the lock is free) removes the leftovers; the next version is 2.
        let reopened = try makeRegistry(dir)
        #expect(!FileManager.default.fileExists(atPath: torn.path))
        #expect(!FileManager.default.fileExists(atPath: adapterDir.appendingPathComponent("LIVE.tmp").path))
        #expect(!FileManager.default.fileExists(atPath: manifestTmp.path))
        #expect(try reopened.verify(1).status == .live)
        #expect(try reopened.write(makeSnapshot(seed: 2), reason: "second").version == 2)
    }

    @Test func corruptedByteInSafetensorsIsRefusedNamingTheFile() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), reason: "v1")
        let file = versionDirectory(dir, 1).appendingPathComponent("adapter_model.safetensors")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: file)

        let message = expectRegistryError { _ = try registry.load(1) }
        #expect(message.contains("adapter_model.safetensors"))
        #expect(message.contains("sha256"))
        #expect(message.contains("000001"))
        #expect(registry.newestDurable() == nil)
        #expect(expectRegistryError { try registry.promote(1, reason: "no") }.contains("corrupt"))
        #expect(expectRegistryError { try registry.exportPEFT(1, to: dir.url.appendingPathComponent("out")) }.contains("corrupt"))
    }

    @Test func truncatedFilesAreRefused() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), reason: "v1")
        try registry.write(makeSnapshot(seed: 2), reason: "v2")
        try registry.write(makeSnapshot(seed: 3), reason: "v3")

        // v1: manifest cut in half.
        let manifest = versionDirectory(dir, 1).appendingPathComponent("manifest.json")
        let text = try Data(contentsOf: manifest)
        try text.prefix(text.count / 2).write(to: manifest)
        let m = expectRegistryError { _ = try registry.load(1) }
        #expect(m.contains("manifest.json") && m.contains("corrupt"))
        #expect(registry.problems().map(\.version) == [1])
        #expect(try registry.versions().map(\.version) == [2, 3])

        // v2: safetensors truncated.
        let model = versionDirectory(dir, 2).appendingPathComponent("adapter_model.safetensors")
        try Data(contentsOf: model).prefix(100).write(to: model)
        let t = expectRegistryError { _ = try registry.load(2) }
        #expect(t.contains("adapter_model.safetensors") && t.contains("size 100 bytes"))

        // v3: config missing.
        try FileManager.default.removeItem(at: versionDirectory(dir, 3).appendingPathComponent("adapter_config.json"))
        let c = expectRegistryError { _ = try registry.load(3) }
        #expect(c.contains("adapter_config.json") && c.contains("missing"))

        #expect(registry.newestDurable() == nil)
        // Numbers are not reused even though nothing is loadable.
        #expect(try registry.write(makeSnapshot(seed: 4), reason: "v4").version == 4)
    }

    @Test func fsyncFailureAbortsTheSnapshotWithoutRetry() throws {
        let dir = TempDirectory()
        let good = try makeRegistry(dir)
        try good.write(makeSnapshot(), status: .live, reason: "first")

        // Fail the 3rd fsync of the next write (model, config, manifest: the manifest file); count every call.
        let calls = Counter()
        let failing = DurableFiles { fd, path in
            calls.increment() == 3 ? EIO : fsync(fd) == 0 ? 0 : errno
        }
        let registry = try AdapterRegistry(root: dir.url, adapter: "default", lockTimeout: 0.3, create: true, files: failing)
        let message = expectRegistryError { try registry.write(makeSnapshot(seed: 2), status: .live, reason: "second") }
        #expect(message.contains("fsync failed") && message.contains("not retried"))
        #expect(calls.value == 3, "an fsync error must not be retried")
        #expect(try good.live() == 1)
        #expect(try good.versions().map(\.version) == [1])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("default/versions").path)
        #expect(leftovers == ["000001"])
        #expect(try good.journal().map(\.event) == [.snapshot, .promote])
    }

    @Test func fsyncFailureOfVersionsDirectoryRemovesTheRenamedVersion() throws {
        let dir = TempDirectory()
        let calls = Counter()
        // model, config, manifest, temp dir, versions dir: the 5th is after the rename.
        let failing = DurableFiles { fd, _ in calls.increment() == 5 ? EIO : fsync(fd) == 0 ? 0 : errno }
        _ = try makeRegistry(dir)
        let registry = try AdapterRegistry(root: dir.url, adapter: "default", lockTimeout: 0.3, create: true, files: failing)
        _ = expectRegistryError { try registry.write(makeSnapshot(), reason: "x") }
        #expect(try registry.versions().isEmpty)
        #expect(registry.newestDurable() == nil)
    }

    @Test func tornJournalTailIsIgnoredAndCutBeforeTheNextAppend() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), reason: "v1")
        let journal = dir.url.appendingPathComponent("default/journal.jsonl")
        let handle = try FileHandle(forWritingTo: journal)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"event":"promote","vers"#.utf8))
        try handle.close()
        #expect(try registry.journal().count == 1)
        try registry.promote(1, reason: "after crash")
        #expect(try registry.journal().map(\.event) == [.snapshot, .promote])
    }

    @Test func liveReadsThroughPointerAfterCrashMidPromotion() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(), status: .live, reason: "v1")
        try registry.write(makeSnapshot(seed: 2), reason: "v2")
        // Crash after LIVE was swapped but before any manifest was rewritten.
        try Data("000002\n".utf8).write(to: dir.url.appendingPathComponent("default/LIVE"))
        let statuses = try registry.versions().map(\.status)
        #expect(statuses == [.superseded, .live])
    }
}

/// A thread-safe call counter for injected fsync hooks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    /// Increments and returns the new value.
    func increment() -> Int { lock.withLock { count += 1; return count } }
}
