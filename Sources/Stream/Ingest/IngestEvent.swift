/// Where a record came from; the learner advances its per-partition offset to `nextOffset`.
package struct RecordOrigin: Sendable, Hashable {
    package let topic: String
    package let partition: Int32
    package let offset: Int64
    /// Record timestamp, milliseconds since the epoch, if known.
    let timestamp: Int64?
    /// The assignment of the partition this record was fetched under (see
    /// `KafkaConsumer.owns(_:)`); not part of the record's identity.
    let generation: UInt64

    package init(topic: String, partition: Int32, offset: Int64, timestamp: Int64? = nil, generation: UInt64 = 0) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.generation = generation
    }

    init(_ message: KafkaMessage, generation: UInt64) {
        self.init(topic: message.topic, partition: message.partition, offset: message.offset,
                  timestamp: message.timestamp, generation: generation)
    }

    /// A record is its topic, partition and offset, whichever assignment delivered it.
    package static func == (a: RecordOrigin, b: RecordOrigin) -> Bool {
        a.topic == b.topic && a.partition == b.partition && a.offset == b.offset && a.timestamp == b.timestamp
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(topic)
        hasher.combine(partition)
        hasher.combine(offset)
        hasher.combine(timestamp)
    }

    package var topicPartition: TopicPartition { TopicPartition(topic, partition) }
    /// The offset to commit once this record is handled (Kafka's "next offset to read").
    package var nextOffset: Int64 { offset + 1 }
}

/// What the ingest pipeline hands the learner, in partition order.
package enum IngestEvent: Sendable {
    /// A valid example to learn from.
    case example(Example, RecordOrigin)
    /// A refused record whose dead letter was acknowledged: its offset may pass.
    case deadLettered(Rejection, RecordOrigin)

    package var origin: RecordOrigin {
        switch self {
        case .example(_, let origin), .deadLettered(_, let origin): return origin
        }
    }
}

/// Running totals, for `/metrics` and the ingest benchmark.
package struct IngestStats: Sendable, Equatable {
    package var consumed = 0
    var examples = 0
    package var deadLettered = 0
    /// DLQ writes that failed and were retried (each attempt counts).
    var deadLetterFailures = 0
    package var consumerErrors = 0
    /// Rejections by reason code.
    package var rejections: [RejectReason: Int] = [:]
    /// Partitions paused because their dead letter could not be written yet, with the reason.
    package var stalled: [TopicPartition: String] = [:]

    init() {}
}
