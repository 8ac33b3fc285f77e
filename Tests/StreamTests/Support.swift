import Threads
import Crdkafka
import Foundation
import Testing
@testable import Stream

/// A unique name per test, so tests sharing nothing can run in parallel.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Client properties for a test broker: fast reconnects and quiet logs.
func testConfig(_ broker: EmbeddedBroker, _ extra: [String: String] = [:]) -> KafkaConfig {
    KafkaConfig([
        "bootstrap.servers": broker.bootstrapServers,
        "reconnect.backoff.ms": "50",
        "reconnect.backoff.max.ms": "500",
        "topic.metadata.refresh.interval.ms": "1000",
        // The mock coordinator waits up to the session timeout for members to rejoin.
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "500",
        "log_level": "2",
    ].merging(extra, uniquingKeysWith: { _, e in e }))
}

/// Waits (polling every 20 ms) until `condition` holds or `seconds` pass.
func eventually(_ seconds: Double = 30, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date(timeIntervalSinceNow: seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return try await condition()
}

/// A valid example record value with a recognisable id.
func exampleJSON(_ i: Int, label: String = "pos") -> [UInt8] {
    Array(#"{"text":"example number \#(i)","label":"\#(label)","id":"e\#(i)"}"#.utf8)
}

/// Produces `values` (keyed by `key`) and waits for every acknowledgement.
func produce(_ broker: EmbeddedBroker, topic: String, values: [[UInt8]], key: String? = nil,
             partition: Int32? = nil) async throws {
    let producer = try KafkaProducer(config: testConfig(broker))
    defer { producer.close() }
    try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
        for value in values {
            group.addTask {
                try await producer.send(ProducerRecord(topic: topic, partition: partition,
                                                       key: key.map { Array($0.utf8) }, value: value))
            }
        }
        try await group.waitForAll()
    }
}

/// Collects pipeline events from a background task.
final class EventCollector: @unchecked Sendable {
    private let events = Locked<[IngestEvent]>([])
    private var task: Task<Void, Never>?

    init(_ pipeline: IngestPipeline) {
        task = Task { [events] in
            for await event in pipeline { events.withLock { $0.append(event) } }
        }
    }

    var all: [IngestEvent] { events.withLock { $0 } }
    var examples: [(Example, RecordOrigin)] {
        all.compactMap { if case .example(let e, let o) = $0 { return (e, o) } else { return nil } }
    }
    var deadLettered: [(Rejection, RecordOrigin)] {
        all.compactMap { if case .deadLettered(let r, let o) = $0 { return (r, o) } else { return nil } }
    }
    /// Handled offsets per partition (examples and dead letters).
    var nextOffsets: [TopicPartition: Int64] {
        var result: [TopicPartition: Int64] = [:]
        for event in all { result[event.origin.topicPartition] = max(result[event.origin.topicPartition] ?? 0, event.origin.nextOffset) }
        return result
    }

    func wait() async { await task?.value }
}

/// Reads `topic` (partitions 0..<partitions) from the beginning without a group until `count` records arrive.
func consumeAll(_ broker: EmbeddedBroker, topic: String, partitions: Int32 = 1, count: Int, seconds: Double = 30) async throws -> [KafkaMessage] {
    let consumer = try KafkaConsumer(config: testConfig(broker), groupID: uniqueName("reader"))
    try consumer.assign((0..<partitions).map { TopicPartition(topic, $0) },
                        offsets: Dictionary(uniqueKeysWithValues: (0..<partitions).map { (TopicPartition(topic, $0), Int64(RD_KAFKA_OFFSET_BEGINNING)) }))
    return await Blocking.run {
        var messages: [KafkaMessage] = []
        let deadline = Date(timeIntervalSinceNow: seconds)
        while messages.count < count, Date() < deadline {
            if case .message(let m)? = consumer.poll(timeoutMs: 100) { messages.append(m) }
        }
        consumer.close()
        return messages
    }
}

/// Rebalance hooks that count how often `partition` is assigned, for tests that provoke
/// rebalances and must tell a re-assignment's redelivery from a duplicate.
func assignmentCounter(_ partition: TopicPartition) -> (hooks: RebalanceHooks, count: Locked<Int>) {
    let count = Locked(0)
    let hooks = RebalanceHooks(onAssigned: { partitions, _ in
        if partitions.contains(partition) { count.withLock { $0 += 1 } }
    })
    return (hooks, count)
}
