import Threads
import Crdkafka
import Foundation
import Logging

/// A record to produce.
package struct ProducerRecord: Sendable {
    package var topic: String
    /// Explicit partition, or nil to let the partitioner hash the key.
    package var partition: Int32?
    package var key: [UInt8]?
    /// nil produces a tombstone (a null value, unlike an empty one).
    package var value: [UInt8]?
    package var headers: [KafkaHeader]
    /// Milliseconds since the epoch; nil → now.
    var timestamp: Int64?

    package init(topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
                headers: [KafkaHeader] = [], timestamp: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// Where an acknowledged record landed.
package struct DeliveryReport: Sendable, Equatable {
    package let topic: String
    package let partition: Int32
    package let offset: Int64
}

/// An idempotent producer whose every record ends in a delivery report: acknowledged
/// by the broker or failed with the reason. Reports are served by a dedicated thread
/// (`rd_kafka_poll`), never by Swift's cooperative pool.
package final class KafkaProducer: @unchecked Sendable {
    package typealias Completion = @Sendable (Result<DeliveryReport, KafkaError>) -> Void

    let logger: Logger
    let handle: OpaquePointer
    private let running = Locked(true)
    private let pollerDone = DispatchSemaphore(value: 0)
    private let closed = Locked(false)

    /// - Parameter config: any librdkafka properties; `bootstrap.servers` is required.
    ///   Defaults: `enable.idempotence=true`, `partitioner=murmur2_random` (same key →
    ///   same partition as the Java client).
    package init(config: KafkaConfig, logger: Logger = Logger(label: "streamlora.producer")) throws {
        self.logger = logger
        let conf = try config.withDefaults([
            "enable.idempotence": "true",
            "partitioner": "murmur2_random",
            "linger.ms": "5",
        ]).makeConf()
        rd_kafka_conf_set_dr_msg_cb(conf, producerDeliveryCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        handle = try makeKafkaHandle(RD_KAFKA_PRODUCER, conf: conf)
        let rk = SendableHandle(pointer: handle)
        let thread = Thread { [running, pollerDone] in
            while running.withLock({ $0 }) { rd_kafka_poll(rk.pointer, 50) }
            pollerDone.signal()
        }
        thread.name = "streamlora.producer.poll"
        thread.start()
    }

    deinit {
        close(timeoutMs: 10_000)
        rd_kafka_destroy(handle)
    }

    /// Enqueues `record`; `completion` runs on the poll thread once the broker acknowledged
    /// it or librdkafka gave up (`message.timeout.ms`). When the local queue is full this
    /// waits (briefly blocking the caller) until there is room.
    package func send(_ record: ProducerRecord, completion: @escaping Completion) {
        let box = Unmanaged.passRetained(DeliveryBox(completion)).toOpaque()
        while true {
            let err = enqueue(record, opaque: box)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            if err == RD_KAFKA_RESP_ERR__QUEUE_FULL, !closed.withLock({ $0 }) {
                usleep(1_000)
                continue
            }
            Unmanaged<DeliveryBox>.fromOpaque(box).release()
            completion(.failure(KafkaError(err, context: "produce to \(record.topic)")))
            return
        }
    }

    /// Produces `record` and returns when it is acknowledged.
    /// - Throws: `KafkaError` with the delivery failure.
    @discardableResult
    package func send(_ record: ProducerRecord) async throws -> DeliveryReport {
        try await withCheckedThrowingContinuation { continuation in
            send(record) { continuation.resume(with: $0) }
        }
    }

    /// Waits until every queued record has a delivery report. Blocking.
    package func flush(timeoutMs: Int32 = 30_000) throws {
        let err = rd_kafka_flush(handle, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "flush") }
    }

    /// Number of records still waiting for a delivery report.
    var outstanding: Int { Int(rd_kafka_outq_len(handle)) }

    /// Flushes (bounded by `timeoutMs`), then stops the poll thread. Idempotent; blocking.
    /// Records still undelivered after the timeout fail with `_PURGE_QUEUE`.
    package func close(timeoutMs: Int32 = 30_000) {
        let first = closed.withLock { c -> Bool in defer { c = true }; return !c }
        guard first else { return }
        do { try flush(timeoutMs: timeoutMs) } catch {
            logger.warning("producer close: \(error); purging")
            _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            _ = rd_kafka_flush(handle, 1_000)
        }
        running.withLock { $0 = false }
        pollerDone.wait()
        rd_kafka_poll(handle, 0)
    }

    private func enqueue(_ record: ProducerRecord, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer?
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                if let value = header.value {
                    value.withUnsafeBytes { _ = rd_kafka_header_add(headers, header.name, -1, $0.baseAddress, $0.count) }
                } else {
                    _ = rd_kafka_header_add(headers, header.name, -1, nil, 0)
                }
            }
        }
        let error: OpaquePointer? = record.topic.withCString { topic in
            withKeyBytes(record.value) { value in
                withKeyBytes(record.key) { key in
                    var vus = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 8)
                    var n = 0
                    func add(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                        vus[n].vtype = type
                        set(&vus[n])
                        n += 1
                    }
                    add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topic }
                    add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = record.partition ?? RD_KAFKA_PARTITION_UA }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    if let value { add(RD_KAFKA_VTYPE_VALUE) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value.baseAddress), size: value.count) } }
                    if let key { add(RD_KAFKA_VTYPE_KEY) { $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key.baseAddress), size: key.count) } }
                    if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                    if let ts = record.timestamp { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = ts } }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    return rd_kafka_produceva(handle, vus, n)
                }
            }
        }
        guard let error else { return RD_KAFKA_RESP_ERR_NO_ERROR }
        let code = rd_kafka_error_code(error)
        rd_kafka_error_destroy(error)
        if let headers { rd_kafka_headers_destroy(headers) }
        return code
    }
}

/// Calls `body` with the key's (or value's) bytes, or nil for a record without one
/// (an empty key and no key, an empty value and a tombstone are different things in Kafka).
private func withKeyBytes<R>(_ key: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let key else { return body(nil) }
    return key.withUnsafeBytes { body($0) }
}

/// The per-record completion, retained across the C boundary until its report arrives.
final class DeliveryBox {
    let completion: KafkaProducer.Completion
    init(_ completion: @escaping KafkaProducer.Completion) { self.completion = completion }
}

let producerDeliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let box = Unmanaged<DeliveryBox>.fromOpaque(opaque).takeRetainedValue()
    let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
    if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        box.completion(.success(DeliveryReport(topic: topic, partition: message.pointee.partition, offset: message.pointee.offset)))
    } else {
        box.completion(.failure(KafkaError(message.pointee.err, context: "deliver to \(topic)[\(message.pointee.partition)]")))
    }
}
