import Threads
import Foundation
import Testing
@testable import Stream

/// A stand-in for the learner: handles records under its lock, keeps a shared
/// "manifest" of next offsets (the durable truth) and answers start offsets from it.
final class FakeLearner: @unchecked Sendable {
    let name: String
    let lock = NSLock()
    let manifest: Locked<[TopicPartition: Int64]>
    let handled: Locked<[String: Int]>
    private(set) var count = Locked(0)
    var pipeline: IngestPipeline!
    private var task: Task<Void, Never>?

    init(_ name: String, broker: EmbeddedBroker, group: String, topic: String,
         rebalance: KafkaConsumer.RebalanceProtocol,
         manifest: Locked<[TopicPartition: Int64]>, handled: Locked<[String: Int]>) throws {
        self.name = name
        self.manifest = manifest
        self.handled = handled
        let hooks = RebalanceHooks(
            startOffsets: { partitions in
                manifest.withLock { m in m.filter { partitions.contains($0.key) } }
            },
            onRevoke: { [lock, weak self] partitions, lost in
                // "Snapshot": the manifest is already current; taking the lock waits for
                // the record in hand, after which `owns` is false for the revoked partitions.
                // Then mirror the manifest to Kafka for the partitions being handed over.
                let final = lock.withLock { manifest.withLock { m in m.filter { partitions.contains($0.key) } } }
                // Best effort: the mock coordinator answers REBALANCE_IN_PROGRESS while the group
                // rebalances; correctness rests on the manifest (start offsets), not on this mirror.
                if !lost, let consumer = self?.pipeline?.consumer { _ = try? consumer.commitSync(final) }
            })
        pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: group, topics: [topic],
                                            rebalance: rebalance, bufferCapacity: 8), hooks: hooks)
    }

    func start() throws {
        try pipeline.start()
        task = Task { [self] in
            for await event in pipeline { handle(event) }
        }
    }

    private func handle(_ event: IngestEvent) {
        lock.withLock {
            let origin = event.origin
            guard pipeline.owns(origin) else { return }
            handled.withLock { $0["\(origin.topicPartition)@\(origin.offset)", default: 0] += 1 }
            manifest.withLock { $0[origin.topicPartition] = origin.nextOffset }
            count.withLock { $0 += 1 }
        }
    }

    func stop() async {
        await pipeline.stop()
        await task?.value
    }
}

@Suite("Consumer groups")
struct CooperativeRebalanceTests {
    /// The hazard behind a duplicate seen once under load (eager, "[0]@11" handled twice): a
    /// record taken out of the pipeline before a revocation, acted on only after the partition
    /// came back to the same member, passed `owns(partition)`, and the new assignment read it
    /// again. The record's generation tells the two deliveries apart.
    @Test("a record taken before its partition was revoked is not owned after the partition comes back")
    func staleRecordAfterReassignment() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("stale")
        let group = uniqueName("g")
        let tp = TopicPartition(topic, 0)
        try broker.createTopic(topic, partitions: 1)
        try await produce(broker, topic: topic, values: (0..<20).map { exampleJSON($0) })
        let (hooks, assignments) = assignmentCounter(tp)
        let a = try IngestPipeline(.init(kafka: testConfig(broker), groupID: group, topics: [topic], rebalance: .eager,
                                         bufferCapacity: 64), hooks: hooks)
        try a.start()
        // The buffer holds every record, so the poll thread keeps serving rebalances while the
        // test reads only one.
        let held = try #require(await a.next()).origin
        #expect(a.owns(held), "a record of the current assignment is owned")

        // A second member joins and leaves: under the eager protocol each step revokes the
        // partition and assigns it again, until it is back with the first member.
        let b = try IngestPipeline(.init(kafka: testConfig(broker), groupID: group, topics: [topic], rebalance: .eager))
        try b.start()
        #expect(await eventually(180) { assignments.withLock { $0 } >= 2 || b.owns(tp) })
        await b.stop()
        #expect(await eventually(180) { a.owns(tp) && assignments.withLock { $0 } >= 2 })
        #expect(a.owns(tp))
        #expect(!a.owns(held), "a record fetched under the earlier assignment is not owned")
        // Records fetched under the new assignment are (the buffer was purged at the revocation).
        let fresh = try #require(await a.next()).origin
        #expect(a.owns(fresh) == a.owns(tp), "a record of the current assignment is owned")
        #expect(fresh.offset == 0 || fresh.offset > held.offset)
        await a.stop()
    }

    @Test("a member leaves and rejoins mid-stream; every record handled by exactly one owner",
          arguments: [KafkaConsumer.RebalanceProtocol.cooperativeSticky, .eager])
    func leaveAndRejoin(_ rebalance: KafkaConsumer.RebalanceProtocol) async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName(rebalance == .eager ? "eager" : "coop")
        let group = uniqueName("g")
        try broker.createTopic(topic, partitions: 4)
        let manifest = Locked<[TopicPartition: Int64]>([:])
        let handled = Locked<[String: Int]>([:])
        let keepFeeding = Locked(true)

        // Records keep arriving (~200/s) throughout the rebalances, until told to stop.
        let feeder = Task { () throws -> Int in
            let producer = try KafkaProducer(config: testConfig(broker))
            defer { producer.close() }
            var i = 0
            while keepFeeding.withLock({ $0 }) {
                producer.send(ProducerRecord(topic: topic, key: Array("k\(i % 16)".utf8), value: exampleJSON(i))) { _ in }
                i += 1
                if i % 10 == 0 { try await Task.sleep(nanoseconds: 50_000_000) }
            }
            try producer.flush()
            return i
        }

        let a = try FakeLearner("a", broker: broker, group: group, topic: topic, rebalance: rebalance, manifest: manifest, handled: handled)
        let b = try FakeLearner("b", broker: broker, group: group, topic: topic, rebalance: rebalance, manifest: manifest, handled: handled)
        try a.start()
        try b.start()
        #expect(await eventually(60) { a.pipeline.consumer.assignment.count == 2 && b.pipeline.consumer.assignment.count == 2 },
                "both members own two partitions")
        #expect(a.pipeline.consumer.rebalanceProtocol == (rebalance == .eager ? "EAGER" : "COOPERATIVE"))
        #expect(await eventually(60) { a.count.withLock { $0 } > 0 && b.count.withLock { $0 } > 0 })

        await b.stop()   // b leaves: a takes all four partitions
        #expect(await eventually(60) { a.pipeline.consumer.assignment.count == 4 })
        let c = try FakeLearner("b'", broker: broker, group: group, topic: topic, rebalance: rebalance, manifest: manifest, handled: handled)
        try c.start()    // b rejoins as a new member: two partitions move back
        #expect(await eventually(60) { c.pipeline.consumer.assignment.count == 2 && a.pipeline.consumer.assignment.count == 2 })

        #expect(await eventually(60) { c.count.withLock { $0 } > 0 }, "the rejoined member handles new records")
        keepFeeding.withLock { $0 = false }
        let total = try await feeder.value
        #expect(await eventually(60) { handled.withLock { $0.count } >= total }, "handled \(handled.withLock { $0.count }) of \(total)")
        await a.stop()
        await c.stop()

        // Kafka's commits only mirror the manifest: never ahead of it.
        let partitions = (0..<4).map { TopicPartition(topic, Int32($0)) }
        let reader = try KafkaConsumer(config: testConfig(broker), groupID: group)
        let committed = try reader.committed(partitions)
        let durable = manifest.withLock { $0 }
        #expect(committed.allSatisfy { $0.value <= durable[$0.key] ?? 0 }, "committed \(committed) vs manifest \(durable)")
        reader.close()

        let counts = handled.withLock { $0 }
        #expect(counts.count == total, "every record handled")
        #expect(counts.values.allSatisfy { $0 == 1 }, "no record handled twice: \(counts.filter { $0.value > 1 }.keys.sorted().prefix(5))")
        #expect(a.count.withLock { $0 } + b.count.withLock { $0 } + c.count.withLock { $0 } == total)
        #expect(c.count.withLock { $0 } > 0, "the rejoined member handled records")
    }
}
