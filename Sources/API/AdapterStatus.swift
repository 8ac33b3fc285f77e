import Monitor

/// One adapter's learning state, as the agent publishes it.
///
/// The first fields are the adapter's state (live version, progress, metrics); the counters after
/// them count what this process did for it and restart from zero with the process.
package struct AdapterStatus: Sendable, Codable, Equatable {
    package var name: String
    /// The version predictions are served from; nil before the first snapshot.
    @NullEncoded package var liveVersion: String?
    /// The label vocabulary, in index order.
    package var labels: [String]
    /// Examples routed to this adapter and predicted first (trained + held out).
    package var examplesSeen: Int
    /// Examples the adapter was trained on.
    package var examplesTrained: Int
    /// Examples of train steps the non-finite guard skipped (consumed, not trained).
    package var examplesSkipped: Int
    /// Holdout examples buffered for the gate (never trained on).
    package var holdoutExamples: Int
    /// Optimizer steps taken.
    package var steps: Int
    /// Mean loss of the last training micro-batch.
    @NullEncoded package var lastTrainLoss: Double?
    /// Test-then-train metrics.
    package var prequential: PrequentialSummary
    /// The newest durable snapshot.
    @NullEncoded package var lastSnapshot: SnapshotStatus?
    /// Consumer position of the partitions this adapter learned from.
    package var partitions: [PartitionLag]

    /// Examples held out (predicted, never trained) and redeliveries skipped, this process's run.
    package var heldOut: Int
    package var skippedRedeliveries: Int
    /// Train steps the non-finite guard skipped.
    package var skippedSteps: Int
    /// Steps that shared a forward/backward pass with other adapters' steps.
    package var crossAdapterSteps: Int
    package var snapshots: Int
    package var snapshotFailures: Int
    package var promotions: Int
    package var rejections: Int
    package var rollbacks: Int
    /// Metric drops the paired test found shared by the predecessor (drift, not regression).
    package var declinedRollbacks: Int
    /// Confirmed concept drifts the learner adapted to.
    package var adaptations: Int
    /// The last gate or rollback decision, as journaled.
    @NullEncoded package var lastDecision: String?
    /// Cumulative prequential accuracy every 500 examples, this process's run.
    package var curve: [CurvePoint]
    /// Durations of this process's snapshots (evaluate, gate, durable write) for `/metrics`; not
    /// in the JSON.
    package var snapshotSeconds = Histogram(bounds: Histogram.snapshotBounds)

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
        heldOut = 0
        skippedRedeliveries = 0
        skippedSteps = 0
        crossAdapterSteps = 0
        snapshots = 0
        snapshotFailures = 0
        promotions = 0
        rejections = 0
        rollbacks = 0
        declinedRollbacks = 0
        adaptations = 0
        lastDecision = nil
        curve = []
    }

    enum CodingKeys: String, CodingKey {
        case name, liveVersion = "live_version", labels, examplesSeen = "examples_seen"
        case examplesTrained = "examples_trained", examplesSkipped = "examples_skipped", holdoutExamples = "holdout_examples", steps
        case lastTrainLoss = "last_train_loss", prequential, lastSnapshot = "last_snapshot", partitions
        case heldOut = "held_out", skippedRedeliveries = "skipped_redeliveries", skippedSteps = "skipped_steps"
        case crossAdapterSteps = "cross_adapter_steps", snapshots, snapshotFailures = "snapshot_failures"
        case promotions, rejections, rollbacks, declinedRollbacks = "declined_rollbacks", adaptations
        case lastDecision = "last_decision", curve
    }
}

/// A point of the prequential learning curve.
package struct CurvePoint: Sendable, Codable, Equatable {
    package var examples: Int
    package var accuracy: Double
    package var logLoss: Double

    package init(examples: Int, accuracy: Double, logLoss: Double) {
        self.examples = examples
        self.accuracy = accuracy
        self.logLoss = logLoss
    }

    enum CodingKeys: String, CodingKey {
        case examples, accuracy, logLoss = "log_loss"
    }
}
