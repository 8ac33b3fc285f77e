import Threads
@testable import AgentRuntime
import Foundation
import Learner
import Model
import Registry
import Stream
import Testing

/// The agent end to end, in process, with real components: embedded broker → consumer → decode
/// (bad → DLQ) → learner → registry → live swap → predict → graceful stop.
@Suite("Agent end to end")
struct AgentServeTests {
    static let partitions: Int32 = 4
    static let labels = 4
    static let holdoutShare = 0.1

    /// Malformed records with the reason the DLQ must carry (cf. the decoder's corpus).
    static let malformed: [(value: [UInt8], reason: RejectReason)] = [
        (Array("not json".utf8), .invalidJSON),
        (Array(#"{"text":"a","label":"b""#.utf8), .invalidJSON),
        (Array(#"{"text":"#.utf8) + [0x22, 0xC3, 0x28, 0x22] + Array(#","label":"b"}"#.utf8), .invalidUTF8),
        (Array(#"[1,2,3]"#.utf8), .wrongType),
        (Array(#"{"text":42,"label":"b"}"#.utf8), .wrongType),
        (Array(#"{"text":"a"}"#.utf8), .missingField),
        (Array(#"{"text":"a","label":"b","label":"c"}"#.utf8), .duplicateField),
        (Array(#"{"text":"","label":"b"}"#.utf8), .emptyText),
        (Array(#"{"text":"a","label":""}"#.utf8), .emptyLabel),
        (Array(#"{"label":"b"}"#.utf8), .noTextOrFeatures),
        (Array(#"{"text":"a","label":"b","weight":-1}"#.utf8), .invalidWeight),
        (Array(#"{"text":"a","features":[1],"label":"b"}"#.utf8), .textAndFeatures),
    ]

    @Test("learns a stream, dead-letters malformed records, promotes, predicts, and stops with a durable snapshot")
    func serveEndToEnd() async throws {
        let bed = try AgentTestBed("agent-e2e")
        let (dir, model, registry) = (bed.dir, bed.model, bed.registry)
        let broker = try bed.broker(partitions: Self.partitions, deadLetters: true)
        let topic = TestPipeline.topic

        // 600 good records round-robin over the partitions; a malformed one after every 40th
        // (never the last of a partition, so the final manifest's offsets are the high watermarks).
        let items = SyntheticStream.items(600, labels: Self.labels, prefix: "e2e", seed: 0xE2E)
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        var next = 0
        var malformedSent = 0
        for (i, item) in items.enumerated() {
            let partition = Int32(next % Int(Self.partitions))
            producer.send(topic: topic, partition: partition, value: item.json, id: item.id)
            next += 1
            if i % 40 == 20, malformedSent < Self.malformed.count {
                producer.send(topic: topic, partition: Int32(next % Int(Self.partitions)),
                              value: Self.malformed[malformedSent].value, id: nil)
                malformedSent += 1
                next += 1
            }
        }
        let log = try await Blocking.run { [producer] in try producer.flush() }
        producer.close()
        #expect(malformedSent == Self.malformed.count)
        #expect(log.count == items.count + Self.malformed.count)

        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "e2e", model: model, registry: registry,
                                    holdoutShare: Self.holdoutShare, everyExamples: 100, minHoldout: 10),
            file: "e2e.yaml", environment: [:])
        let agent = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try agent.start()

        let seenAll = await waitUntil(120, interval: 0.1) {
            (agent.status.adapters.first?.examplesSeen ?? 0) >= items.count && agent.status.dlqMessages >= Self.malformed.count
        }
        #expect(seenAll, "status after 120 s: \(agent.status)")

        // Predictions of the live version: a known label, and better than the majority class on fresh texts.
        let status = agent.status
        let adapter = try #require(status.adapters.first)
        let live = try #require(adapter.liveVersion, "a version must be live: \(adapter)")
        let fresh = SyntheticStream.items(200, labels: Self.labels, prefix: "fresh", seed: 0xF4E5)
        let predictions = try agent.predict(adapter: nil, texts: fresh.map(\.text))
        let known = Set(items.map(\.label))
        #expect(predictions.allSatisfy { $0.label.map(known.contains) == true })
        #expect(predictions.allSatisfy { $0.version?.name == live })
        let majority = Self.majorityShare(items.map(\.label))
        let freshAccuracy = Double(zip(predictions, fresh).filter { $0.label == $1.label }.count) / Double(fresh.count)
        #expect(freshAccuracy > majority + 0.2, "live accuracy on fresh texts \(freshAccuracy) vs majority \(majority)")
        let prequential = try #require(adapter.prequential.cumulative.accuracy)
        #expect(prequential > majority + 0.1, "prequential accuracy \(prequential) vs majority \(majority)")
        #expect(adapter.promotions >= 1 && adapter.snapshots >= 1)

        await Blocking.run { agent.stop() }

        // A durable final snapshot covering everything; Kafka's commits equal its offsets.
        let scan = try RegistryChecks.scan(root: registry, adapter: "default")
        #expect(!scan.verified.isEmpty)
        let final = try #require(try RegistryChecks.newestDurable(root: registry, adapter: "default"))
        let offsets = RegistryChecks.offsets(final, topic: topic)
        #expect(offsets == log.highWatermarks, "final manifest offsets \(offsets) vs produced \(log.highWatermarks)")
        let expected = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: Self.holdoutShare)
        #expect(final.examplesTrained == expected.count)
        #expect(final.trainedIDs == TrainedIDsDigest(expected))
        #expect(Set(final.labels) == known)
        let committed = try await RegistryChecks.committed(bootstrap: broker.bootstrapServers, group: "e2e",
                                                           topic: topic, partitions: Self.partitions)
        #expect(committed == offsets, "committed \(committed) vs manifest \(offsets)")
        let journal = try AdapterRegistry(root: registry, adapter: "default", create: false).journal()
        #expect(journal.contains { $0.event == .promote || $0.status == .live }, "the journal records a promotion")

        // Every malformed record is in the DLQ with its reason and original bytes.
        let letters = try await Self.readAll(broker, topic: topic + ".dlq", count: Self.malformed.count)
        #expect(letters.count == Self.malformed.count)
        for letter in letters {
            let original = try #require(Self.malformed.first { $0.value == letter.value }, "unexpected DLQ record \(letter.value)")
            #expect(letter.headers.text(DeadLetterWriter.Header.reason) == original.reason.rawValue)
            #expect(letter.headers.text(DeadLetterWriter.Header.originalTopic) == topic)
        }
        print("agent e2e: \(adapter.examplesSeen) predicted, \(adapter.examplesTrained) trained, prequential accuracy "
            + String(format: "%.3f", prequential) + ", fresh accuracy " + String(format: "%.3f", freshAccuracy)
            + ", majority " + String(format: "%.3f", majority) + ", \(adapter.promotions) promotions, live \(live), final \(final.version.name)")
    }

    @Test("the tiny test model loads as the pipeline's base: real vocabulary, BERT tensor names and shapes")
    func tinyModelLoads() throws {
        let bed = try AgentTestBed("tiny-model")
        let (dir, model) = (bed.dir, bed.model)
        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: "127.0.0.1:1", group: "g", model: model, registry: dir.path("registry")),
            file: "tiny.yaml", environment: [:])
        let runtime = try ModelRuntime(config: config)
        let vocabulary = try String(contentsOf: TestPaths.realVocabulary(), encoding: .utf8)
        let lines = vocabulary.split(separator: "\n", omittingEmptySubsequences: false).count - (vocabulary.hasSuffix("\n") ? 1 : 0)
        #expect(runtime.base.config.vocabSize == lines)
        #expect(runtime.tokenizer.vocabularySize == lines)
        #expect(runtime.base.config.hiddenSize == 32 && runtime.base.layers.count == 2)
        #expect(runtime.base.config.numAttentionHeads == 4 && runtime.base.config.intermediateSize == 64)
        // Every label word is a whole vocabulary token, so the synthetic task is learnable.
        for word in SyntheticStream.vocabulary.flatMap(\.words) + SyntheticStream.fillers {
            #expect(runtime.tokenizer.id(of: word) != nil, "\(word) is not in the vocabulary")
        }
    }

    static func majorityShare(_ labels: [String]) -> Double {
        let counts = Dictionary(grouping: labels, by: { $0 }).mapValues(\.count)
        return Double(counts.values.max() ?? 0) / Double(max(labels.count, 1))
    }

    /// Reads `topic` from the beginning of every partition without a group until `count` records arrive.
    static func readAll(_ broker: EmbeddedBroker, topic: String, count: Int) async throws -> [KafkaMessage] {
        let bootstrap = broker.bootstrapServers
        return try await Blocking.run {
            let consumer = try KafkaConsumer(config: KafkaConfig(["bootstrap.servers": bootstrap, "log_level": "3"]),
                                             groupID: "dlq-reader-\(UUID().uuidString.prefix(8))")
            defer { consumer.close() }
            let tps = (0..<partitions).map { TopicPartition(topic, $0) }
            try consumer.assign(tps, offsets: Dictionary(uniqueKeysWithValues: tps.map { ($0, Int64(-2)) }))
            var messages: [KafkaMessage] = []
            let deadline = Date(timeIntervalSinceNow: 30)
            while messages.count < count, Date() < deadline {
                if case .message(let m)? = consumer.poll(timeoutMs: 100) { messages.append(m) }
            }
            return messages
        }
    }
}
