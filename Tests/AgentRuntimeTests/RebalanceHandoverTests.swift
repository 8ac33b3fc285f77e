import Threads
@testable import AgentRuntime
import Foundation
import Registry
import Stream
import Testing
@testable import Learner

/// DESIGN §9 with real components (embedded broker over TCP, agents in process, one registry on
/// disk): when a second agent joins the group, cooperative-sticky rebalancing moves half the
/// partitions and with them the adapters keyed to them. The old owner must snapshot and commit
/// before it lets go and learn nothing of them afterwards; the new owner must continue that
/// lineage exactly where it ended, reading no record twice.
@Suite("Rebalance handover between agents")
struct RebalanceHandoverTests {
    static let partitions: Int32 = 4
    /// Records per partition in each phase.
    static let perPhase = 30
    static let topic = TestPipeline.topic

    /// Records keyed to partition `p` name this adapter (the record key routes examples).
    static func adapter(_ p: Int32) -> String { "p\(p)" }

    @Test("on revoke the old owner snapshots and commits; the new owner reloads that version and resumes exactly there")
    func handoverBetweenAgents() async throws {
        let bed = try AgentTestBed("handover")
        let (dir, model, registry) = (bed.dir, bed.model, bed.registry)
        let broker = try bed.broker(partitions: Self.partitions)
        // Snapshots only by count, and never reached: every version below is a start-up,
        // handover or shutdown snapshot, so each one's offsets are known exactly.
        let yaml = TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "handover", model: model, registry: registry,
                                     everyExamples: 1_000_000)
            .replacingOccurrences(of: "every_seconds: 1", with: "every_seconds: 0")
        #expect(yaml.contains("every_seconds: 0"))
        let config = try PipelineConfig.parse(yaml: yaml, file: "handover.yaml", environment: [:])
        let all = (0..<Self.partitions).map { $0 }
        let n = Int64(Self.perPhase)
        var log = ProducedLog()

        // Phase 0: agent A0 alone learns 30 records per partition and stops: version 1 of every adapter.
        try await Self.produce(phase: 0, to: broker, log: &log)
        let a0 = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try a0.start()
        #expect(await waitUntil(60) { Self.examples(a0, all) == all.map { _ in Self.perPhase } }, "A0: \(a0.status)")
        await Blocking.run { a0.stop() }
        for p in all {
            let versions = try Self.versions(registry, p)
            #expect(versions.map(\.version) == [1], "adapter \(Self.adapter(p)) after A0: \(versions.map(\.version))")
        }

        // Phase 1: agent A alone (restored from version 1) learns 30 more per partition, snapshotting nothing.
        let a = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try a.start()
        try await Self.produce(phase: 1, to: broker, log: &log)
        #expect(await waitUntil(60) { Self.examples(a, all) == all.map { _ in 2 * Self.perPhase } }, "A: \(a.status)")
        for p in all { #expect(try Self.versions(registry, p).count == 1, "A snapshotted \(Self.adapter(p)) before any revoke") }

        // Agent B joins, its adapters restored from version 1 (stale by now): two partitions move to it.
        let b = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try b.start()
        let split = await waitUntil(60) { a.pipeline.consumer.assignment.count == 2 && b.pipeline.consumer.assignment.count == 2 }
        #expect(split, "assignments: A \(a.pipeline.consumer.assignment.sorted()), B \(b.pipeline.consumer.assignment.sorted())")
        let moved = b.pipeline.consumer.assignment.map(\.partition).sorted()
        let kept = a.pipeline.consumer.assignment.map(\.partition).sorted()
        #expect(moved.count == 2 && Set(moved).isDisjoint(with: kept))

        // A's handover is durable and committed before B owns the partitions: a version from A per
        // moved adapter covering exactly what A had consumed (both phases), Kafka's commit equal to it.
        var handover: [Int32: Version] = [:]
        for p in moved {
            let versions = try Self.versions(registry, p)
            let last = try #require(versions.last)
            #expect(versions.map(\.version) == [1, 2], "adapter \(Self.adapter(p)): \(versions.map(\.version))")
            #expect(last.parent == 1 && last.reason.hasPrefix("revoke"), "handover version: parent \(String(describing: last.parent)), \(last.reason)")
            #expect(RegistryChecks.offsets(last, topic: Self.topic) == [p: 2 * n])
            let expected = RegistryChecks.expectedIDs(log, below: [p: 2 * n], holdoutShare: TestPipeline.holdoutShare)
            #expect(last.examplesTrained == expected.count && last.trainedIDs == TrainedIDsDigest(expected))
            handover[p] = last.version
        }
        for p in kept { #expect(try Self.versions(registry, p).count == 1, "A snapshotted \(Self.adapter(p)), which stays") }
        // Kafka mirrors the handover manifests: A commits them in its revoke callback, B on assignment
        // (A's commit may meet a rebalance still settling, then B's lands).
        var committed: [Int32: Int64] = [:]
        for _ in 0..<600 {
            committed = try await RegistryChecks.committed(bootstrap: broker.bootstrapServers, group: "handover",
                                                           topic: Self.topic, partitions: Self.partitions)
            if moved.allSatisfy({ committed[$0] == 2 * n }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        for p in moved { #expect(committed[p] == 2 * n, "committed \(committed) for moved partition \(p)") }
        // A released the moved adapters; it keeps learning the others.
        #expect(await waitUntil(10) { Set(a.status.adapters.map(\.name)) == Set(kept.map(Self.adapter)) },
                "A's adapters: \(a.status.adapters.map(\.name))")
        // … and stopped serving them: a live model nothing updates any more would go stale.
        for p in moved { #expect(a.live.current(Self.adapter(p)) == nil, "A still serves \(Self.adapter(p))") }

        // Phase 2: 30 more per partition, each learned by its new owner.
        try await Self.produce(phase: 2, to: broker, log: &log)
        let learned = await waitUntil(60) {
            Self.examples(b, moved) == moved.map { _ in 3 * Self.perPhase } && Self.examples(a, kept) == kept.map { _ in 3 * Self.perPhase }
        }
        #expect(learned, "A: \(a.status.adapters.map { ($0.name, $0.examplesSeen) }), B: \(b.status.adapters.map { ($0.name, $0.examplesSeen) })")
        // B read the moved partitions from where A's handover ended (nothing again); A read none of their new records.
        #expect(b.pipeline.stats.consumed == moved.count * Self.perPhase, "B consumed \(b.pipeline.stats.consumed)")
        #expect(a.pipeline.stats.consumed == Int(Self.partitions) * Self.perPhase + kept.count * Self.perPhase,
                "A consumed \(a.pipeline.stats.consumed)")
        // B leaves first; once A owns everything again (the group is stable), A stops: so neither
        // shutdown commit meets a rebalance in progress, which the coordinator would refuse.
        await Blocking.run { b.stop() }
        #expect(await waitUntil(60) { a.pipeline.consumer.assignment.count == Int(Self.partitions) },
                "A's assignment after B left: \(a.pipeline.consumer.assignment.sorted())")
        await Blocking.run { a.stop() }
        // Taking the moved partitions back, A started where B's shutdown snapshot ended: nothing read again.
        #expect(a.pipeline.stats.consumed == Int(Self.partitions) * Self.perPhase + kept.count * Self.perPhase,
                "A consumed \(a.pipeline.stats.consumed) after taking back \(moved)")

        // Every adapter: one linear lineage (no fork from a learner that kept going), ending at the
        // high watermark with every example trained exactly once; Kafka's commits mirror it.
        let final = log.highWatermarks
        #expect(final == Dictionary(uniqueKeysWithValues: all.map { ($0, 3 * n) }))
        let finalCommitted = try await RegistryChecks.committed(bootstrap: broker.bootstrapServers, group: "handover",
                                                                topic: Self.topic, partitions: Self.partitions)
        #expect(finalCommitted == final, "committed \(finalCommitted)")
        for p in all {
            let versions = try Self.versions(registry, p)
            for (previous, next) in zip(versions, versions.dropFirst()) {
                #expect(next.parent == previous.version, "adapter \(Self.adapter(p)): \(next.version) descends from \(String(describing: next.parent))")
            }
            let newest = try #require(try RegistryChecks.newestDurable(root: registry, adapter: Self.adapter(p)))
            // Moved: A0's, A's handover, B's shutdown snapshot. Kept: A0's, A's shutdown snapshot.
            #expect(versions.map(\.version) == (moved.contains(p) ? [1, 2, 3] : [1, 2]), "adapter \(Self.adapter(p))")
            #expect(RegistryChecks.offsets(newest, topic: Self.topic) == [p: 3 * n])
            let expected = RegistryChecks.expectedIDs(log, below: [p: 3 * n], holdoutShare: TestPipeline.holdoutShare)
            #expect(newest.examplesTrained == expected.count, "adapter \(Self.adapter(p))")
            #expect(newest.trainedIDs == TrainedIDsDigest(expected), "adapter \(Self.adapter(p))")
            // The prequential record continues along the lineage too: every example predicted once.
            #expect(newest.prequentialMetrics?.cumulative.count == 3 * Self.perPhase, "adapter \(Self.adapter(p))")
            if moved.contains(p) { #expect(newest.parent == handover[p], "B continued A's handover version") }
            #expect(try RegistryChecks.scan(root: registry, adapter: Self.adapter(p)).verified.count == versions.count)
        }
    }

    @Test("an event of a partition this member does not own is not learned (taken before a revoke)")
    func eventOfUnownedPartitionIsIgnored() async throws {
        let bed = try AgentTestBed("unowned")
        let (dir, model) = (bed.dir, bed.model)
        let broker = try EmbeddedBroker()
        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "unowned", model: model, registry: dir.path("registry")),
            file: "unowned.yaml", environment: [:])
        let agent = try await Blocking.run { try Agent(config: config, root: dir.url) }
        // Never started: the member owns no partition, like one whose partitions were just revoked.
        let example = Example(input: .text("red blue green the very"), label: "color", id: "u-1")
        try agent.handle(.example(example, RecordOrigin(topic: Self.topic, partition: 1, offset: 7)))
        #expect(agent.workers.isEmpty, "an adapter was created for a record of an unowned partition")
        #expect(agent.consumed.isEmpty, "the unowned record advanced the consumed positions: \(agent.consumed)")
    }

    @Test("a revocation the learner does not take up in time is released, and the learner then treats it as lost",
          .timeLimit(.minutes(1)))
    func revocationTimesOut() {
        let handoff = RebalanceHandoff()
        handoff.open()
        let started = ContinuousClock.now
        handoff.revoke([TopicPartition(Self.topic, 0)], lost: false, timeout: .milliseconds(200),
                       logger: .init(label: "test"))
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        let notices = handoff.take()
        #expect(notices.count == 1)
        guard case .revoked(let revocation)? = notices.first else {
            Issue.record("expected a revocation, got \(notices)")
            return
        }
        #expect(!revocation.claim(), "the poll thread stopped waiting: the learner must not hand over")
        // Once the learner stops serving, nothing is posted and no one waits.
        _ = handoff.close()
        // (A wait would run into the test's time limit: no timing assertion needed.)
        handoff.revoke([TopicPartition(Self.topic, 1)], lost: false, timeout: .seconds(600), logger: .init(label: "test"))
        #expect(handoff.take().isEmpty)
    }

    @Test("a revocation the learner takes up is waited for until it finishes")
    func revocationIsWaitedFor() async throws {
        let handoff = RebalanceHandoff()
        handoff.open()
        let served = Locked(false)
        let learner = Thread {
            while true {
                for notice in handoff.take() {
                    if case .revoked(let revocation) = notice, revocation.claim() {
                        Thread.sleep(forTimeInterval: 0.3)
                        served.withLock { $0 = true }
                        revocation.finish()
                        return
                    }
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        learner.start()
        await Blocking.run {
            handoff.revoke([TopicPartition(Self.topic, 0)], lost: false, timeout: .seconds(10), logger: .init(label: "test"))
        }
        #expect(served.current, "the revoke returned before the learner finished its handover")
    }

    // MARK: Helpers

    /// Prequential example counts (resumed across restarts) of the adapters of `partitions` on `agent`.
    static func examples(_ agent: Agent, _ partitions: [Int32]) -> [Int] {
        let byName = Dictionary(uniqueKeysWithValues: agent.status.adapters.map { ($0.name, $0.examplesSeen) })
        return partitions.map { byName[adapter($0)] ?? 0 }
    }

    /// Every version of the adapter of partition `p`, oldest first.
    static func versions(_ registry: URL, _ p: Int32) throws -> [Manifest] {
        try AdapterRegistry(root: registry, adapter: adapter(p), create: false).versions()
    }

    /// Produces `perPhase` synthetic examples to every partition, keyed to its adapter, and
    /// records where each landed.
    static func produce(phase: Int, to broker: EmbeddedBroker, log: inout ProducedLog) async throws {
        let producer = try KafkaProducer(config: KafkaConfig(["bootstrap.servers": broker.bootstrapServers, "linger.ms": "5",
                                                              "log_level": "3"]))
        defer { producer.close() }
        let reports = try await withThrowingTaskGroup(of: (DeliveryReport, String).self) { group in
            for p in 0..<partitions {
                let items = SyntheticStream.items(perPhase, labels: 4, prefix: "h\(phase)-\(p)", seed: UInt64(100 * phase) + UInt64(p))
                for item in items {
                    let record = ProducerRecord(topic: topic, partition: p, key: Array(adapter(p).utf8), value: item.json)
                    group.addTask { (try await producer.send(record), item.id) }
                }
            }
            var reports: [(DeliveryReport, String)] = []
            for try await report in group { reports.append(report) }
            return reports
        }
        for (report, id) in reports { log.record(report, id: id) }
    }
}
