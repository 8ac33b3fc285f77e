import Threads
@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Stream
import Testing

/// Offsets come only from durable state (§6): starts from the registry alone, commits after every
/// durable snapshot however triggered, and a log shorter than its manifest is an alarm, not a skip.
@Suite("Agent: offsets from durable state")
struct AgentOffsetTests {
    static let partitions: Int32 = 2

    /// Produces `items` alternately to the partitions (or only to `only`), returning the log.
    static func produce(_ items: [SyntheticStream.Item], to broker: EmbeddedBroker, only: Int32? = nil) async throws -> ProducedLog {
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        for (i, item) in items.enumerated() {
            producer.send(topic: TestPipeline.topic, partition: only ?? Int32(i % Int(partitions)), value: item.json, id: item.id)
        }
        let log = try await Blocking.run { [producer] in try producer.flush() }
        producer.close()
        return log
    }

    /// - Parameter sections: more top-level YAML appended to the test pipeline (e.g. `residency:`).
    static func config(_ broker: EmbeddedBroker, group: String, dir: TemporaryDirectory, everyExamples: Int = 100,
                       everySeconds: Double = 1, sections: String = "") throws -> PipelineConfig {
        try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: group, model: dir.path("tiny-bert"),
                                    registry: dir.path("registry"), everyExamples: everyExamples, everySeconds: everySeconds)
                + sections,
            file: "offsets.yaml", environment: [:])
    }

    @Test("an outside client's bogus group commit is ignored (start at earliest); count-triggered snapshots commit what the manifests cover")
    func bogusCommitAndCountTriggeredCommits() async throws {
        let bed = try AgentTestBed("agent-bogus-commit")
        let dir = bed.dir
        let broker = try bed.broker(partitions: Self.partitions)
        let items = SyntheticStream.items(300, labels: 4, prefix: "bogus", seed: 0xB06)
        let log = try await Self.produce(items, to: broker)

        // Someone else commits positions in the middle of the log for the agent's group.
        try await Blocking.run {
            let outsider = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": broker.bootstrapServers, "log_level": "3"]),
                                             groupID: "bogus")
            defer { outsider.close() }
            let bogus = [TopicPartition(TestPipeline.topic, 0): Int64(100), TopicPartition(TestPipeline.topic, 1): Int64(120)]
            try outsider.assign(Array(bogus.keys))
            #expect(try outsider.commitSync(bogus) == bogus)
        }

        // Snapshots by example count only: every commit comes from a count-triggered snapshot.
        let config = try Self.config(broker, group: "bogus", dir: dir, everyExamples: 50, everySeconds: 0)
        let agent = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try agent.start()
        let registry = dir.path("registry")
        var mirrored: [Int32: Int64] = [:]
        let caughtUp = await waitUntil(180, interval: 0.2) {
            guard let newest = try? RegistryChecks.newestDurable(root: registry, adapter: "default") else { return false }
            let covered = RegistryChecks.offsets(newest, topic: TestPipeline.topic)
            guard covered.count == Int(Self.partitions),
                  let committed = try? RegistryChecks.committedSync(bootstrap: broker.bootstrapServers, group: "bogus",
                                                                  topic: TestPipeline.topic, partitions: Self.partitions)
            else { return false }
            mirrored = committed
            // While running, Kafka's commits follow the newest manifest (never ahead of it).
            return committed == covered && (agent.status.adapters.first?.examplesSeen ?? 0) >= items.count
        }
        #expect(caughtUp, "committed \(mirrored) while running; status \(agent.status)")
        await Blocking.run { agent.stop() }

        // Everything below the bogus offsets was read and trained too.
        let final = try #require(try RegistryChecks.newestDurable(root: registry, adapter: "default"))
        #expect(RegistryChecks.offsets(final, topic: TestPipeline.topic) == log.highWatermarks)
        let trained = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: TestPipeline.holdoutShare)
        #expect(final.examplesTrained == trained.count)
        #expect(final.trainedIDs == TrainedIDsDigest(trained))
        #expect(agent.status.adapters.first?.examplesSeen == items.count)
    }

    @Test("a log that ends before the manifest's offset pauses that partition with an alarm; nothing is skipped as a redelivery")
    func logShorterThanManifest() async throws {
        let bed = try AgentTestBed("agent-short-log")
        let dir = bed.dir
        let first = try bed.broker(partitions: Self.partitions)
        _ = try await Self.produce(SyntheticStream.items(60, labels: 4, prefix: "old", seed: 1), to: first, only: 0)
        let config1 = try Self.config(first, group: "short", dir: dir)
        let agent1 = try await Blocking.run { try Agent(config: config1, root: dir.url) }
        try agent1.start()
        #expect(await waitUntil(120, interval: 0.1) { (agent1.status.adapters.first?.examplesSeen ?? 0) >= 60 })
        await Blocking.run { agent1.stop() }
        let recorded = try #require(try RegistryChecks.newestDurable(root: dir.path("registry"), adapter: "default"))
        #expect(RegistryChecks.offsets(recorded, topic: TestPipeline.topic) == [0: 60])
        // The prequential count carries over from the manifest; the new run adds to it.
        let restored = recorded.prequentialMetrics?.cumulative.count ?? 0
        #expect(restored == 60)

        // The topic "recreated": a new cluster whose partition 0 holds only 10 records; partition 1,
        // never recorded, holds 40 and must be read from its start.
        let second = try bed.broker(partitions: Self.partitions)
        _ = try await Self.produce(SyntheticStream.items(10, labels: 4, prefix: "new0", seed: 2), to: second, only: 0)
        _ = try await Self.produce(SyntheticStream.items(40, labels: 4, prefix: "new1", seed: 3), to: second, only: 1)
        let config2 = try Self.config(second, group: "short", dir: dir)
        let agent2 = try await Blocking.run { try Agent(config: config2, root: dir.url) }
        try agent2.start()
        let alarmed = await waitUntil(120, interval: 0.1) {
            agent2.status.partitionAlarms["0"] != nil && (agent2.status.adapters.first?.examplesSeen ?? 0) >= restored + 40
        }
        let status = agent2.status
        await Blocking.run { agent2.stop() }
        #expect(alarmed, "status: \(status)")
        let alarm = try #require(status.partitionAlarms["0"])
        #expect(alarm.contains("10") && alarm.contains("60"), "the alarm names the watermark and the recorded offset: \(alarm)")
        #expect(status.notReadyReasons.contains { $0.contains("partition 0") }, "readiness: \(status.notReadyReasons)")
        let adapter = try #require(status.adapters.first)
        #expect(adapter.skippedRedeliveries == 0, "records of the shorter log were skipped as redeliveries")
        #expect(adapter.examplesSeen == restored + 40, "only partition 1 was read")
        // The paused partition's offset in the registry is untouched.
        let final = try #require(try RegistryChecks.newestDurable(root: dir.path("registry"), adapter: "default"))
        #expect(RegistryChecks.offsets(final, topic: TestPipeline.topic)[0] == 60)
    }
}
