import Foundation

/// Everything `GET /v1/status` answers and the dashboard polls: the agent and, per adapter, its
/// live version, learning progress, prequential metrics and consumer position.
///
/// JSON keys are snake_case; optional values are written as `null` (never left out), so a
/// script sees the same shape from a fresh agent and a busy one.
public struct AgentStatus: Sendable, Codable, Equatable {
    /// When the agent process started.
    public var startedAt: Date
    /// Seconds since `startedAt`.
    public var uptimeSeconds: Double
    /// Same as `GET /readyz`.
    public var ready: Bool
    /// Name of the pipeline definition (`pipelines/<name>.yaml`).
    @NullEncoded public var pipeline: String?
    /// The Kafka topic the agent consumes.
    @NullEncoded public var topic: String?
    /// Adapter that learns from messages without a key.
    @NullEncoded public var defaultAdapter: String?
    /// Name or path of the frozen base model.
    @NullEncoded public var baseModel: String?
    public var adapters: [AdapterStatus]
    /// Records the agent sent to the dead-letter topic (agent-wide: a record that fails to decode
    /// has no adapter).
    public var dlqMessages: Int

    public init(startedAt: Date, uptimeSeconds: Double, ready: Bool, pipeline: String? = nil, topic: String? = nil,
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
public struct AdapterStatus: Sendable, Codable, Equatable {
    public var name: String
    /// The version predictions are served from; nil before the first snapshot.
    @NullEncoded public var liveVersion: String?
    /// The label vocabulary, in index order.
    public var labels: [String]
    /// Examples routed to this adapter (trained + held out).
    public var examplesSeen: Int
    /// Examples the adapter was trained on.
    public var examplesTrained: Int
    /// Examples kept in the holdout slice (never trained on).
    public var holdoutExamples: Int
    /// Optimizer steps taken.
    public var steps: Int
    /// Mean loss of the last training micro-batch.
    @NullEncoded public var lastTrainLoss: Double?
    /// Test-then-train metrics.
    public var prequential: PrequentialSummary
    /// The newest durable snapshot.
    @NullEncoded public var lastSnapshot: SnapshotStatus?
    /// Consumer position per partition feeding this adapter.
    public var partitions: [PartitionLag]

    public init(name: String, liveVersion: String? = nil, labels: [String] = [], examplesSeen: Int = 0,
                examplesTrained: Int = 0, holdoutExamples: Int = 0, steps: Int = 0, lastTrainLoss: Double? = nil,
                prequential: PrequentialSummary = .init(), lastSnapshot: SnapshotStatus? = nil,
                partitions: [PartitionLag] = []) {
        self.name = name
        self.liveVersion = liveVersion
        self.labels = labels
        self.examplesSeen = examplesSeen
        self.examplesTrained = examplesTrained
        self.holdoutExamples = holdoutExamples
        self.steps = steps
        self.lastTrainLoss = lastTrainLoss
        self.prequential = prequential
        self.lastSnapshot = lastSnapshot
        self.partitions = partitions
    }

    enum CodingKeys: String, CodingKey {
        case name, liveVersion = "live_version", labels, examplesSeen = "examples_seen"
        case examplesTrained = "examples_trained", holdoutExamples = "holdout_examples", steps
        case lastTrainLoss = "last_train_loss", prequential, lastSnapshot = "last_snapshot", partitions
    }
}

/// Prequential (test-then-train) metrics: over the whole stream and over a sliding window.
public struct PrequentialSummary: Sendable, Codable, Equatable {
    public var cumulative: MetricValues
    public var windowed: MetricValues
    /// Capacity of the sliding window.
    public var window: Int

    public init(cumulative: MetricValues = .init(), windowed: MetricValues = .init(), window: Int = 0) {
        self.cumulative = cumulative
        self.windowed = windowed
        self.window = window
    }
}

/// Accuracy and log-loss over `count` examples; nil while `count` is 0.
public struct MetricValues: Sendable, Codable, Equatable {
    public var count: Int
    @NullEncoded public var accuracy: Double?
    @NullEncoded public var logLoss: Double?

    public init(count: Int = 0, accuracy: Double? = nil, logLoss: Double? = nil) {
        self.count = count
        self.accuracy = accuracy
        self.logLoss = logLoss
    }

    enum CodingKeys: String, CodingKey {
        case count, accuracy, logLoss = "log_loss"
    }
}

/// The newest durable snapshot of an adapter.
public struct SnapshotStatus: Sendable, Codable, Equatable {
    public var version: String
    public var createdAt: Date
    /// What the gate decided for it.
    public var status: VersionStatus
    public var examplesTrained: Int

    public init(version: String, createdAt: Date, status: VersionStatus, examplesTrained: Int) {
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
public struct PartitionLag: Sendable, Codable, Equatable {
    public var topic: String
    public var partition: Int
    /// Next offset to read (last processed + 1); nil before the first message.
    @NullEncoded public var position: Int64?
    /// The partition's high watermark as last seen; nil when not known yet.
    @NullEncoded public var highWatermark: Int64?
    /// Messages not consumed yet: `highWatermark - position` unless the agent knows better; nil
    /// when either is unknown.
    @NullEncoded public var lag: Int64?

    public init(topic: String, partition: Int, position: Int64? = nil, highWatermark: Int64? = nil,
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
