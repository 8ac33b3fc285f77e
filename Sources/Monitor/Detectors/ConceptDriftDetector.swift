/// A univariate concept-drift detector fed one value at a time (prequential error, loss, …).
///
/// Semantics follow River's `DriftDetector`: `update` consumes one value and reports whether a
/// drift was detected *by that value*; the detector resets itself at the start of the next
/// `update` after a detection, exactly as River 0.26.1 does.
package protocol ConceptDriftDetector: Sendable {
    /// Whether the last `update` detected a drift.
    var driftDetected: Bool { get }

    /// The detector's current estimate of the monitored mean (River's `estimation` for ADWIN,
    /// the running mean for Page-Hinkley).
    var estimation: Double { get }

    /// The test statistic and the threshold it crossed at the last detection (`nil` before any).
    var alarmStatistic: (statistic: Double, threshold: Double)? { get }

    /// Feeds one value.
    /// - Returns: `true` when this value triggered a drift detection.
    @discardableResult
    mutating func update(_ x: Double) -> Bool

    /// Forgets everything seen so far; the parameters are kept.
    mutating func reset()

    /// After a detection, how many of the latest values the detector attributes to the new
    /// regime (ADWIN: its window after the cut; Page–Hinkley: the values since its tested
    /// cumulative sum was last at its extreme); nil when it cannot tell.
    var valuesSinceChange: Int? { get }
}

extension ConceptDriftDetector {
    package var valuesSinceChange: Int? { nil }
}
