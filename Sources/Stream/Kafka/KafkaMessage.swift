import Crdkafka

/// A record read from Kafka, copied out of librdkafka's buffers so it can outlive the poll.
package struct KafkaMessage: Sendable {
    package let topic: String
    package let partition: Int32
    package let offset: Int64
    package let key: [UInt8]?
    /// The value's bytes; empty for a tombstone (see `isTombstone`).
    package let value: [UInt8]
    /// The value is null (a compaction tombstone), which Kafka distinguishes from an empty value.
    package let isTombstone: Bool
    /// Headers in wire order; a `nil` value is a header with a null value.
    package let headers: [KafkaHeader]
    /// Milliseconds since the epoch (create or log-append time), if the broker supplied one.
    let timestamp: Int64?

    init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
                headers: [KafkaHeader] = [], timestamp: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value ?? []
        self.isTombstone = value == nil
        self.headers = headers
        self.timestamp = timestamp
    }

    package var topicPartition: TopicPartition { TopicPartition(topic, partition) }

    /// The key as UTF-8 text (adapter names are text); nil when absent or not UTF-8.
    var keyString: String? {
        key.flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// Copies a successfully consumed `rd_kafka_message_t`.
    init(_ m: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        self.topic = topic
        partition = m.pointee.partition
        offset = m.pointee.offset
        key = m.pointee.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.pointee.key_len)) }
        value = m.pointee.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: m.pointee.len)) } ?? []
        isTombstone = m.pointee.payload == nil
        var tstype = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(m, &tstype)
        timestamp = tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : ts
        headers = KafkaHeader.read(from: m)
    }
}

/// One Kafka record header.
package struct KafkaHeader: Sendable, Equatable {
    let name: String
    let value: [UInt8]?

    init(_ name: String, _ value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    init(_ name: String, _ text: String) {
        self.init(name, Array(text.utf8))
    }

    /// The value as UTF-8 text, for the textual headers the DLQ writes.
    var text: String? { value.flatMap { String(validating: $0, as: UTF8.self) } }

    static func read(from m: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var hdrs: OpaquePointer?
        guard rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(hdrs, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(name.map { String(cString: $0) } ?? "", bytes))
            index += 1
        }
        return result
    }
}

extension [KafkaHeader] {
    /// The last value of header `name` as text (later headers win, as Kafka clients do).
    package func text(_ name: String) -> String? {
        last(where: { $0.name == name })?.text
    }
}
