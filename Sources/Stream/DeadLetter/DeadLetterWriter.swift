/// Writes refused records to `<topic>.dlq`: the original key, value, headers and
/// timestamp, plus headers saying why and where from, so an operator can inspect,
/// fix and replay them.
///
/// A dead letter never stalls its partition for being large: a record that would exceed the
/// producer's `message.max.bytes` (or that the broker refused as too large) is written with its
/// key and value cut to their first bytes, and headers giving each cut part's original size and
/// sha256 (see `DeadLetterWriter+Truncation`). A tombstone stays a tombstone (null value).
package struct DeadLetterWriter: Sendable {
    /// Header names added to every dead letter.
    package enum Header {
        package static let reason = "streamlora.error.reason"
        package static let detail = "streamlora.error.detail"
        package static let originalTopic = "streamlora.original.topic"
        package static let originalPartition = "streamlora.original.partition"
        package static let originalOffset = "streamlora.original.offset"
        static let consumerGroup = "streamlora.consumer.group"
        /// What was cut to fit the DLQ: `value`, `key`, `headers`, comma-separated. Absent: nothing.
        package static let truncated = "streamlora.truncated"
        /// Original size in bytes and lower-case hex sha256 of a cut value or key.
        package static let originalValueSize = "streamlora.original.value.size"
        package static let originalValueSHA256 = "streamlora.original.value.sha256"
        package static let originalKeySize = "streamlora.original.key.size"
        package static let originalKeySHA256 = "streamlora.original.key.sha256"
        /// How many original headers were dropped, and their total size, when they alone were too large.
        static let droppedHeaders = "streamlora.original.headers.dropped"
    }

    package let producer: KafkaProducer
    package let groupID: String
    package let suffix: String
    /// One dead-letter topic for every source topic, overriding `<topic><suffix>`.
    let fixedTopic: String?
    /// The largest dead letter (key + value + headers) the producer accepts: its `message.max.bytes`.
    let maxRecordBytes: Int

    init(producer: KafkaProducer, groupID: String, suffix: String = ".dlq", fixedTopic: String? = nil,
                maxRecordBytes: Int = 1_000_000) {
        self.producer = producer
        self.groupID = groupID
        self.suffix = suffix
        self.fixedTopic = fixedTopic
        self.maxRecordBytes = maxRecordBytes
    }

    /// The dead-letter topic for `topic`.
    package func topic(for topic: String) -> String { fixedTopic ?? topic + suffix }

    /// The dead letter for `message`: same key, value, headers and timestamp, plus error headers;
    /// cut to fit `limit` bytes (default: `maxRecordBytes`) as the type's documentation says.
    package func record(for message: KafkaMessage, rejection: Rejection, limit: Int? = nil) -> ProducerRecord {
        var errorHeaders = [
            KafkaHeader(Header.reason, rejection.reason.rawValue),
            KafkaHeader(Header.detail, String(rejection.detail.prefix(1_000))),
            KafkaHeader(Header.originalTopic, message.topic),
            KafkaHeader(Header.originalPartition, String(message.partition)),
            KafkaHeader(Header.originalOffset, String(message.offset)),
            KafkaHeader(Header.consumerGroup, groupID),
        ]
        let fitted = Self.fit(message, limit: limit ?? maxRecordBytes, errorHeaders: &errorHeaders)
        return ProducerRecord(topic: topic(for: message.topic), key: fitted.key, value: fitted.value,
                              headers: fitted.headers + errorHeaders, timestamp: message.timestamp)
    }

    /// Sends the dead letter; `completion` runs once the DLQ acknowledged it or delivery failed.
    package func write(_ message: KafkaMessage, rejection: Rejection, limit: Int? = nil,
                      completion: @escaping KafkaProducer.Completion) {
        producer.send(record(for: message, rejection: rejection, limit: limit), completion: completion)
    }

    /// Sends the dead letter and returns once the DLQ acknowledged it.
    @discardableResult
    package func write(_ message: KafkaMessage, rejection: Rejection) async throws -> DeliveryReport {
        try await producer.send(record(for: message, rejection: rejection))
    }
}
