/// Next offsets to consume, per topic and partition; in JSON `{"topic": {"0": 123, "1": 7}}`.
///
/// Each value is the offset of the last example folded into the snapshot plus one, i.e. exactly what
/// a consumer seeks to on restart. In code a topic's offsets are `[partition: next]`, the form the
/// learner's offset ledger keeps, so nothing converts partition names; only the JSON spells
/// partitions as string keys so it stays an object, as Kafka tooling prints it.
package struct PartitionOffsets: Hashable, Sendable, Codable {
    /// Per topic: partition → next offset.
    package private(set) var topics: [String: [Int32: Int64]]

    package init(_ topics: [String: [Int32: Int64]] = [:]) {
        self.topics = topics
    }

    /// One topic's next offsets by partition (empty when the snapshot never saw the topic).
    package subscript(topic: String) -> [Int32: Int64] {
        topics[topic] ?? [:]
    }

    /// The next offset for one partition, or nil if the snapshot never saw it.
    package func next(topic: String, partition: Int32) -> Int64? {
        topics[topic]?[partition]
    }

    /// Records that everything before `next` in this partition is folded into the snapshot.
    package mutating func set(topic: String, partition: Int32, next: Int64) {
        topics[topic, default: [:]][partition] = next
    }

    /// Total number of offsets covered from zero (useful for a quick "how far are we" display).
    package var total: Int64 {
        topics.values.reduce(0) { $0 + $1.values.reduce(0, +) }
    }

    /// - Throws: `DecodingError.dataCorrupted` for a partition key that is not a 32-bit integer.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        topics = try c.decode([String: [String: Int64]].self).mapValues { partitions in
            var out: [Int32: Int64] = [:]
            for (key, next) in partitions {
                guard let p = Int32(key) else {
                    throw DecodingError.dataCorruptedError(in: c, debugDescription: "partition \"\(key)\" is not an integer")
                }
                out[p] = next
            }
            return out
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(topics.mapValues { Dictionary(uniqueKeysWithValues: $0.map { (String($0.key), $0.value) }) })
    }
}
