import Foundation

/// Everything `GET /v1/status` answers and the dashboard polls: the agent and, per adapter, its
/// live version, learning progress, prequential metrics and consumer position.
///
/// JSON keys are snake_case; optional values are written as `null` (never left out), so a
/// script sees the same shape from a fresh agent and a busy one.
package struct AgentStatus: Sendable, Codable, Equatable {
    /// When the agent process started.
    package var startedAt: Date
    /// Seconds since `startedAt`.
    package var uptimeSeconds: Double
    /// Same as `GET /readyz`.
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

    package init(startedAt: Date, uptimeSeconds: Double, ready: Bool, pipeline: String? = nil, topic: String? = nil,
                defaultAdapter: String? = nil, baseModel: String? = nil, adapters: [AdapterStatus] = [],
                dlqMessages: Int = 0) {
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.ready = ready
        self.pipeline = pipeline
        self.topic = topic
        self.defaultAdapter = defaultAdapter
        self.baseModel = baseModel
        self.adapters = adapters
        self.dlqMessages = dlqMessages
    }

    enum CodingKeys: String, CodingKey {
        case startedAt = "started_at", uptimeSeconds = "uptime_seconds", ready, pipeline, topic
        case defaultAdapter = "default_adapter", baseModel = "base_model", adapters, dlqMessages = "dlq_messages"
    }
}

/// One adapter's learning state.
package struct AdapterStatus: Sendable, Codable, Equatable {
    package var name: String
    /// The version predictions are served from; nil before the first snapshot.
    @NullEncoded package var liveVersion: String?
    /// The label vocabulary, in index order.
    package var labels: [String]
    /// Examples routed to this adapter (trained + held out).
    package var examplesSeen: Int
    /// Examples the adapter was trained on.
    package var examplesTrained: Int
    /// Examples of train steps the non-finite guard skipped (consumed, not trained).
    package var examplesSkipped: Int
    /// Examples kept in the holdout slice (never trained on).
    package var holdoutExamples: Int
    /// Optimizer steps taken.
    package var steps: Int
    /// Mean loss of the last training micro-batch.
    @NullEncoded package var lastTrainLoss: Double?
    /// Test-then-train metrics.
    package var prequential: PrequentialSummary
    /// The newest durable snapshot.
    @NullEncoded package var lastSnapshot: SnapshotStatus?
    /// Consumer position per partition feeding this adapter.
    package var partitions: [PartitionLag]

    package init(name: String, liveVersion: String? = nil, labels: [String] = [], examplesSeen: Int = 0,
                examplesTrained: Int = 0, examplesSkipped: Int = 0, holdoutExamples: Int = 0, steps: Int = 0, lastTrainLoss: Double? = nil,
                prequential: PrequentialSummary = .init(), lastSnapshot: SnapshotStatus? = nil,
                partitions: [PartitionLag] = []) {
        self.name = name
        self.liveVersion = liveVersion
        self.labels = labels
        self.examplesSeen = examplesSeen
        self.examplesTrained = examplesTrained
        self.examplesSkipped = examplesSkipped
        self.holdoutExamples = holdoutExamples
        self.steps = steps
        self.lastTrainLoss = lastTrainLoss
        self.prequential = prequential
        self.lastSnapshot = lastSnapshot
        self.partitions = partitions
    }

    enum CodingKeys: String, CodingKey {
        case name, liveVersion = "live_version", labels, examplesSeen = "examples_seen"
        case examplesTrained = "examples_trained", examplesSkipped = "examples_skipped", holdoutExamples = "holdout_examples", steps
        case lastTrainLoss = "last_train_loss", prequential, lastSnapshot = "last_snapshot", partitions
    }
}

/// Prequential (test-then-train) metrics: over the whole stream and over a sliding window.
package struct PrequentialSummary: Sendable, Codable, Equatable {
    package var cumulative: MetricValues
    package var windowed: MetricValues
    /// Capacity of the sliding window.
    package var window: Int

    package init(cumulative: MetricValues = .init(), windowed: MetricValues = .init(), window: Int = 0) {
        self.cumulative = cumulative
        self.windowed = windowed
        self.window = window
    }
}

/// Accuracy and log-loss over `count` examples; nil while `count` is 0.
package struct MetricValues: Sendable, Codable, Equatable {
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

/// How far the consumer is behind on one partition.
package struct PartitionLag: Sendable, Codable, Equatable {
    package var topic: String
    package var partition: Int
    /// Next offset to read (last processed + 1); nil before the first message.
    @NullEncoded package var position: Int64?
    /// The partition's high watermark as last seen; nil when not known yet.
    @NullEncoded package var highWatermark: Int64?
    /// Messages not consumed yet: `highWatermark - position` unless the agent knows better; nil
    /// when either is unknown.
    @NullEncoded package var lag: Int64?

    package init(topic: String, partition: Int, position: Int64? = nil, highWatermark: Int64? = nil,
                lag: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.position = position
        self.highWatermark = highWatermark
        self.lag = lag ?? highWatermark.flatMap { high in position.map { max(0, high - $0) } }
    }

    enum CodingKeys: String, CodingKey {
        case topic, partition, position, highWatermark = "high_watermark", lag
    }
}
