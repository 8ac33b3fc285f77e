@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Stream
import Testing
import Threads

/// A restart re-reads each partition from the lowest offset any adapter's newest durable version
/// recorded, so most re-read records are redeliveries for their adapter. With a residency budget
/// smaller than the adapters, reloading an evicted adapter only to skip such a record evicted
/// another, which the next re-read record reloaded (thrash). The agent now decides a redelivery
/// for an evicted adapter from its durable offsets, without loading it.
@Suite("Agent: redeliveries of evicted adapters")
struct RedeliveryResidencyTests {
    static let adapters = ["a", "b", "c", "d", "e", "f"]
    static let partitions: Int32 = 2

    @Test("after a restart with a budget of 2 of 6 adapters, re-read records the evicted adapters' versions cover are skipped without loading them; nothing is trained twice")
    func redeliveriesDoNotReloadEvictedAdapters() async throws {
        let bed = try AgentTestBed("agent-redelivery-residency")
        let dir = bed.dir
        let broker = try bed.broker(partitions: Self.partitions)
        // Partition 0 carries a, c, e in turn; partition 1 b, d, f: each adapter's last record is
        // one of the last three of its partition, so a restart re-reads the last two of each.
        let items = SyntheticStream.items(120, labels: 4, prefix: "redeliver", seed: 0x2ED1)
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        for (i, item) in items.enumerated() {
            producer.send(topic: TestPipeline.topic, partition: Int32(i) % Self.partitions,
                          key: Array(Self.adapters[i % Self.adapters.count].utf8), value: item.json, id: item.id)
        }
        let log = try await Blocking.run { [producer] in try producer.flush() }
        producer.close()
        let config = try AgentOffsetTests.config(broker, group: "redelivery", dir: dir, everyExamples: 20,
                                                 sections: "\nresidency: {max_adapters: 2}\n")
        let registry = dir.path("registry")

        // First run: everything learned and durable; a graceful stop.
        let first = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try first.start()
        let learned = await waitUntil(180, interval: 0.1) {
            Self.adapters.allSatisfy { name in
                ((try? RegistryChecks.newestDurable(root: registry, adapter: name)) ?? nil)
                    .map { !$0.offsets[TestPipeline.topic].isEmpty } ?? false
            } && (try? RegistryChecks.committedSync(bootstrap: broker.bootstrapServers, group: "redelivery",
                                                    topic: TestPipeline.topic, partitions: Self.partitions)) == log.highWatermarks
        }
        await Blocking.run { first.stop() }
        #expect(learned, "status: \(first.status.adapters.map { ($0.name, $0.examplesTrained) })")
        let trainedBefore = try Self.adapters.map { try #require(try RegistryChecks.newestDurable(root: registry, adapter: $0)).examplesTrained }

        // Second run: two trainers load within the budget; the re-read records are all redeliveries.
        let second = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try second.start()
        let reread = await waitUntil(120, interval: 0.1) {
            let p = second.status.partitions
            return p.count == Int(Self.partitions) && p.allSatisfy { $0.position != nil && $0.position == $0.highWatermark }
        }
        await Blocking.run { second.stop() }
        #expect(reread, "partitions: \(second.status.partitions)")
        let skippedUnloaded = second.redeliveriesWhileEvicted.values.reduce(0, +)
        let skippedResident = second.status.adapters.reduce(0) { $0 + $1.skippedRedeliveries }
        #expect(skippedUnloaded > 0, "no redelivery reached an evicted adapter: the scenario did not happen")
        #expect(second.trainerLoads == 2, "trainers loaded: \(second.trainerLoads) (2 at start-up); skipped unloaded \(skippedUnloaded), resident \(skippedResident)")
        let trainedAfter = try Self.adapters.map { try #require(try RegistryChecks.newestDurable(root: registry, adapter: $0)).examplesTrained }
        #expect(trainedAfter == trainedBefore, "trained \(trainedBefore) → \(trainedAfter)")
    }
}
