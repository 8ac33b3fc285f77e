/// Writes refused records to `<topic>.dlq`: the original key, value, headers and
/// timestamp, plus headers saying why and where from, so an operator can inspect,
/// fix and replay them.
public struct DeadLetterWriter: Sendable {
    /// Header names added to every dead letter.
    public enum Header {
        public static let reason = "streamlora.error.reason"
        public static let detail = "streamlora.error.detail"
        public static let originalTopic = "streamlora.original.topic"
        public static let originalPartition = "streamlora.original.partition"
        public static let originalOffset = "streamlora.original.offset"
        public static let consumerGroup = "streamlora.consumer.group"
    }

    public let producer: KafkaProducer
    public let groupID: String
    public let suffix: String
    /// One dead-letter topic for every source topic, overriding `<topic><suffix>`.
    public let fixedTopic: String?

    public init(producer: KafkaProducer, groupID: String, suffix: String = ".dlq", fixedTopic: String? = nil) {
        self.producer = producer
        self.groupID = groupID
        self.suffix = suffix
        self.fixedTopic = fixedTopic
    }

    /// The dead-letter topic for `topic`.
    public func topic(for topic: String) -> String { fixedTopic ?? topic + suffix }

    /// The dead letter for `message`: same key, value, headers and timestamp, plus error headers.
    public func record(for message: KafkaMessage, rejection: Rejection) -> ProducerRecord {
        var headers = message.headers
        headers.append(KafkaHeader(Header.reason, rejection.reason.rawValue))
        headers.append(KafkaHeader(Header.detail, rejection.detail))
        headers.append(KafkaHeader(Header.originalTopic, message.topic))
        headers.append(KafkaHeader(Header.originalPartition, String(message.partition)))
        headers.append(KafkaHeader(Header.originalOffset, String(message.offset)))
        headers.append(KafkaHeader(Header.consumerGroup, groupID))
        return ProducerRecord(topic: topic(for: message.topic), key: message.key, value: message.value,
                              headers: headers, timestamp: message.timestamp)
    }

    /// Sends the dead letter; `completion` runs once the DLQ acknowledged it or delivery failed.
    public func write(_ message: KafkaMessage, rejection: Rejection, completion: @escaping KafkaProducer.Completion) {
        producer.send(record(for: message, rejection: rejection), completion: completion)
    }

    /// Sends the dead letter and returns once the DLQ acknowledged it.
    @discardableResult
    public func write(_ message: KafkaMessage, rejection: Rejection) async throws -> DeliveryReport {
        try await producer.send(record(for: message, rejection: rejection))
    }
}
