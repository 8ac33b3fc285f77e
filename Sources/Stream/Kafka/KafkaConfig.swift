import Crdkafka

/// librdkafka configuration as plain key/value pairs, so any property (SASL, SSL,
/// timeouts, `debug`…) passes straight through to the library.
package struct KafkaConfig: Sendable, ExpressibleByDictionaryLiteral {
    package var properties: [String: String]

    package init(_ properties: [String: String] = [:]) { self.properties = properties }

    package init(dictionaryLiteral elements: (String, String)...) {
        self.properties = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    package subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// Properties only a consumer reads (librdkafka 2.0.2's CONFIGURATION.md marks them `C`, global
    /// and topic level). A producer given one logs a CONFWARN and ignores it.
    package static let consumerOnlyProperties: Set<String> = [
        "group.id", "group.instance.id", "partition.assignment.strategy", "session.timeout.ms",
        "heartbeat.interval.ms", "group.protocol.type", "coordinator.query.interval.ms", "max.poll.interval.ms",
        "enable.auto.commit", "auto.commit.enable", "auto.commit.interval.ms", "enable.auto.offset.store",
        "queued.min.messages", "queued.max.messages.kbytes", "fetch.wait.max.ms", "fetch.message.max.bytes",
        "max.partition.fetch.bytes", "fetch.max.bytes", "fetch.min.bytes", "fetch.error.backoff.ms",
        "isolation.level", "enable.partition.eof", "check.crcs", "auto.offset.reset", "offset.store.method",
        "offset.store.path", "offset.store.sync.interval.ms", "consume.callback.max.messages",
    ]

    /// The properties a producer sharing a consumer's settings (brokers, security, client id …)
    /// should get: everything but ``consumerOnlyProperties``.
    package func forProducer() -> KafkaConfig {
        KafkaConfig(properties.filter { !Self.consumerOnlyProperties.contains($0.key) })
    }

    /// Returns a copy with `defaults` filled in where the caller set nothing.
    func withDefaults(_ defaults: [String: String]) -> KafkaConfig {
        KafkaConfig(properties.merging(defaults, uniquingKeysWith: { mine, _ in mine }))
    }

    /// Returns a copy with `forced` overriding whatever the caller set, for the
    /// properties correctness depends on (e.g. `enable.auto.commit=false`).
    func overriding(_ forced: [String: String]) -> KafkaConfig {
        KafkaConfig(properties.merging(forced, uniquingKeysWith: { _, forced in forced }))
    }

    /// Builds an `rd_kafka_conf_t`; the caller owns it until it passes it to `rd_kafka_new`.
    /// - Throws: `KafkaError` naming the first property librdkafka rejected.
    func makeConf() throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError.config(key, string(fromErrorBuffer: errstr))
            }
        }
        return conf
    }
}

/// Creates an `rd_kafka_t` from a conf (consumed on success and on failure).
func makeKafkaHandle(_ type: rd_kafka_type_t, conf: OpaquePointer) throws -> OpaquePointer {
    var errstr = [CChar](repeating: 0, count: 512)
    guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
        rd_kafka_conf_destroy(conf)
        throw KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, context: "rd_kafka_new", message: string(fromErrorBuffer: errstr))
    }
    return handle
}
