/// Page-Hinkley (CUSUM-style) change detector on a fading mean, bit-for-bit River 0.26.1.
///
/// Per value, with running mean x̄ (River's `stats.Mean`: `x̄ += (1/n)(x - x̄)`):
///
///     S⁺ = α·S⁺ + (x - x̄) - δ     m⁺ = min(m⁺, S⁺)      test⁺ = S⁺ - m⁺
///     S⁻ = α·S⁻ + (x - x̄) + δ     M⁻ = max(M⁻, S⁻)      test⁻ = M⁻ - S⁻
///
/// A drift is signalled once `n ≥ minInstances` and the test for `mode` exceeds `threshold`.
/// River starts `m⁺ = +∞` and `M⁻ = -1` (not -∞); kept for parity. Like River, the detector
/// resets at the start of the `update` after a detection.
package struct PageHinkley: ConceptDriftDetector, Sendable {
    /// Which direction of mean change to detect.
    package enum Mode: String, Sendable, Codable, CaseIterable {
        case up, down, both
    }

    /// Values needed before any detection.
    package let minInstances: Int
    /// Magnitude of change tolerated per value (δ).
    package let delta: Double
    /// Detection threshold (λ).
    package let threshold: Double
    /// Forgetting factor applied to the cumulative sums (α).
    package let alpha: Double
    /// Direction(s) tested.
    package let mode: Mode

    /// Whether the last `update` detected a drift.
    package private(set) var driftDetected = false
    /// Values since the last reset.
    package private(set) var count = 0.0
    /// Running mean since the last reset.
    package private(set) var mean = 0.0
    /// Cumulative sum for increases, S⁺.
    private(set) var sumIncrease = 0.0
    /// Cumulative sum for decreases, S⁻.
    private(set) var sumDecrease = 0.0
    /// Minimum of S⁺ so far, m⁺.
    private(set) var minIncrease = Double.infinity
    /// Maximum of S⁻ so far, M⁻.
    private(set) var maxDecrease = -1.0
    /// `count` at the last ``reanchor(mean:count:)`` (0 otherwise).
    private var countAtAnchor = 0.0
    /// `count` when m⁺ was last lowered and when M⁻ was last raised: where each cumulative sum
    /// turned for good, Page's estimate of the change point.
    private(set) var countAtMinIncrease = 0.0
    private(set) var countAtMaxDecrease = 0.0

    /// Creates a detector with River's defaults unless told otherwise.
    init(minInstances: Int = 30, delta: Double = 0.005, threshold: Double = 50.0,
                alpha: Double = 1 - 0.0001, mode: Mode = .both) {
        precondition(minInstances >= 1, "PageHinkley minInstances must be >= 1, got \(minInstances)")
        precondition(threshold > 0, "PageHinkley threshold must be > 0, got \(threshold)")
        self.minInstances = minInstances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
        self.mode = mode
    }

    /// The running mean (what the detector compares new values against).
    package var estimation: Double { mean }

    /// Test statistic for an increase of the mean, S⁺ - m⁺.
    var increaseStatistic: Double { sumIncrease - minIncrease }

    /// Test statistic for a decrease of the mean, M⁻ - S⁻.
    var decreaseStatistic: Double { maxDecrease - sumDecrease }

    /// The statistic of the tested direction (the larger one for `both`) and λ, while a drift is flagged.
    package var alarmStatistic: (statistic: Double, threshold: Double)? {
        guard driftDetected else { return nil }
        switch mode {
        case .up: return (increaseStatistic, threshold)
        case .down: return (decreaseStatistic, threshold)
        case .both: return (max(increaseStatistic, decreaseStatistic), threshold)
        }
    }

    /// After a detection, the values since the tested sum was last at its extreme (m⁺ for an
    /// increase, M⁻ for a decrease): the cumulative sum of deviations falls, less δ, while the mean
    /// holds and climbs from the change on, so its last minimum is Page's estimate of where the
    /// change began. Detection is unchanged (River parity); this only says which recent values
    /// the detector attributes to the new regime, as ADWIN's window after its cut does.
    package var valuesSinceChange: Int? {
        guard driftDetected else { return nil }
        let up = Int(count - countAtMinIncrease), down = Int(count - countAtMaxDecrease)
        switch mode {
        case .up: return up
        case .down: return down
        case .both: return increaseStatistic > threshold ? up : down
        }
    }

    /// Feeds one value; returns whether it triggered a drift.
    @discardableResult
    package mutating func update(_ x: Double) -> Bool {
        if driftDetected { reset() }
        count += 1
        mean += (1.0 / count) * (x - mean)
        let deviation = x - mean
        sumIncrease = alpha * sumIncrease + deviation - delta
        sumDecrease = alpha * sumDecrease + deviation + delta
        if sumIncrease < minIncrease {
            minIncrease = sumIncrease
            countAtMinIncrease = count
        }
        if sumDecrease > maxDecrease {
            maxDecrease = sumDecrease
            countAtMaxDecrease = count
        }
        if count - countAtAnchor >= Double(minInstances) {
            let up = increaseStatistic > threshold
            let down = decreaseStatistic > threshold
            switch mode {
            case .up: driftDetected = up
            case .down: driftDetected = down
            case .both: driftDetected = up || down
            }
        }
        return driftDetected
    }

    /// Restarts the test from a known level: statistics cleared, the running mean set to `mean`
    /// as if `count` values with that mean had been seen (no detection before `minInstances`
    /// further values). A restart from nothing would judge the next values against the noisy
    /// mean of its first few; an estimate from many values keeps the false-alarm rate.
    mutating func reanchor(mean: Double, count: Double) {
        reset()
        self.mean = mean
        self.count = max(0, count)
        countAtAnchor = self.count
    }

    /// Clears the statistics and the detection flag; parameters are kept.
    package mutating func reset() {
        driftDetected = false
        count = 0
        mean = 0
        sumIncrease = 0
        sumDecrease = 0
        minIncrease = .infinity
        maxDecrease = -1
        countAtAnchor = 0
        countAtMinIncrease = 0
        countAtMaxDecrease = 0
    }
}
