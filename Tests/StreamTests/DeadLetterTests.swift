import Crdkafka
import Foundation
import Testing
import TestCorpora
@testable import Stream

@Suite("Dead-letter topic")
struct DeadLetterTests {
    /// Every handled offset of a partition, in order: must be exactly 0..<n (nothing skipped, nothing twice).
    static func handledOffsets(_ events: [IngestEvent], _ tp: TopicPartition) -> [Int64] {
        events.filter { $0.origin.topicPartition == tp }.map(\.origin.offset)
    }

    @Test("every hostile record goes to <topic>.dlq with its reason, byte-identical or cut as documented; good records around them all arrive")
    func malformedCorpusToDLQ() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("corpus")
        try broker.createTopic(topic, partitions: 1)
        try broker.createTopic(topic + ".dlq", partitions: 1)
        let corpus = HostileCorpus.records
        var records: [(key: [UInt8]?, value: [UInt8]?)] = []
        var expected: [Int64: HostileRecord] = [:]
        for (i, sample) in corpus.enumerated() {
            records.append((nil, exampleJSON(i)))
            expected[Int64(records.count)] = sample
            records.append((sample.key, sample.value))
        }
        records.append((nil, exampleJSON(corpus.count)))
        // Keys matter for `invalid_key`; produce one by one in order to a single partition. The
        // source producer accepts the 2 MB records; the DLQ producer keeps librdkafka's 1 MB default.
        let producer = try KafkaProducer(config: testConfig(broker, ["message.max.bytes": "4000000"]))
        for (i, record) in records.enumerated() {
            producer.send(ProducerRecord(topic: topic, partition: 0, key: record.key, value: record.value,
                                         headers: [KafkaHeader("trace", "t\(i)")])) { _ in }
        }
        try producer.flush()
        producer.close()

        let pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: uniqueName("g"), topics: [topic],
                                                decoder: ExampleDecoder(acceptsFeatures: false)))
        try pipeline.start()
        let collector = EventCollector(pipeline)
        let done = await eventually(90) { collector.all.count >= records.count }
        await pipeline.stop()
        #expect(done, "handled \(collector.all.count) of \(records.count)")

        let tp = TopicPartition(topic, 0)
        #expect(Self.handledOffsets(collector.all, tp) == (0..<Int64(records.count)).map { $0 })
        #expect(collector.examples.count == corpus.count + 1)
        #expect(collector.examples.map(\.0.id) == (0...corpus.count).map { "e\($0)" })
        for (rejection, origin) in collector.deadLettered {
            #expect(rejection.reason == expected[origin.offset]?.reason, "offset \(origin.offset)")
        }
        #expect(pipeline.stats.deadLettered == corpus.count)

        let letters = try await consumeAll(broker, topic: topic + ".dlq", count: corpus.count, seconds: 60)
        #expect(letters.count == corpus.count)
        for letter in letters {
            let offset = try #require(letter.headers.text(DeadLetterWriter.Header.originalOffset).flatMap { Int64($0) })
            let sample = try #require(expected[offset])
            #expect(sample.problems(with: letter) == [])
            #expect(letter.headers.text(DeadLetterWriter.Header.originalTopic) == topic)
            #expect(letter.headers.text(DeadLetterWriter.Header.originalPartition) == "0")
            #expect(letter.headers.text(DeadLetterWriter.Header.consumerGroup) == pipeline.configuration.groupID)
            #expect(letter.headers.text("trace") == "t\(offset)", "original headers kept")
        }
    }

    @Test("when the DLQ cannot be written the partition pauses and retries; nothing is lost or reordered")
    func deadLetterProduceErrors() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("dlqfail")
        try broker.createTopic(topic, partitions: 2)
        try broker.createTopic(topic + ".dlq", partitions: 1)
        // Partition 0: good, poison, good…; partition 1 only good records keeps flowing meanwhile.
        try await produce(broker, topic: topic, values: [exampleJSON(0), Array("not json".utf8)] + (1...20).map { exampleJSON($0) }, partition: 0)
        try await produce(broker, topic: topic, values: (100..<120).map { exampleJSON($0) }, partition: 1)

        // Every Produce request fails until the injected errors run out.
        let failures = [rd_kafka_resp_err_t](repeating: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, count: 3)
        broker.pushRequestErrors(.produce, failures)
        let pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: uniqueName("g"), topics: [topic],
                                                retryBackoff: (0.05, 0.5)))
        try pipeline.start()
        let collector = EventCollector(pipeline)
        let done = await eventually(60) { collector.all.count >= 42 }
        await pipeline.stop()
        #expect(done, "handled \(collector.all.count) of 42")
        #expect(pipeline.stats.deadLetterFailures >= 1, "the injected errors were seen")
        #expect(Self.handledOffsets(collector.all, TopicPartition(topic, 0)) == (0..<22).map { Int64($0) })
        #expect(Self.handledOffsets(collector.all, TopicPartition(topic, 1)) == (0..<20).map { Int64($0) })
        #expect(collector.deadLettered.map(\.1.offset) == [1])
        let letters = try await consumeAll(broker, topic: topic + ".dlq", count: 1)
        #expect(letters.first?.value == Array("not json".utf8))
    }
}
