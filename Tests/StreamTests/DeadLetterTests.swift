import Crdkafka
import Foundation
import Testing
@testable import Stream

@Suite("Dead-letter topic")
struct DeadLetterTests {
    /// Every handled offset of a partition, in order: must be exactly 0..<n (nothing skipped, nothing twice).
    static func handledOffsets(_ events: [IngestEvent], _ tp: TopicPartition) -> [Int64] {
        events.filter { $0.origin.topicPartition == tp }.map(\.origin.offset)
    }

    @Test("malformed records go to <topic>.dlq with reasons; good records around them all arrive")
    func malformedCorpusToDLQ() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("corpus")
        try broker.createTopic(topic, partitions: 1)
        try broker.createTopic(topic + ".dlq", partitions: 1)
        let corpus = MalformedCorpus.cases
        var values: [[UInt8]] = []
        var expected: [Int64: MalformedSample] = [:]
        for (i, sample) in corpus.enumerated() {
            values.append(exampleJSON(i))
            expected[Int64(values.count)] = sample
            values.append(sample.value)
        }
        values.append(exampleJSON(corpus.count))
        // Keys matter for `invalid_key`; produce one by one in order to a single partition.
        let producer = try KafkaProducer(config: testConfig(broker))
        for (i, value) in values.enumerated() {
            let key = expected[Int64(i)]?.key
            producer.send(ProducerRecord(topic: topic, partition: 0, key: key, value: value,
                                         headers: [KafkaHeader("trace", "t\(i)")])) { _ in }
        }
        try producer.flush()
        producer.close()

        let pipeline = try IngestPipeline(.init(kafka: testConfig(broker), groupID: uniqueName("g"), topics: [topic]))
        try pipeline.start()
        let collector = EventCollector(pipeline)
        let done = await eventually(60) { collector.all.count >= values.count }
        await pipeline.stop()
        #expect(done, "handled \(collector.all.count) of \(values.count)")

        let tp = TopicPartition(topic, 0)
        #expect(Self.handledOffsets(collector.all, tp) == (0..<Int64(values.count)).map { $0 })
        #expect(collector.examples.count == corpus.count + 1)
        #expect(collector.examples.map(\.0.id) == (0...corpus.count).map { "e\($0)" })
        for (rejection, origin) in collector.deadLettered {
            #expect(rejection.reason == expected[origin.offset]?.reason, "offset \(origin.offset)")
        }
        #expect(pipeline.stats.deadLettered == corpus.count)

        let letters = try await consumeAll(broker, topic: topic + ".dlq", count: corpus.count)
        #expect(letters.count == corpus.count)
        for letter in letters {
            let offset = try #require(letter.headers.text(DeadLetterWriter.Header.originalOffset).flatMap { Int64($0) })
            let sample = try #require(expected[offset])
            #expect(letter.value == sample.value, "\(sample.name)")
            #expect(letter.key == sample.key)
            #expect(letter.headers.text(DeadLetterWriter.Header.reason) == sample.reason.rawValue, "\(sample.name)")
            #expect(letter.headers.text(DeadLetterWriter.Header.detail)?.isEmpty == false)
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
