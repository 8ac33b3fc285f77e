import Crdkafka

/// An error reported by librdkafka, carrying its numeric code so callers can tell
/// retriable transport hiccups from permanent failures.
package struct KafkaError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The raw `rd_kafka_resp_err_t` value (negative values are librdkafka-internal).
    let code: Int32
    /// What was being attempted when the error occurred (e.g. "commit", "produce to t.dlq").
    let context: String
    /// librdkafka's own description or the detail it returned.
    let message: String

    init(code: Int32, context: String, message: String? = nil) {
        self.code = code
        self.context = context
        self.message = message ?? String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(code)))
    }

    init(_ err: rd_kafka_resp_err_t, context: String) {
        self.init(code: err.rawValue, context: context)
    }

    /// Builds an error from an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer, context: String) {
        let code = rd_kafka_error_code(error).rawValue
        let message = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
        self.init(code: code, context: context, message: message)
    }

    /// The symbolic librdkafka name, e.g. `_TRANSPORT` or `NOT_COORDINATOR`.
    var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(code))) }

    /// Transient conditions worth another attempt (coordinator moving, timeouts, connection loss).
    var isRetriable: Bool {
        let retriable: [rd_kafka_resp_err_t] = [
            RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__WAIT_COORD,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
        ]
        return retriable.contains(rd_kafka_resp_err_t(code))
    }

    /// The group is rebalancing: a commit may succeed once the coordinator has settled.
    var isRebalanceInProgress: Bool { rd_kafka_resp_err_t(code) == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS }

    package var description: String { "\(context): \(message) (\(name))" }

    /// A configuration value librdkafka refused.
    static func config(_ key: String, _ detail: String) -> KafkaError {
        KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, context: "config '\(key)'", message: detail)
    }
}
