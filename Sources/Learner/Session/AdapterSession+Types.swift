import Registry

/// Values exchanged between ``AdapterSession`` and the serve loop.
extension AdapterSession {
    /// What to do with an arriving message.
    public enum Admission: Sendable, Equatable {
        /// Already reflected in the adapter's persisted or in-memory state (a redelivery): drop it.
        case skip
        /// Predict it, then ``AdapterSession/addHoldout(_:partition:offset:)``; never train on it.
        case holdout
        /// Predict it, then ``AdapterSession/enqueue(_:key:partition:offset:now:)``.
        case train
    }

    /// A fresh example waiting for, or taking part in, a train step.
    public struct Fresh: Sendable {
        public let example: Example
        public let key: ExampleKey
        public let partition: Int32
        public let offset: Int64
    }

    /// One train step's worth of work.
    public struct TrainBatch: Sendable {
        /// New examples, in arrival order (their offsets become applied after the step).
        public let fresh: [Fresh]
        /// Examples drawn from the replay reservoir (already counted; not digested again).
        public let replay: [Example]
        /// 1-based number of this update.
        public let step: Int
        /// Multiplier for both learning rates (warm-up/decay).
        public let learningRateMultiplier: Double
        /// Extra multiplier for the head learning rate (after a drift, else 1).
        public var headLearningRateBoost: Double = 1

        /// Everything to train on: fresh first, then replay. Pad to the longest of these.
        public var examples: [Example] { fresh.map(\.example) + replay }
    }

    /// The lineage counters a version's manifest carries; training continues from them.
    public struct Lineage: Sendable, Equatable {
        /// Digest of every example trained into this lineage.
        public var digest: TrainedIDsDigest
        /// Fresh examples trained into this lineage.
        public var examplesTrained: Int
        /// Updates taken.
        public var steps: Int
        /// Fresh examples of steps the non-finite guard skipped (consumed, never trained).
        public var examplesSkipped: Int

        public init(digest: TrainedIDsDigest = TrainedIDsDigest(), examplesTrained: Int = 0, steps: Int = 0,
                    examplesSkipped: Int = 0) {
            self.digest = digest
            self.examplesTrained = examplesTrained
            self.steps = steps
            self.examplesSkipped = examplesSkipped
        }
    }

    /// What a snapshot taken now must record in its manifest.
    public struct SnapshotContents: Sendable, Equatable {
        public let lineage: Lineage
        /// Per-partition next offsets (last + 1) whose effect is in the weights.
        public let offsets: [Int32: Int64]
        public let prequential: PrequentialSnapshot
    }

    /// What a finished train step calls for.
    public struct StepOutcome: Sendable, Equatable {
        /// Roll back or reload (from the rollback monitor), if anything.
        public let rollback: RollbackDecision?
        /// Take a snapshot now, if due (ignored while a rollback is pending).
        public let snapshot: SnapshotPolicy.Trigger?
    }
}
