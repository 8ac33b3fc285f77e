import Registry

/// Decides, deterministically, which examples form the holdout slice.
///
/// An example is held out when the stable hash of its ``ExampleKey``, mapped to `[0, 1)`,
/// falls below `share`. The decision depends only on the key, so it is identical across
/// restarts, replays after a crash, and agents in the same consumer group: a held-out
/// example is never trained on, no matter how often it is redelivered.
///
/// Holdout examples are still *predicted* (they count in prequential metrics, because
/// prediction is test-before-train anyway) and are appended to a `BoundedBuffer` (Monitor) that
/// the ``PromotionGate`` evaluates candidates on.
package struct HoldoutSplitter: Sendable, Equatable {
    /// Fraction of the stream held out, in `[0, 1)`.
    package let share: Double

    /// - Parameter share: fraction in `[0, 1)`; `0` disables the holdout (and with it the gate's evidence).
    /// - Precondition: `0 <= share < 1` (validated earlier by ``PipelineConfig``).
    package init(share: Double) {
        precondition(share >= 0 && share < 1, "holdout share must be in [0, 1), got \(share)")
        self.share = share
    }

    /// Whether the example with this key belongs to the holdout slice.
    package func isHoldout(_ key: ExampleKey) -> Bool {
        isHoldout(hash: key.stableHash)
    }

    /// Whether an example whose stable hash is `hash` belongs to the holdout slice.
    package func isHoldout(hash: UInt64) -> Bool {
        StableHash.unitInterval(hash) < share
    }
}
