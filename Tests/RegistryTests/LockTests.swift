import Foundation
import Testing

@testable import Registry

@Suite struct LockTests {
    @Test func secondInstanceGivesUpWithAClearError() throws {
        let dir = TempDirectory()
        let agent = try makeRegistry(dir)
        let cli = try makeRegistry(dir, lockTimeout: 0.2)
        try agent.write(makeSnapshot(), reason: "v1")

        let held = try FileLock.acquire(at: dir.url.appendingPathComponent("default/.lock"), exclusive: true, timeout: 0)
        let start = Date()
        let message = expectRegistryError { try cli.promote(1, reason: "while the agent writes") }
        #expect(Date().timeIntervalSince(start) >= 0.2)
        #expect(message.contains("default/.lock is held by pid \(getpid())"))
        #expect(try cli.live() == nil, "reads do not need the lock")
        held.release()
        try cli.promote(1, reason: "after release")
        #expect(try agent.live() == 1)
    }

    @Test func waitsForAShortHolder() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir, lockTimeout: 5)
        let lock = try FileLock.acquire(at: dir.url.appendingPathComponent("default/.lock"), exclusive: true, timeout: 0)
        let box = LockBox(lock)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { box.release() }
        let start = Date()
        try registry.write(makeSnapshot(), reason: "waited")
        #expect(Date().timeIntervalSince(start) >= 0.25)
    }

    @Test func lockHeldByAnotherProcess() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir, lockTimeout: 0.3)
        let lockPath = dir.url.appendingPathComponent("default/.lock").path
        // A child process takes the lock with util-linux flock(1) on fd 9, then becomes `sleep` (exec
        // keeps fd 9), so killing it is the holder dying — the kernel releases the lock.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/bash")
        child.arguments = ["-c", #"exec 9>>"$1" && flock --exclusive 9 && exec sleep 30"#, "holder", lockPath]
        try child.run()
        defer {
            if child.isRunning { kill(child.processIdentifier, SIGKILL) }
            child.waitUntilExit()
        }
        // Wait until the child really holds it.
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            guard let probe = try? FileLock.acquire(at: URL(fileURLWithPath: lockPath), exclusive: true, timeout: 0) else { break }
            probe.release()
            usleep(20_000)
        }
        let message = expectRegistryError { try registry.write(makeSnapshot(), reason: "contended") }
        #expect(message.contains("is held"))
        #expect(try registry.versions().isEmpty)

        // kill -9 the holder: no cleanup code runs, yet the lock is free.
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        try registry.write(makeSnapshot(), reason: "after the other process died")
        #expect(try registry.versions().count == 1)
    }

    @Test func leftoversAreKeptWhileSomeoneHoldsTheLock() throws {
        let dir = TempDirectory()
        _ = try makeRegistry(dir)
        let temp = dir.url.appendingPathComponent("default/versions/.000001.tmp")
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        let lock = try FileLock.acquire(at: dir.url.appendingPathComponent("default/.lock"), exclusive: true, timeout: 0)
        _ = try makeRegistry(dir)
        #expect(FileManager.default.fileExists(atPath: temp.path), "a writer in progress owns its .tmp")
        lock.release()
        _ = try makeRegistry(dir)
        #expect(!FileManager.default.fileExists(atPath: temp.path))
    }
}

/// Hands a lock to another thread in a test.
final class LockBox: @unchecked Sendable {
    let lock: FileLock
    init(_ lock: FileLock) { self.lock = lock }
    func release() { lock.release() }
}

@Suite struct ConcurrentWriterTests {
    /// Two registry instances (an agent and a CLI, say) writing and promoting from two threads at
    /// once: the lock serializes them, so numbers are distinct, every version verifies and the
    /// journal has one line per operation.
    @Test func twoInstancesOnTwoThreadsNeverCollide() throws {
        let dir = TempDirectory()
        let first = try makeRegistry(dir, lockTimeout: 30)
        let second = try makeRegistry(dir, lockTimeout: 30)
        let failures = Counter()
        let group = DispatchGroup()
        for (index, registry) in [first, second].enumerated() {
            group.enter()
            Thread {
                defer { group.leave() }
                for i in 0..<8 {
                    do {
                        let m = try registry.write(makeSnapshot(seed: Float(10 * index + i)), reason: "thread \(index) #\(i)")
                        if i % 3 == 0 { try registry.promote(m.version, reason: "thread \(index) promotes") }
                    } catch {
                        _ = failures.increment()
                    }
                }
            }.start()
        }
        group.wait()
        #expect(failures.value == 0)
        let versions = try first.versions()
        #expect(versions.map(\.version.rawValue) == Array(1...16))
        for m in versions { try first.verify(m.version) }
        let journal = try first.journal()
        #expect(journal.filter { $0.event == .snapshot }.count == 16)
        #expect(journal.filter { $0.event == .promote }.count == 6)
        #expect(versions.filter { $0.status == .live }.count == 1)
        #expect(try first.live() == journal.last { $0.event == .promote }?.version)
    }

    @Test func newestDurableSkipsATornNewestVersion() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(examples: 10), reason: "v1")
        try registry.write(makeSnapshot(seed: 2, examples: 20), reason: "v2")
        try FileManager.default.removeItem(at: versionDirectory(dir, 2).appendingPathComponent("adapter_model.safetensors"))
        let newest = try #require(registry.newestDurable())
        #expect(newest.version == 1)
        #expect(newest.offsets.next(topic: "examples", partition: 0) == 10)
    }
}
