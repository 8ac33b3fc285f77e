import Checksum

/// Fitting a dead letter under a size limit, so a record too large for the DLQ is still written.
extension DeadLetterWriter {
    /// Bytes kept free for the record's framing (librdkafka counts a record's wire size, which is a
    /// few dozen bytes more than key + value + headers).
    static let framingAllowance = 512
    /// The smallest limit a truncation aims for: the error headers alone must fit.
    static let minimumLimit = 4_096

    struct Fitted {
        var key: [UInt8]?
        var value: [UInt8]?
        var headers: [KafkaHeader]
    }

    /// The message's key, value (nil for a tombstone) and headers, cut so that together with
    /// `errorHeaders` they stay under `limit`; every cut is recorded in `errorHeaders`.
    static func fit(_ message: KafkaMessage, limit: Int, errorHeaders: inout [KafkaHeader]) -> Fitted {
        var fitted = Fitted(key: message.key, value: message.isTombstone ? nil : message.value, headers: message.headers)
        var budget = max(limit, minimumLimit) - framingAllowance - size(of: errorHeaders) - 400 // room for our own cut headers
        let keyBytes = fitted.key?.count ?? 0
        let valueBytes = fitted.value?.count ?? 0
        var headerBytes = size(of: fitted.headers)
        guard keyBytes + valueBytes + headerBytes > budget else { return fitted }

        var cuts: [String] = []
        // Original headers beyond a quarter of the budget are dropped whole (they are not the record).
        if headerBytes > budget / 4 {
            errorHeaders.append(KafkaHeader(Header.droppedHeaders, "\(fitted.headers.count) headers, \(headerBytes) bytes"))
            fitted.headers = []
            headerBytes = 0
            cuts.append("headers")
        }
        budget -= headerBytes
        // The key keeps at most half of what remains, the value the rest.
        if let key = fitted.key, keyBytes > budget / 2, keyBytes + valueBytes > budget {
            fitted.key = Array(key.prefix(budget / 2))
            errorHeaders.append(KafkaHeader(Header.originalKeySize, String(keyBytes)))
            errorHeaders.append(KafkaHeader(Header.originalKeySHA256, SHA256.hex(key)))
            cuts.insert("key", at: 0)
        }
        let room = max(0, budget - (fitted.key?.count ?? 0))
        if let value = fitted.value, valueBytes > room {
            fitted.value = Array(value.prefix(room))
            errorHeaders.append(KafkaHeader(Header.originalValueSize, String(valueBytes)))
            errorHeaders.append(KafkaHeader(Header.originalValueSHA256, SHA256.hex(value)))
            cuts.insert("value", at: 0)
        }
        if !cuts.isEmpty { errorHeaders.append(KafkaHeader(Header.truncated, cuts.joined(separator: ","))) }
        return fitted
    }

    /// Bytes headers take on the wire, roughly: names, values and a few bytes of varints each.
    static func size(of headers: [KafkaHeader]) -> Int {
        headers.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.count ?? 0) + 10 }
    }

    /// The total size of a produced record, as `fit` counts it.
    static func size(of record: ProducerRecord) -> Int {
        (record.key?.count ?? 0) + (record.value?.count ?? 0) + size(of: record.headers) + framingAllowance
    }
}
