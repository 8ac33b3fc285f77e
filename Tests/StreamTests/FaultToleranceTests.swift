import Threads
import Crdkafka
import Foundation
import Testing
@testable import Stream

@Suite("Faults injected into the embedded broker")
struct FaultToleranceTests {
    static func offsets(_ events: [IngestEvent], _ tp: TopicPartition) -> [Int64] {
        events.filter { $0.origin.topicPartition == tp }.map(\.origin.offset)
    }

    /// Checks a partition's delivered offsets against Kafka's at-least-once contract for a
    /// consumer that commits nothing on its own: cut where the offset goes back, each run is
    /// consecutive (no gap, no duplicate inside one assignment), every run starts at `start`
    /// (the committed offset, or earliest when nothing is committed), the runs cover
    /// `start..<end`, and there are no more runs than assignments of the partition. A
    /// redelivery is therefore allowed only where the group really re-assigned the partition
    /// (a busy machine can make a short outage cost the membership), never otherwise.
    static func expectAtLeastOnce(_ offsets: [Int64], from start: Int64, to end: Int64, assignments: Int,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
        var runs: [[Int64]] = []
        for offset in offsets {
            if let last = runs.last?.last, offset > last { runs[runs.count - 1].append(offset) } else { runs.append([offset]) }
        }
        for run in runs {
            #expect(run.first == start, "a run starts at \(run.first ?? -1), not at \(start)", sourceLocation: sourceLocation)
            #expect(run == Array(run[0]...(run.last ?? run[0])), "a gap or duplicate inside one run: \(run)", sourceLocation: sourceLocation)
        }
        #expect(Set(offsets) == Set(start..<end), "offsets \(start)..<\(end) each delivered", sourceLocation: sourceLocation)
        #expect(runs.count <= assignments, "\(runs.count) runs from \(assignments) assignments: a redelivery without a rebalance",
                sourceLocation: sourceLocation)
    }

    @Test("broker down then up mid-stream: no loss, redelivery only after a re-assignment, restart resumes at the last commit")
    func brokerDownUp() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("downup")
        let group = uniqueName("g")
        let tp = TopicPartition(topic, 0)
        try broker.createTopic(topic, partitions: 1)
        try await produce(broker, topic: topic, values: (0..<100).map { exampleJSON($0) })

        let (hooks, assignments) = assignmentCounter(tp)
        let pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: group, topics: [topic], bufferCapacity: 16),
                                          hooks: hooks)
        try pipeline.start()
        let collector = EventCollector(pipeline)
        #expect(await eventually { collector.all.count >= 10 })
        try broker.setBrokerDown()
        // Records produced while the broker is down wait in the producer and arrive after it is back.
        let late = Task { try await produce(broker, topic: topic, values: (100..<200).map { exampleJSON($0) }) }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        try broker.setBrokerUp()
        try await late.value
        #expect(await eventually(180) { Set(Self.offsets(collector.all, tp)).count >= 200 })
        Self.expectAtLeastOnce(Self.offsets(collector.all, tp), from: 0, to: 200, assignments: assignments.withLock { $0 })
        _ = try await Blocking.run { try pipeline.consumer.commitSyncRetrying([tp: 150]) }
        await pipeline.stop()

        // A new member of the same group starts at the commit: 150…199.
        let (restartHooks, again) = assignmentCounter(tp)
        let restarted = try IngestPipeline(.init(kafka: testConfig(broker), groupID: group, topics: [topic]), hooks: restartHooks)
        try restarted.start()
        let collected = EventCollector(restarted)
        #expect(await eventually(180) { Set(Self.offsets(collected.all, tp)).count >= 50 })
        try await Task.sleep(nanoseconds: 300_000_000)
        await restarted.stop()
        Self.expectAtLeastOnce(Self.offsets(collected.all, tp), from: 150, to: 200, assignments: again.withLock { $0 })
    }

    @Test("injected Fetch and OffsetCommit errors are retried, never skipped")
    func fetchAndCommitErrors() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("errs")
        try broker.createTopic(topic, partitions: 1)
        try await produce(broker, topic: topic, values: (0..<20).map { exampleJSON($0) })
        let pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: uniqueName("g"), topics: [topic]))
        try pipeline.start()
        let tp = TopicPartition(topic, 0)
        #expect(await eventually(180) { pipeline.consumer.assignment == [tp] })
        // Mid-stream: the next Fetch requests fail, then 30 more records arrive.
        broker.pushRequestErrors(.fetch, [
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR_UNKNOWN,
        ])
        try await produce(broker, topic: topic, values: (20..<50).map { exampleJSON($0) })
        let collector = EventCollector(pipeline)
        #expect(await eventually(180) { collector.all.count >= 50 })
        #expect(Self.offsets(collector.all, tp) == (0..<50).map { Int64($0) })

        // Transient coordinator errors: the agent's commit (`commitSyncRetrying`) retries until it lands.
        broker.pushRequestErrors(.offsetCommit, [
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        ])
        let committed = try await Blocking.run { try pipeline.consumer.commitSyncRetrying([tp: 50]) }
        #expect(committed == [tp: 50])
        #expect(try pipeline.consumer.committed([tp]) == [tp: 50])

        // A permanent error is reported, not swallowed, and the old commit stands.
        broker.pushRequestErrors(.offsetCommit, [RD_KAFKA_RESP_ERR_OFFSET_METADATA_TOO_LARGE])
        #expect(throws: KafkaError.self) { try pipeline.consumer.commitSyncRetrying([tp: 40], attempts: 1) }
        #expect(try pipeline.consumer.committed([tp]) == [tp: 50])

        // Commits for partitions not owned are dropped.
        #expect(try pipeline.consumer.commitSyncRetrying([TopicPartition(topic, 7): 3]).isEmpty)
        #expect(try pipeline.consumer.lag() == [tp: 0])
        await pipeline.stop()
    }

    @Test("explicit start offsets from the caller win over the committed offset")
    func startOffsets() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("start")
        let group = uniqueName("g")
        try broker.createTopic(topic, partitions: 2)
        try await produce(broker, topic: topic, values: (0..<10).map { exampleJSON($0) }, partition: 0)
        try await produce(broker, topic: topic, values: (10..<20).map { exampleJSON($0) }, partition: 1)
        let asked = Locked<[TopicPartition]>([])
        let hooks = RebalanceHooks(startOffsets: { partitions in
            asked.withLock { $0 += partitions }
            return [TopicPartition(topic, 0): 7]   // partition 1: nothing in the manifest → earliest
        })
        let pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: group, topics: [topic]), hooks: hooks)
        try pipeline.start()
        let collector = EventCollector(pipeline)
        #expect(await eventually { collector.all.count >= 13 })
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(Self.offsets(collector.all, TopicPartition(topic, 0)) == [7, 8, 9])
        #expect(Self.offsets(collector.all, TopicPartition(topic, 1)) == (0..<10).map { Int64($0) })
        #expect(Set(asked.withLock { $0 }) == [TopicPartition(topic, 0), TopicPartition(topic, 1)])
        #expect(pipeline.consumer.assignment == [TopicPartition(topic, 0), TopicPartition(topic, 1)])
        await pipeline.stop()
    }

    @Test("a session timeout reports the assignment as lost; commits for lost partitions are refused")
    func assignmentLost() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("lost")
        try broker.createTopic(topic, partitions: 1)
        let tp = TopicPartition(topic, 0)
        let revocations = Locked<[(lost: Bool, committed: [TopicPartition: Int64])]>([])
        let consumerBox = Locked<KafkaConsumer?>(nil)
        let hooks = RebalanceHooks(onRevoke: { partitions, lost in
            let committed = (try? consumerBox.withLock { $0 }?.commitSync([tp: 1])) ?? [:]
            revocations.withLock { $0.append((lost, committed)) }
        })
        let pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: uniqueName("g"), topics: [topic]), hooks: hooks)
        consumerBox.withLock { $0 = pipeline.consumer }
        try pipeline.start()
        #expect(await eventually(180) { pipeline.consumer.assignment == [tp] })
        // No heartbeat gets through for longer than session.timeout.ms (6 s in tests).
        try broker.setBrokerDown()
        #expect(await eventually(30) { revocations.withLock { $0.contains { $0.lost } } }, "revocation reported as lost")
        #expect(pipeline.consumer.assignment.isEmpty)
        try broker.setBrokerUp()
        #expect(await eventually(180) { pipeline.consumer.assignment == [tp] }, "the member rejoins and owns the partition again")
        await pipeline.stop()
        let lostOnes = revocations.withLock { $0.filter(\.lost) }
        #expect(!lostOnes.isEmpty && lostOnes.allSatisfy { $0.committed.isEmpty }, "no commit for lost partitions")
    }
}
