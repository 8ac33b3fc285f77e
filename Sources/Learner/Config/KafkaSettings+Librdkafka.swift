import Stream

/// The librdkafka configuration these settings imply, for the Stream module.
extension PipelineConfig.KafkaSettings {
    /// Consumer properties: StreamLoRA's fixed choices, then the pass-through `properties`.
    ///
    /// Offsets are never committed or stored automatically (§6: the snapshot manifest is
    /// the truth); assignment is cooperative-sticky so rebalances move few adapters (§9).
    /// Pass-through properties may override the defaults below except the managed ones,
    /// which validation already refused.
    package var consumerProperties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": brokers.joined(separator: ","),
            "group.id": group,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "partition.assignment.strategy": "cooperative-sticky",
            "enable.partition.eof": "false",
        ]
        result.merge(properties) { _, passed in passed }
        result["enable.auto.commit"] = "false"
        result["enable.auto.offset.store"] = "false"
        return result
    }

    /// Producer properties (DLQ and `feed`): acknowledged by all in-sync replicas, sized for
    /// the largest accepted message, plus the pass-through `properties` that make sense
    /// for a producer (security settings apply to both).
    package var producerProperties: [String: String] {
        var result: [String: String] = [
            "bootstrap.servers": brokers.joined(separator: ","),
            "acks": "all",
            "message.max.bytes": String(max(maxMessageBytes + 4_096, 1_000_000)),
        ]
        result.merge(KafkaConfig(properties).forProducer().properties) { _, passed in passed }
        return result
    }

    /// `properties` with secret-looking values replaced by `***`, for logs and `/v1/status`.
    var redactedProperties: [String: String] {
        properties.reduce(into: [:]) { result, entry in
            let key = entry.key.lowercased()
            let secret = ["password", "secret", "token", "jaas", ".key"].contains { key.contains($0) }
            result[entry.key] = secret ? "***" : entry.value
        }
    }
}

/// Printing a configuration (logs, `--json` status) must not leak secrets from `properties`.
extension PipelineConfig.KafkaSettings: CustomStringConvertible, CustomDebugStringConvertible {
    package var description: String {
        let props = redactedProperties.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        return "KafkaSettings(brokers: \(brokers), topic: \(topic), group: \(group), dlqTopic: \(dlqTopic), "
            + "maxMessageBytes: \(maxMessageBytes), properties: [\(props.joined(separator: ", "))])"
    }

    package var debugDescription: String { description }
}
