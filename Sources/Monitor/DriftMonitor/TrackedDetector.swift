/// A detector plus its lifetime bookkeeping inside a `DriftMonitor`.
///
/// With `onlyIncreases` a detection counts as an alarm only when the monitored mean rose (the
/// error or loss got worse): ADWIN cuts on any change of the mean, and a falling error while the
/// learner learns is not an incident. Such cuts are counted as `improvements` and not alarmed.
struct TrackedDetector<Detector: ConceptDriftDetector>: Sendable {
    var detector: Detector
    let fresh: Detector
    let onlyIncreases: Bool
    var detections = 0
    var improvements = 0
    var lastDetectionIndex: Int?
    var lastAlarm: ConceptAlarm?

    init(_ detector: Detector, onlyIncreases: Bool) {
        self.detector = detector
        self.fresh = detector
        self.onlyIncreases = onlyIncreases
    }

    /// Feeds one value.
    /// - Returns: the alarm when this value triggered a (degradation) detection.
    mutating func update(_ x: Double, at index: Int, name: String, signal: String) -> ConceptAlarm? {
        let before = detector.estimation
        guard detector.update(x) else { return nil }
        let after = detector.estimation
        if onlyIncreases && after <= before {
            improvements += 1
            return nil
        }
        detections += 1
        lastDetectionIndex = index
        let stat = detector.alarmStatistic
        let alarm = ConceptAlarm(detector: name, signal: signal, index: index, statistic: stat?.statistic ?? 0,
                                 threshold: stat?.threshold ?? 0, meanBefore: before, meanAfter: after,
                                 sinceChange: detector.valuesSinceChange)
        lastAlarm = alarm
        return alarm
    }

    /// New detector state; lifetime counts are kept.
    mutating func reset() { detector = fresh }
}

/// One concept-drift alarm: which detector on which signal, where, and the numbers behind it.
package struct ConceptAlarm: Sendable, Codable, Equatable {
    /// `adwin` or `page_hinkley`.
    package var detector: String
    /// `error` or `loss`.
    package var signal: String
    /// Stream index of the example that triggered it.
    package var index: Int
    /// ADWIN: the gap |μ₀ − μ₁| between the sub-windows; Page-Hinkley: S⁺ − m⁺ (or S⁻ side).
    package var statistic: Double
    /// ADWIN: the bound ε (at confidence δ); Page-Hinkley: λ.
    package var threshold: Double
    /// The detector's mean estimate before and after the value (ADWIN: whole window, then the
    /// window after the cut; Page-Hinkley: its running mean).
    package var meanBefore: Double
    package var meanAfter: Double
    /// How many of the latest examples the detector attributes to the new regime (ADWIN's
    /// window after the cut; nil for Page–Hinkley).
    package var sinceChange: Int?

    package init(detector: String, signal: String, index: Int, statistic: Double, threshold: Double,
                meanBefore: Double, meanAfter: Double, sinceChange: Int? = nil) {
        self.detector = detector
        self.signal = signal
        self.index = index
        self.statistic = statistic
        self.threshold = threshold
        self.meanBefore = meanBefore
        self.meanAfter = meanAfter
        self.sinceChange = sinceChange
    }

    enum CodingKeys: String, CodingKey {
        case detector, signal, index, statistic, threshold, meanBefore = "mean_before", meanAfter = "mean_after"
        case sinceChange = "since_change"
    }

    /// One line for logs and the journal.
    package var description: String {
        "\(detector) on \(signal) at example \(index): statistic \(formatted(statistic)) > threshold \(formatted(threshold)), mean \(formatted(meanBefore)) → \(formatted(meanAfter))"
    }

    private func formatted(_ x: Double) -> String {
        x.isFinite ? String(Double((x * 10_000).rounded()) / 10_000) : "\(x)"
    }
}

/// Mean and spread of a signal over the learner's warm-up (Welford), to express later values
/// in units of its standard deviation — until ``rebase(deviation:)`` sets the spread of a later
/// regime (the error's spread moves with its level: √(p(1−p)) is 0.3 at p = 0.9, 0.49 at 0.4).
struct RunningSpread: Sendable {
    private(set) var count = 0
    private(set) var mean = 0.0
    private var squares = 0.0
    private var rebased: Double?

    /// Uses `deviation` from now on (ignored unless positive and finite).
    mutating func rebase(deviation: Double) {
        if deviation > 1e-6 && deviation.isFinite { rebased = deviation }
    }

    mutating func add(_ x: Double) {
        count += 1
        let d = x - mean
        mean += d / Double(count)
        squares += d * (x - mean)
    }

    /// Standard deviation; 1 when unknown or degenerate (then values pass unscaled).
    var deviation: Double {
        if let rebased { return rebased }
        guard count >= 2 else { return 1 }
        let s = (squares / Double(count - 1)).squareRoot()
        return s > 1e-6 && s.isFinite ? s : 1
    }

    func scaled(_ x: Double) -> Double { x / deviation }
}
