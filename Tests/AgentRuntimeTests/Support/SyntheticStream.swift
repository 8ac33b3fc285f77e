import Foundation
import Stream

/// An easy synthetic classification stream: each label owns four words; a text is three of its
/// label's words and two shared filler words, shuffled. Every example has a unique id.
enum SyntheticStream {
    /// Label → its words (all in the BERT uncased vocabulary, so none is [UNK]).
    static let vocabulary: [(label: String, words: [String])] = [
        ("color", ["red", "blue", "green", "yellow"]), ("shade", ["black", "white", "gray", "silver"]),
        ("farm", ["dog", "cat", "horse", "cow"]), ("wild", ["lion", "tiger", "bear", "wolf"]),
        ("fruit", ["apple", "banana", "grape", "lemon"]), ("food", ["bread", "cheese", "butter", "rice"]),
        ("land", ["mountain", "forest", "desert", "valley"]), ("water", ["river", "ocean", "lake", "beach"]),
        ("road", ["car", "truck", "bus", "bicycle"]), ("sky", ["plane", "rocket", "cloud", "bird"]),
        ("instrument", ["piano", "guitar", "violin", "drum"]), ("music", ["song", "dance", "music", "opera"]),
        ("royal", ["king", "queen", "prince", "crown"]), ("war", ["knight", "sword", "army", "battle"]),
        ("season", ["winter", "summer", "spring", "autumn"]), ("weather", ["snow", "rain", "storm", "wind"]),
        ("health", ["doctor", "nurse", "hospital", "medicine"]), ("school", ["teacher", "school", "student", "lesson"]),
        ("tech", ["computer", "phone", "screen", "keyboard"]), ("sport", ["football", "tennis", "golf", "hockey"]),
    ]
    static let fillers = ["the", "a", "of", "and", "with", "some", "very", "just"]

    struct Item: Sendable {
        let id: String
        let label: String
        let text: String

        /// The record value the decoder accepts.
        var json: [UInt8] {
            let object: [String: String] = ["id": id, "label": label, "text": text]
            return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
    }

    /// `count` examples over the first `labels` labels, uniformly, ids `prefix-0…`.
    static func items(_ count: Int, labels: Int = vocabulary.count, prefix: String, seed: UInt64) -> [Item] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { i in
            let entry = vocabulary[Int.random(in: 0..<labels, using: &rng)]
            var words = (0..<3).map { _ in entry.words.randomElement(using: &rng)! }
            words += (0..<2).map { _ in fillers.randomElement(using: &rng)! }
            words.shuffle(using: &rng)
            return Item(id: "\(prefix)-\(i)", label: entry.label, text: words.joined(separator: " "))
        }
    }
}

/// Where each produced record landed, from the producer's delivery reports.
struct ProducedLog: Sendable {
    /// Record id (nil for malformed ones) per partition, in offset order.
    private(set) var byPartition: [Int32: [Int64: String?]] = [:]

    mutating func record(_ report: DeliveryReport, id: String?) {
        byPartition[report.partition, default: [:]][report.offset] = id
    }

    /// Next offset (high watermark) per partition.
    var highWatermarks: [Int32: Int64] {
        byPartition.mapValues { ($0.keys.max() ?? -1) + 1 }
    }

    var count: Int { byPartition.values.reduce(0) { $0 + $1.count } }

    /// This log with `other`'s records added (the same topic, produced later).
    func merging(_ other: ProducedLog) -> ProducedLog {
        var merged = self
        for (partition, records) in other.byPartition { merged.byPartition[partition, default: [:]].merge(records) { $1 } }
        return merged
    }

    /// Offsets of `partition`'s records sent without an id (the bad ones), ascending.
    func unnamedOffsets(_ partition: Int32) -> [Int64] {
        (byPartition[partition] ?? [:]).filter { $0.value == nil }.keys.sorted()
    }

    /// Ids of the records below `next[partition]` (absent partition: none).
    func ids(below next: [Int32: Int64]) -> [String] {
        var result: [String] = []
        for (partition, records) in byPartition {
            let limit = next[partition] ?? 0
            for (offset, id) in records where offset < limit { if let id { result.append(id) } }
        }
        return result
    }
}

/// Produces records with explicit partitions and collects their delivery reports.
final class RecordingProducer: @unchecked Sendable {
    private let producer: KafkaProducer
    private let lock = NSLock()
    private var log = ProducedLog()
    private var failures: [String] = []
    private var sent = 0

    /// - Parameter properties: extra librdkafka properties (e.g. a larger `message.max.bytes`).
    init(bootstrap: String, properties: [String: String] = [:]) throws {
        producer = try KafkaProducer(config: KafkaConfig([
            "bootstrap.servers": bootstrap, "linger.ms": "5", "log_level": "3",
        ].merging(properties) { _, extra in extra }))
    }

    /// Queues `value` (nil: a tombstone) for `partition`; its report is recorded under `id` when acknowledged.
    func send(topic: String, partition: Int32, key: [UInt8]? = nil, value: [UInt8]?, id: String?) {
        lock.lock()
        sent += 1
        lock.unlock()
        producer.send(ProducerRecord(topic: topic, partition: partition, key: key, value: value)) { [self] result in
            lock.lock()
            defer { lock.unlock() }
            switch result {
            case .success(let report): log.record(report, id: id)
            case .failure(let error): failures.append("\(id ?? "malformed"): \(error)")
            }
        }
    }

    /// Waits for every outstanding acknowledgement; returns the log so far.
    /// - Throws: when a record was refused or the flush timed out.
    func flush() throws -> ProducedLog {
        try producer.flush(timeoutMs: 30_000)
        // The poll thread may still be inside the last callbacks: wait until each one ran.
        let deadline = Date(timeIntervalSinceNow: 10)
        while Date() < deadline {
            lock.lock()
            let done = log.count + failures.count >= sent
            lock.unlock()
            if done { break }
            usleep(1_000)
        }
        lock.lock()
        defer { lock.unlock() }
        guard log.count + failures.count == sent else {
            throw TestFailure("produce: only \(log.count + failures.count) of \(sent) delivery reports arrived")
        }
        guard failures.isEmpty else { throw TestFailure("produce failed: \(failures.prefix(3).joined(separator: "; "))") }
        return log
    }

    func close() { producer.close() }
}
