import ArgumentParser
import Foundation
import Synchronization
import Stream

/// `streamlora bench ingest`: consume + decode + validate throughput against an embedded
/// broker, with kcat consuming the same topic in the same run as the reference.
struct BenchIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure consume + decode + validate throughput (peer: kcat on the same topic)."
    )

    @Option(help: "Messages to pre-produce and consume.")
    var messages = 200_000

    @Option(help: "Partitions of the benchmark topic (default: enough that the mock broker's 5 MiB-per-partition retention keeps every message).")
    var partitions: Int32?

    @Option(help: "Path to kcat for the reference measurement.")
    var kcat = "/usr/bin/kcat"

    @Option(name: .customLong("kafka"), help: "Extra librdkafka property KEY=VALUE for the consumer (repeatable).")
    var kafkaProperties: [String] = []

    @Flag(help: "Print results as JSON.")
    var json = false

    func validate() throws {
        guard messages > 0 else { throw ValidationError("--messages must be positive") }
    }

    func run() async throws {
        let broker = try EmbeddedBroker()
        let topic = "bench-ingest"
        // The mock cluster keeps at most 5 MiB per partition and silently drops older
        // batches, so spread the data until every message fits with room to spare.
        let perPartition = 4 * 1024 * 1024 / (BenchIngest.sampleValue(messages).count + 64)
        let partitions = self.partitions ?? Int32(max(4, (messages + perPartition - 1) / perPartition))
        try broker.createTopic(topic, partitions: partitions)
        try broker.createTopic(topic + ".dlq", partitions: 1)
        let config = KafkaConfig(["bootstrap.servers": broker.bootstrapServers, "log_level": "3"])

        // 1. Pre-produce N valid ~200-byte messages.
        let values = (0..<messages).map { BenchIngest.sampleValue($0) }
        let averageBytes = values.reduce(0) { $0 + $1.count } / values.count
        let produceStart = Date()
        let producer = try KafkaProducer(config: config.merging(["linger.ms": "20", "batch.num.messages": "10000"]))
        let acked = AckCounter()
        for (i, value) in values.enumerated() {
            // Round-robin over partitions explicitly: 8 adapter keys alone would hash to ≤ 8 partitions.
            producer.send(ProducerRecord(topic: topic, partition: Int32(i) % partitions,
                                         key: Array("adapter-\(i % 8)".utf8), value: value)) { result in
                if case .success = result { acked.increment() }
            }
        }
        try producer.flush(timeoutMs: 120_000)
        producer.close()
        let produceSeconds = Date().timeIntervalSince(produceStart)
        guard acked.value == messages else { throw ValidationError("only \(acked.value) of \(messages) produced") }

        // 2. Decode + validate only, in memory (no Kafka), for reference.
        let decoder = ExampleDecoder()
        let decodeStart = Date()
        var decoded = 0
        for value in values { if case .success = decoder.decode(key: nil, value: value) { decoded += 1 } }
        let decodeSeconds = Date().timeIntervalSince(decodeStart)

        // 3. The real path: group consumer → decode/validate → events, as the learner sees them.
        var consumerProperties: [String: String] = [:]
        for property in kafkaProperties {
            let parts = property.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { consumerProperties[parts[0]] = parts[1] }
        }
        let pipeline = try IngestPipeline(.init(kafka: config.merging(consumerProperties), groupID: "bench-\(UUID().uuidString.prefix(8))", topics: [topic]))
        var retained: Int64 = 0
        for p in 0..<partitions {
            let (low, high) = try pipeline.consumer.watermarks(TopicPartition(topic, p))
            retained += high - low
        }
        guard retained == messages else {
            throw ValidationError("the broker retained \(retained) of \(messages) messages (mock retention is 5 MiB per partition); use more --partitions")
        }
        let pipelineStart = Date()
        try pipeline.start()
        var received = 0
        var firstEvent: Date?
        let progress = AckCounter()
        // Watchdog: a run that stops making progress ends with a diagnosis instead of hanging.
        let watchdog = Task {
            var last = -1
            var idle = 0
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                let now = progress.value
                idle = now == last ? idle + 1 : 0
                last = now
                if idle >= 20 {
                    FileHandle.standardError.write(Data("bench ingest: stalled at \(now)/\(messages) events; stats \(pipeline.stats); lag \((try? pipeline.consumer.lag()) ?? [:])\n".utf8))
                    await pipeline.stop()
                    return
                }
            }
        }
        for await event in pipeline {
            if firstEvent == nil { firstEvent = Date() }
            if case .example = event { received += 1 }
            progress.increment()
            if received == messages { break }
        }
        watchdog.cancel()
        let end = Date()
        await pipeline.stop()
        guard received == messages else { throw ValidationError("consumed \(received) of \(messages) messages") }
        let steadySeconds = end.timeIntervalSince(firstEvent ?? pipelineStart)
        let totalSeconds = end.timeIntervalSince(pipelineStart)

        // 4. Peer: kcat consuming the same topic from the beginning (consume only).
        let kcatSeconds = try BenchIngest.timeKcat(kcat, bootstrap: broker.bootstrapServers, topic: topic, expected: messages)

        let ours = Double(messages) / steadySeconds
        let peer = kcatSeconds.map { Double(messages) / $0 }
        let result: [String: Any] = [
            "messages": messages, "partitions": Int(partitions), "avg_value_bytes": averageBytes,
            "produce_msgs_per_s": (Double(messages) / produceSeconds).rounded(),
            "decode_only_msgs_per_s": (Double(decoded) / decodeSeconds).rounded(),
            "ingest_msgs_per_s": ours.rounded(),
            "ingest_seconds_steady": steadySeconds, "ingest_seconds_incl_group_join": totalSeconds,
            "kcat_msgs_per_s": peer.map { $0.rounded() } ?? NSNull(),
            "kcat_seconds_wall": kcatSeconds ?? NSNull(),
            "ratio_vs_kcat": peer.map { ours / $0 } ?? NSNull(),
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            emit(String(decoding: data, as: UTF8.self))
        } else {
            emit("messages: \(messages) × ~\(averageBytes) B over \(partitions) partitions (embedded broker)")
            emit(String(format: "produce (setup):          %10.0f msg/s", Double(messages) / produceSeconds))
            emit(String(format: "decode+validate only:     %10.0f msg/s", Double(decoded) / decodeSeconds))
            emit(String(format: "consume+decode+validate:  %10.0f msg/s  (%.2f s from first record; %.2f s incl. group join)",
                        ours, steadySeconds, totalSeconds))
            if let peer, let kcatSeconds {
                emit(String(format: "kcat -C -e (consume only): %9.0f msg/s  (%.2f s wall)", peer, kcatSeconds))
                emit(String(format: "ratio ours/kcat:          %10.2f", ours / peer))
            } else {
                emit("kcat: not run (\(kcat) missing)")
            }
        }
    }

    /// A valid ~200-byte example.
    static func sampleValue(_ i: Int) -> [UInt8] {
        let words = ["stream", "adapter", "online", "gradient", "kafka", "token", "encoder", "drift"]
        let text = (0..<17).map { words[($0 * 7 + i) % words.count] }.joined(separator: " ")
        let json = #"{"text":"\#(text) #\#(i)","label":"\#(["pos", "neg", "neutral"][i % 3])","id":"m-\#(i)","ts":\#(1_700_000_000 + i),"weight":1.0}"#
        return Array(json.utf8)
    }

    /// Wall time for kcat to read `expected` messages from the beginning; nil if kcat is absent.
    static func timeKcat(_ path: String, bootstrap: String, topic: String, expected: Int) throws -> Double? {
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-C", "-b", bootstrap, "-t", topic, "-e", "-o", "beginning", "-q", "-f", "%o\n"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let start = Date()
        try process.run()
        var lines = 0
        let handle = pipe.fileHandleForReading
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            lines += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        guard lines == expected else {
            throw ValidationError("kcat read \(lines) of \(expected) messages")
        }
        return seconds
    }
}

extension KafkaConfig {
    func merging(_ extra: [String: String]) -> KafkaConfig {
        KafkaConfig(properties.merging(extra, uniquingKeysWith: { _, new in new }))
    }
}

/// Counts acknowledgements arriving on the producer's poll thread.
final class AckCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
