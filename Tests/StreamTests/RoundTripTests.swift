import Threads
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

    @Test("pause holds a partition back, resume continues where it stopped; lag counts what is left")
    func pauseResumeLag() async throws {
        let broker = try EmbeddedBroker()
        let topic = uniqueName("pause")
        try broker.createTopic(topic, partitions: 2)
        try await produce(broker, topic: topic, values: (0..<5).map { exampleJSON($0) }, partition: 0)
        try await produce(broker, topic: topic, values: (5..<10).map { exampleJSON($0) }, partition: 1)
        let p0 = TopicPartition(topic, 0)
        let p1 = TopicPartition(topic, 1)
        let consumer = try KafkaConsumer(config: testConfig(broker), groupID: uniqueName("g"))
        try consumer.assign([p0, p1], offsets: [p0: 0, p1: 0])
        try consumer.pause([p1])
        let firstRound: [KafkaMessage] = await Blocking.run {
            var seen: [KafkaMessage] = []
            let deadline = Date(timeIntervalSinceNow: 1.5)
            while Date() < deadline {
                if case .message(let m)? = consumer.poll(timeoutMs: 50) { seen.append(m) }
            }
            return seen
        }
        #expect(firstRound.map(\.topicPartition) == Array(repeating: p0, count: 5), "nothing from the paused partition")
        #expect(try consumer.lag() == [p0: 0, p1: 5])
        try consumer.resume([p1])
        let secondRound: [KafkaMessage] = await Blocking.run {
            var seen: [KafkaMessage] = []
            let deadline = Date(timeIntervalSinceNow: 10)
            while seen.count < 5, Date() < deadline {
                if case .message(let m)? = consumer.poll(timeoutMs: 50) { seen.append(m) }
            }
            return seen
        }
        #expect(secondRound.map(\.offset) == [0, 1, 2, 3, 4])
        #expect(secondRound.allSatisfy { $0.topicPartition == p1 })
        #expect(try consumer.lag() == [p0: 0, p1: 0])
        consumer.close()
    }
}
