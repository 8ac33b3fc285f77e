import API
import Registry

/// Values exchanged between ``AdapterSession`` and the serve loop.
extension AdapterSession {
    /// What to do with an arriving message.
    package enum Admission: Sendable, Equatable {
        /// Already reflected in the adapter's persisted or in-memory state (a redelivery): drop it.
        case skip
        /// Predict it, then ``AdapterSession/addHoldout(_:partition:offset:)``; never train on it.
        case holdout
        /// Predict it, then ``AdapterSession/enqueue(_:key:partition:offset:now:)``.
        case train
    }

    /// A fresh example waiting for, or taking part in, a train step.
    package struct Fresh: Sendable {
        let example: Example
        let key: ExampleKey
        let partition: Int32
        let offset: Int64
    }

    /// One train step's worth of work.
    package struct TrainBatch: Sendable {
        /// New examples, in arrival order (their offsets become applied after the step).
        package let fresh: [Fresh]
        /// Examples drawn from the replay reservoir (already counted; not digested again).
        package let replay: [Example]
        /// 1-based number of this update.
        package let step: Int
        /// Multiplier for both learning rates (warm-up/decay).
        package let learningRateMultiplier: Double
        /// Extra multiplier for the head learning rate (after a drift, else 1).
        package var headLearningRateBoost: Double = 1
        /// Head-only refit passes on this batch's rows after its step (during an incident, else 0).
        package var headRefitPasses = 0

        /// Everything to train on: fresh first, then replay. Pad to the longest of these.
        package var examples: [Example] { fresh.map(\.example) + replay }
    }

    /// The lineage counters a version's manifest carries; training continues from them.
    package struct Lineage: Sendable, Equatable {
        /// Digest of every example trained into this lineage.
        package var digest: TrainedIDsDigest
        /// Fresh examples trained into this lineage.
        package var examplesTrained: Int
        /// Updates taken.
        package var steps: Int
        /// Fresh examples of steps the non-finite guard skipped (consumed, never trained).
        package var examplesSkipped: Int

        package init(digest: TrainedIDsDigest = TrainedIDsDigest(), examplesTrained: Int = 0, steps: Int = 0,
                    examplesSkipped: Int = 0) {
            self.digest = digest
            self.examplesTrained = examplesTrained
            self.steps = steps
            self.examplesSkipped = examplesSkipped
        }
    }

    /// What a snapshot taken now must record in its manifest.
    package struct SnapshotContents: Sendable, Equatable {
        package let lineage: Lineage
        /// Per-partition next offsets (last + 1) whose effect is in the weights.
        package let offsets: [Int32: Int64]
        package let prequential: PrequentialSummary
    }

    /// What a finished train step calls for.
    package struct StepOutcome: Sendable, Equatable {
        /// Roll back or reload (from the rollback monitor), if anything.
        package let rollback: RollbackDecision?
        /// Take a snapshot now, if due (ignored while a rollback is pending).
        package let snapshot: SnapshotPolicy.Trigger?
    }
}
