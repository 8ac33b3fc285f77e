import Threads
@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Stream
import TestCorpora
import Testing

/// Every record has exactly one fate (§6): trained, held out, dead-lettered with a reason, or a
/// skipped redelivery. The agent end to end with real components over the embedded broker.
@Suite("Agent: every record one fate")
struct AgentRecordFateTests {
    static let partitions: Int32 = 2

    @Test("a hostile corpus (≥ 60 kinds) interleaved with good records: each bad one in the DLQ, each good one trained or held out")
    func hostileCorpus() async throws {
        let bed = try AgentTestBed("agent-hostile")
        let (dir, model, registry) = (bed.dir, bed.model, bed.registry)
        let broker = try bed.broker(partitions: Self.partitions, deadLetters: true)
        let topic = TestPipeline.topic

        // Two good records, then a bad one, round-robin over the partitions; good ones last.
        let hostile = HostileCorpus.records
        let items = SyntheticStream.items(2 * hostile.count + 20, labels: 4, prefix: "fate", seed: 0xFA7E)
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers, properties: ["message.max.bytes": "4000000"])
        var sent = 0
        var badSent = 0
        var badPartition: [Int32] = []
        for (i, item) in items.enumerated() {
            producer.send(topic: topic, partition: Int32(sent % Int(Self.partitions)), value: item.json, id: item.id)
            sent += 1
            if i % 2 == 1, badSent < hostile.count {
                let bad = hostile[badSent]
                badPartition.append(Int32(sent % Int(Self.partitions)))
                producer.send(topic: topic, partition: badPartition.last!, key: bad.key, value: bad.value, id: nil)
                badSent += 1
                sent += 1
            }
        }
        let log = try await Blocking.run { [producer] in try producer.flush() }
        producer.close()
        #expect(badSent == hostile.count)

        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "fate", model: model, registry: registry),
            file: "fate.yaml", environment: [:])
        let agent = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try agent.start()
        let seenAll = await waitUntil(180, interval: 0.1) {
            (agent.status.adapters.first?.examplesSeen ?? 0) >= items.count && agent.status.dlqMessages >= hostile.count
        }
        #expect(seenAll, "status: \(agent.status)")
        await Blocking.run { agent.stop() }
        let status = agent.status

        // Dead letters: counted by reason, exactly the corpus.
        let expectedReasons = Dictionary(grouping: hostile, by: \.reason.rawValue).mapValues(\.count)
        #expect(status.dlqMessages == hostile.count)
        #expect(status.dlqByReason == expectedReasons)
        #expect(status.unsupportedInputs == 0)
        #expect(status.errors == 0, "learner errors: \(status.lastError ?? "")")

        // Good records: one adapter (no bad key made a directory anywhere), every one trained or held out.
        #expect(AdapterRegistry.adapters(in: registry) == ["default"])
        #expect(!FileManager.default.fileExists(atPath: dir.path("x").path), "'../x' escaped the registry")
        let adapter = try #require(status.adapters.first)
        let final = try #require(try RegistryChecks.newestDurable(root: registry, adapter: "default"))
        let offsets = RegistryChecks.offsets(final, topic: topic)
        #expect(offsets == log.highWatermarks)
        let trained = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: TestPipeline.holdoutShare)
        #expect(final.examplesTrained == trained.count)
        #expect(final.trainedIDs == TrainedIDsDigest(trained))
        #expect(adapter.heldOut == items.count - trained.count)
        #expect(adapter.skippedRedeliveries == 0)
        #expect(adapter.examplesSeen == items.count)
        let committed = try await RegistryChecks.committed(bootstrap: broker.bootstrapServers, group: "fate",
                                                           topic: topic, partitions: Self.partitions)
        #expect(committed == offsets)

        // The DLQ: each bad record once, byte-identical (or cut as documented), with its reason.
        let letters = try await AgentServeTests.readAll(broker, topic: topic + ".dlq", count: hostile.count)
        #expect(letters.count == hostile.count)
        // Within a partition, offsets follow send order: the n-th bad offset is the n-th bad record sent there.
        var byOrigin: [String: HostileRecord] = [:]
        for partition in 0..<Self.partitions {
            let offsets = log.unnamedOffsets(partition)
            let records = zip(hostile, badPartition).filter { $0.1 == partition }.map(\.0)
            #expect(offsets.count == records.count)
            for (offset, record) in zip(offsets, records) { byOrigin["\(partition)@\(offset)"] = record }
        }
        #expect(byOrigin.count == hostile.count)
        for letter in letters {
            let partition = letter.headers.text(DeadLetterWriter.Header.originalPartition) ?? "?"
            let offset = letter.headers.text(DeadLetterWriter.Header.originalOffset) ?? "?"
            let record = try #require(byOrigin["\(partition)@\(offset)"], "unexpected dead letter \(partition)@\(offset)")
            #expect(record.problems(with: letter) == [])
        }
    }
}
