/// Next offsets to consume, per topic and partition: `{"topic": {"0": 123, "1": 7}}`.
///
/// Each value is the offset of the last example folded into the snapshot plus one, i.e. exactly what
/// a consumer seeks to on restart. Partitions are string keys so the JSON stays an object, as Kafka
/// tooling prints it.
package struct PartitionOffsets: Hashable, Sendable, Codable {
    package var topics: [String: [String: Int64]]

    package init(_ topics: [String: [String: Int64]] = [:]) {
        self.topics = topics
    }

    /// The next offset for one partition, or nil if the snapshot never saw it.
    package func next(topic: String, partition: Int32) -> Int64? {
        topics[topic]?[String(partition)]
    }

    /// Records that everything before `next` in this partition is folded into the snapshot.
    package mutating func set(topic: String, partition: Int32, next: Int64) {
        topics[topic, default: [:]][String(partition)] = next
    }

    /// Total number of offsets covered from zero (useful for a quick "how far are we" display).
    package var total: Int64 {
        topics.values.reduce(0) { $0 + $1.values.reduce(0, +) }
    }

    package init(from decoder: any Decoder) throws {
        topics = try decoder.singleValueContainer().decode([String: [String: Int64]].self)
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(topics)
    }
}
