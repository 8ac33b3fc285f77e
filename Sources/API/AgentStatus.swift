import Foundation

/// Everything `GET /v1/status` answers and the dashboard polls: the agent and, per adapter, its
/// live version, learning progress, prequential metrics and consumer position.
///
/// One type from the agent (which publishes it) to the server, the CLI client, the dashboard and
/// `/metrics`. JSON keys are snake_case; optional values are written as `null` (never left out),
/// so a script sees the same shape from a fresh agent and a busy one.
package struct AgentStatus: Sendable, Codable, Equatable {
    /// When the agent process started.
    package var startedAt: Date
    /// Seconds since `startedAt`.
    package var uptimeSeconds: Double
    /// The learner has started (see ``notReadyReasons`` for everything `/readyz` checks).
    package var ready: Bool
    /// Name of the pipeline definition (`pipelines/<name>.yaml`).
    @NullEncoded package var pipeline: String?
    /// The Kafka topic the agent consumes.
    @NullEncoded package var topic: String?
    /// Adapter that learns from messages without a key.
    @NullEncoded package var defaultAdapter: String?
    /// Name or path of the frozen base model.
    @NullEncoded package var baseModel: String?
    package var adapters: [AdapterStatus]
    /// Records the agent sent to the dead-letter topic (agent-wide: a record that fails to decode
    /// has no adapter).
    package var dlqMessages: Int
    /// Dead letters by the decoder's reason code (`invalid_json`, …).
    package var dlqByReason: [String: Int]
    /// Records consumed from Kafka.
    package var consumed: Int
    /// Records whose input the model cannot read (e.g. features without text).
    package var unsupportedInputs: Int
    /// Assigned partitions of the topic, with position, high watermark, committed offset and lag.
    package var partitions: [PartitionLag]
    /// Last committed next offset per partition (by partition number as text).
    package var committed: [String: Int64]
    /// Partitions paused because their dead letter cannot be written, with the reason.
    package var stalledPartitions: [String: String]
    /// Partitions paused because their log ends before the registry's recorded offsets.
    package var partitionAlarms: [String: String]
    /// Whether a broker connection is up (librdkafka's statistics); nil until first known.
    @NullEncoded package var brokersReachable: Bool?
    /// This agent's membership of its consumer group (librdkafka's statistics); nil until first known.
    @NullEncoded package var consumerGroup: ConsumerGroupStatus?
    package var consumerErrors: Int
    /// Trainers (weights, Adam moments, session) loaded from the registry by this process: within
    /// the residency budget at start-up, then on demand after an eviction.
    package var trainerLoads: Int
    /// Errors the learner loop survived, and the last one.
    package var errors: Int
    @NullEncoded package var lastError: String?

    package init(startedAt: Date = Date(), uptimeSeconds: Double = 0, ready: Bool = false, pipeline: String? = nil,
                 topic: String? = nil, defaultAdapter: String? = nil, baseModel: String? = nil,
                 adapters: [AdapterStatus] = [], dlqMessages: Int = 0) {
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.ready = ready
        self.pipeline = pipeline
        self.topic = topic
        self.defaultAdapter = defaultAdapter
        self.baseModel = baseModel
        self.adapters = adapters
        self.dlqMessages = dlqMessages
        dlqByReason = [:]
        consumed = 0
        unsupportedInputs = 0
        partitions = []
        committed = [:]
        stalledPartitions = [:]
        partitionAlarms = [:]
        brokersReachable = nil
        consumerGroup = nil
        consumerErrors = 0
        trainerLoads = 0
        errors = 0
        lastError = nil
    }

    enum CodingKeys: String, CodingKey {
        case startedAt = "started_at", uptimeSeconds = "uptime_seconds", ready, pipeline, topic
        case defaultAdapter = "default_adapter", baseModel = "base_model", adapters, dlqMessages = "dlq_messages"
        case dlqByReason = "dlq_by_reason", consumed, unsupportedInputs = "unsupported_inputs", partitions, committed
        case stalledPartitions = "stalled_partitions", partitionAlarms = "partition_alarms"
        case brokersReachable = "brokers_reachable", consumerGroup = "consumer_group", consumerErrors = "consumer_errors"
        case trainerLoads = "trainer_loads", errors, lastError = "last_error"
    }

    /// Why the agent is not fully ready, one sentence each (empty: ready): not started, no broker
    /// connection, no partition assigned, partitions paused by an alarm or an unwritable DLQ.
    /// Predictions are served regardless; these say whether training keeps up with the topic.
    package var notReadyReasons: [String] {
        var reasons: [String] = []
        if !ready { reasons.append("the learner has not started") }
        if brokersReachable == false { reasons.append("no Kafka broker is reachable") }
        if partitions.isEmpty {
            reasons.append("no partition of the topic is assigned to this agent" + (consumerGroup.map { "; consumer group: \($0)" } ?? ""))
        }
        for (p, why) in partitionAlarms.sorted(by: { $0.key < $1.key }) { reasons.append("partition \(p): \(why)") }
        for (p, why) in stalledPartitions.sorted(by: { $0.key < $1.key }) { reasons.append("\(p) paused: \(why)") }
        return reasons
    }
}

/// Prequential (test-then-train) metrics: over the whole stream and over a sliding window, with
/// the count of each true label.
///
/// One type from the learner (its metrics' snapshot) to the manifest (`prequential_metrics`, from
/// which a restarted agent continues), `/v1/status`, `/v1/adapters/{name}` and the dashboard.
package struct PrequentialSummary: Sendable, Codable, Hashable {
    package var cumulative: MetricValues
    package var windowed: MetricValues
    /// Capacity of the sliding window.
    package var window: Int
    /// Count of each true label over the whole stream (the label-drift reference restarts from it).
    package var labelCounts: [String: Int]

    package init(cumulative: MetricValues = .init(), windowed: MetricValues = .init(), window: Int = 0,
                 labelCounts: [String: Int] = [:]) {
        self.cumulative = cumulative
        self.windowed = windowed
        self.window = window
        self.labelCounts = labelCounts
    }

    enum CodingKeys: String, CodingKey {
        case cumulative, windowed, window, labelCounts = "label_counts"
    }
}

/// Accuracy and log-loss over `count` examples; nil while `count` is 0.
package struct MetricValues: Sendable, Codable, Hashable {
    package var count: Int
    @NullEncoded package var accuracy: Double?
    @NullEncoded package var logLoss: Double?

    package init(count: Int = 0, accuracy: Double? = nil, logLoss: Double? = nil) {
        self.count = count
        self.accuracy = accuracy
        self.logLoss = logLoss
    }

    enum CodingKeys: String, CodingKey {
        case count, accuracy, logLoss = "log_loss"
    }
}

/// The newest durable snapshot of an adapter.
package struct SnapshotStatus: Sendable, Codable, Equatable {
    package var version: String
    package var createdAt: Date
    /// What the gate decided for it.
    package var status: VersionStatus
    package var examplesTrained: Int

    package init(version: String, createdAt: Date, status: VersionStatus, examplesTrained: Int) {
        self.version = version
        self.createdAt = createdAt
        self.status = status
        self.examplesTrained = examplesTrained
    }

    enum CodingKeys: String, CodingKey {
        case version, createdAt = "created_at", status, examplesTrained = "examples_trained"
    }
}

/// Where the agent stands in its consumer group, from librdkafka's statistics (every second): an
/// agent assigned nothing says here what it waits for (a coordinator, its JoinGroup answer, its
/// assignment).
package struct ConsumerGroupStatus: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The group handler's state: `up` once it has a coordinator; `wait-coord`, `wait-broker`, … before.
    package var state: String
    /// Seconds since `state` last changed.
    package var stateSeconds: Double
    /// Where the member is in joining: `wait-join`, `wait-sync`, `wait-assign-call`, `steady`, ….
    package var joinState: String
    /// Rebalances (assign or revoke) since the agent started.
    package var rebalances: Int
    /// Why the last rebalance happened; nil before the first.
    @NullEncoded package var lastRebalanceReason: String?

    package init(state: String, stateSeconds: Double, joinState: String, rebalances: Int, lastRebalanceReason: String? = nil) {
        self.state = state
        self.stateSeconds = stateSeconds
        self.joinState = joinState
        self.rebalances = rebalances
        self.lastRebalanceReason = lastRebalanceReason
    }

    /// E.g. "up for 238 s, join state wait-join, 0 rebalances".
    package var description: String {
        "\(state) for \(Int(stateSeconds)) s, join state \(joinState), \(rebalances) rebalance\(rebalances == 1 ? "" : "s")"
            + (lastRebalanceReason.map { " (last: \($0))" } ?? "")
    }

    enum CodingKeys: String, CodingKey {
        case state, stateSeconds = "state_seconds", joinState = "join_state", rebalances
        case lastRebalanceReason = "last_rebalance_reason"
    }
}

/// How far the consumer is behind on one partition.
package struct PartitionLag: Sendable, Codable, Equatable {
    package var topic: String
    package var partition: Int
    /// Next offset to read (last processed + 1); nil before the first message.
    @NullEncoded package var position: Int64?
    /// The partition's high watermark as last seen; nil when not known yet.
    @NullEncoded package var highWatermark: Int64?
    /// The group's last committed next offset (what a restart without the registry would read from).
    @NullEncoded package var committed: Int64?
    /// Messages not consumed yet: `highWatermark` minus `position` (or minus `committed` before the
    /// first message) unless the agent knows better; nil when unknown.
    @NullEncoded package var lag: Int64?

    package init(topic: String, partition: Int, position: Int64? = nil, highWatermark: Int64? = nil,
                 committed: Int64? = nil, lag: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.position = position
        self.highWatermark = highWatermark
        self.committed = committed
        self.lag = lag ?? highWatermark.flatMap { high in (position ?? committed).map { max(0, high - $0) } }
    }

    enum CodingKeys: String, CodingKey {
        case topic, partition, position, highWatermark = "high_watermark", committed, lag
    }
}
