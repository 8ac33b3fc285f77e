import Threads
import Foundation
import Testing
@testable import Stream

/// The contract the learner's handover (DESIGN §9) rests on: a revoke hook may block the poll
/// thread while *another* thread commits the revoked partitions' final offsets — no deadlock,
/// the commit is accepted, and the next owner starts exactly there.
@Suite("Revoke hook waiting for a commit from another thread")
struct RevokeCommitTests {
    /// A stand-in for the learner thread: commits what it handled of the partitions it is asked for
    /// (as the learner's handover does: retrying while the group's rebalance settles).
    final class Committer: @unchecked Sendable {
        let handled = Locked<[TopicPartition: Int64]>([:])
        let commits = Locked<[TopicPartition: Int64]>([:])
        let failures = Locked<[String]>([])
        private let requests = Locked<[([TopicPartition], DispatchSemaphore)]>([])
        var pipeline: IngestPipeline?

        /// Poll thread: hands `partitions` over and waits (bounded) until they are committed.
        func revoke(_ partitions: [TopicPartition]) -> Bool {
            let done = DispatchSemaphore(value: 0)
            requests.withLock { $0.append((partitions, done)) }
            return done.wait(timeout: .now() + .seconds(10)) == .success
        }

        /// The committing thread's loop, until `running` is false.
        func serve(while running: Locked<Bool>) {
            while running.current {
                let pending = requests.withLock { r -> [([TopicPartition], DispatchSemaphore)] in defer { r.removeAll() }; return r }
                for (partitions, done) in pending {
                    let offsets = handled.withLock { h in h.filter { partitions.contains($0.key) } }
                    do {
                        if let committed = try pipeline?.consumer.commitSyncRetrying(offsets) {
                            commits.withLock { $0.merge(committed) { _, new in new } }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                    done.signal()
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
    }

    @Test("cooperative: the revoked partitions' offsets are committed while the hook waits; the next owner starts there")
    func commitWhileRevokeHookWaits() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("revoke-commit")
        let group = uniqueName("g")
        try broker.createTopic(topic, partitions: 4)
        for p in Int32(0)..<4 {
            try await produce(broker, topic: topic, values: (0..<10).map { exampleJSON(Int(p) * 100 + $0) }, partition: p)
        }

        let committer = Committer()
        let waited = Locked<[Bool]>([])
        let hooks = RebalanceHooks(onRevoke: { partitions, lost in
            guard !lost, !partitions.isEmpty else { return }
            let ok = committer.revoke(partitions)
            waited.withLock { $0.append(ok) }
        })
        let first = try IngestPipeline(.init(kafka: testConfig(broker), groupID: group, topics: [topic]), hooks: hooks)
        committer.pipeline = first
        let running = Locked(true)
        let thread = Thread { committer.serve(while: running) }
        thread.start()
        defer { running.withLock { $0 = false } }
        try first.start()
        let reader = Task {
            for await event in first {
                let origin = event.origin
                committer.handled.withLock { $0[origin.topicPartition] = max($0[origin.topicPartition] ?? 0, origin.nextOffset) }
            }
        }
        #expect(await eventually(60) { committer.handled.withLock { $0.values.reduce(0, +) } == 40 })

        let second = try IngestPipeline(.init(kafka: testConfig(broker), groupID: group, topics: [topic]))
        let collector = EventCollector(second)
        try second.start()
        #expect(await eventually(60) { first.consumer.assignment.count == 2 && second.consumer.assignment.count == 2 },
                "assignments \(first.consumer.assignment.sorted()) / \(second.consumer.assignment.sorted())")
        let moved = second.consumer.assignment

        // The hook's wait ended by the commit attempt, not by its timeout (no deadlock between the
        // blocked poll thread and the committing thread).
        #expect(waited.current == [true], "revoke waits: \(waited.current)")
        // The coordinator accepts the commit, or — when the group's rebalance moves on while the
        // hook holds the poll thread (seen under CPU load with the embedded broker) — refuses it
        // as a rebalance; nothing else. The agent does not rely on this commit: the next owner
        // starts from the registry and commits what it covers on assignment.
        let refusals = committer.failures.current
        #expect(refusals.allSatisfy { $0.contains("REBALANCE_IN_PROGRESS") || $0.contains("ILLEGAL_GENERATION") },
                "commit failures: \(refusals)")
        let accepted = refusals.isEmpty
        let expected = Dictionary(uniqueKeysWithValues: moved.map { ($0, Int64(10)) })
        #expect(committer.commits.current == (accepted ? expected : [:]))
        let probe = try KafkaConsumer(config: testConfig(broker), groupID: group)
        let committed = try probe.committed(moved.sorted())
        probe.close()
        #expect(committed == (accepted ? expected : [:]), "committed \(committed)")

        // The next owner starts at the commit when there is one (its first record of each moved
        // partition is offset 10), else at `auto.offset.reset` (earliest here: 0 … 10).
        for tp in moved.sorted() { try await produce(broker, topic: topic, values: [exampleJSON(999)], partition: tp.partition) }
        let perPartition = accepted ? 1 : 11
        #expect(await eventually(30) { collector.examples.count == moved.count * perPartition },
                "second member got \(collector.examples.count)")
        #expect(Set(collector.examples.map(\.1.offset)) == (accepted ? [10] : Set(0...10)), "offsets \(collector.examples.map(\.1))")

        await second.stop()
        await first.stop()
        await collector.wait()
        await reader.value
    }
}
