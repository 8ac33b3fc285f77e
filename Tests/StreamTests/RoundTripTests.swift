import Crdkafka
import Foundation
import Testing
@testable import Stream

@Suite("Producer and consumer against the embedded broker")
struct RoundTripTests {
    @Test("records keep key, value, headers and timestamp")
    func roundTrip() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("rt")
        try broker.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(config: testConfig(broker))
        let report = try await producer.send(ProducerRecord(
            topic: topic, partition: 1, key: Array("adapter-a".utf8), value: exampleJSON(1),
            headers: [KafkaHeader("h1", "v1"), KafkaHeader("h2", nil)], timestamp: 1_700_000_000_123))
        producer.close()
        #expect(report.topic == topic)
        #expect(report.partition == 1)
        #expect(report.offset == 0)

        let messages = try await consumeAll(broker, topic: topic, partitions: 2, count: 1)
        let m = try #require(messages.first)
        #expect(m.keyString == "adapter-a")
        #expect(m.value == exampleJSON(1))
        #expect(m.headers == [KafkaHeader("h1", "v1"), KafkaHeader("h2", nil)])
        #expect(m.timestamp == 1_700_000_000_123)
        #expect(m.partition == 1 && m.offset == 0)
    }
}
