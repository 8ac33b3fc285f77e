/// Where a record came from; the learner advances its per-partition offset to `nextOffset`.
public struct RecordOrigin: Sendable, Hashable {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    /// Record timestamp, milliseconds since the epoch, if known.
    public let timestamp: Int64?

    public init(topic: String, partition: Int32, offset: Int64, timestamp: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }

    init(_ message: KafkaMessage) {
        self.init(topic: message.topic, partition: message.partition, offset: message.offset, timestamp: message.timestamp)
    }

    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }
    /// The offset to commit once this record is handled (Kafka's "next offset to read").
    public var nextOffset: Int64 { offset + 1 }
}

/// What the ingest pipeline hands the learner, in partition order.
public enum IngestEvent: Sendable {
    /// A valid example to learn from.
    case example(Example, RecordOrigin)
    /// A refused record whose dead letter was acknowledged: its offset may pass.
    case deadLettered(Rejection, RecordOrigin)

    public var origin: RecordOrigin {
        switch self {
        case .example(_, let origin), .deadLettered(_, let origin): return origin
        }
    }
}

/// Running totals, for `/metrics` and the ingest benchmark.
public struct IngestStats: Sendable, Equatable {
    public var consumed = 0
    public var examples = 0
    public var deadLettered = 0
    /// DLQ writes that failed and were retried (each attempt counts).
    public var deadLetterFailures = 0
    public var consumerErrors = 0
    /// Rejections by reason code.
    public var rejections: [RejectReason: Int] = [:]
    /// Partitions paused because their dead letter could not be written yet, with the reason.
    public var stalled: [TopicPartition: String] = [:]

    public init() {}
}
