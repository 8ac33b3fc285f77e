import Foundation

/// ADaptive WINdowing drift detector (Bifet & Gavaldà, 2007), bit-for-bit River 0.26.1.
///
/// The window is kept as exponential histogram rows (see `ADWIN+Buckets.swift`): row `i` holds
/// up to `maxBuckets + 1` summaries of `2^i` values each. Every `clock` values (once more than
/// `gracePeriod` values are in the window) each split point between buckets is tested with
/// the ADWIN cut bound; on a cut the oldest bucket is dropped and the test repeats.
///
/// River parity matters because the product promises "River's defaults are the reference": the
/// arithmetic order of every update (Welford-style variance, bucket merge, delete) is the same
/// as River's Rust core, so detections happen at exactly River's indices. As in River, after a
/// detection the *next* `update` starts from a fresh window.
package struct ADWIN: ConceptDriftDetector, Sendable {
    /// Significance of the cut test (smaller: fewer false alarms, later detections).
    package let delta: Double
    /// Check for a change every `clock` values.
    package let clock: Int
    /// Summaries per row before the two oldest are merged into the next row.
    package let maxBuckets: Int
    /// Minimum size of each sub-window considered by the cut test.
    package let minWindowLength: Int
    /// No change detection before the window holds more than this many values.
    package let gracePeriod: Int

    /// Whether the last `update` detected a drift.
    package private(set) var driftDetected = false

    var rows: [BucketRow]
    /// Number of values in the window (River keeps it as a double; so do we for parity).
    var windowWidth = 0.0
    /// Sum of the values in the window.
    package internal(set) var total = 0.0
    /// Sum of squared deviations from the window mean (River's `variance`, not divided by width).
    package internal(set) var variance = 0.0
    var tick = 0
    var helperDetections = 0
    /// The mean gap |μ₀ − μ₁| and ADWIN's bound ε at the last cut (the alarm's statistic and threshold).
    private(set) var lastCut: (gap: Double, bound: Double)?

    /// Creates a detector with River's defaults unless told otherwise.
    init(delta: Double = 0.002, clock: Int = 32, maxBuckets: Int = 5,
                minWindowLength: Int = 5, gracePeriod: Int = 10) {
        precondition(delta > 0 && delta < 1, "ADWIN delta must be in (0, 1), got \(delta)")
        precondition(clock >= 1, "ADWIN clock must be >= 1, got \(clock)")
        precondition(maxBuckets >= 2, "ADWIN maxBuckets must be >= 2, got \(maxBuckets)")
        self.delta = delta
        self.clock = clock
        self.maxBuckets = maxBuckets
        self.minWindowLength = minWindowLength
        self.gracePeriod = gracePeriod
        self.rows = [BucketRow(capacity: maxBuckets + 1)]
    }

    /// Number of values currently in the adaptive window.
    package var width: Int { Int(windowWidth) }

    /// After a cut, the window holds only the values after it.
    package var valuesSinceChange: Int? { width }

    /// |μ₀ − μ₁| and the bound ε at the last cut.
    package var alarmStatistic: (statistic: Double, threshold: Double)? { lastCut.map { ($0.gap, $0.bound) } }

    /// Mean of the window (0 when empty), River's `estimation`.
    package var estimation: Double { windowWidth == 0 ? 0 : total / windowWidth }

    /// Detections since the last reset. Like River's `n_detections` this restarts at zero when
    /// the detector resets itself after a detection, so it is at most 1; count detections
    /// yourself (as `DriftMonitor` does) for a lifetime total.
    var nDetections: Int { helperDetections }

    /// Feeds one value; returns whether it triggered a drift.
    @discardableResult
    package mutating func update(_ x: Double) -> Bool {
        if driftDetected { reset() }
        insert(x)
        driftDetected = detectChange()
        return driftDetected
    }

    /// Empties the window and clears the detection flag; parameters are kept.
    package mutating func reset() {
        driftDetected = false
        rows = [BucketRow(capacity: maxBuckets + 1)]
        windowWidth = 0
        total = 0
        variance = 0
        tick = 0
        helperDetections = 0
        lastCut = nil
    }

    /// Runs the cut test on every `clock`-th value; drops oldest buckets while a cut holds.
    private mutating func detectChange() -> Bool {
        var detected = false
        tick += 1
        guard tick % clock == 0, windowWidth > Double(gracePeriod) else { return false }
        var cutFound = true
        while cutFound {
            let cut = scanForCut()
            cutFound = cut != nil
            if let cut {
                if !detected { lastCut = cut }
                detected = true
                if windowWidth > 0 { deleteOldestBucket() }
            }
        }
        if detected { helperDetections += 1 }
        return detected
    }

    /// Walks split points from the oldest bucket to the newest (the newest single value never
    /// forms a sub-window on its own); returns at the first split whose means differ by more
    /// than the ADWIN bound, with that gap and bound.
    private func scanForCut() -> (gap: Double, bound: Double)? {
        var n0 = 0.0, n1 = windowWidth
        var u0 = 0.0, u1 = total
        let minLength = Double(minWindowLength)
        for level in stride(from: rows.count - 1, through: 0, by: -1) {
            let size = Double(1 << level)
            let row = rows[level]
            for k in 0..<row.count {
                n0 += size
                n1 -= size
                let t = row.totals[k]
                u0 += t
                u1 -= t
                if level == 0 && k == row.count - 1 { return nil }
                let meanGap = (u0 / n0) - (u1 / n1)
                if n1 >= minLength && n0 >= minLength {
                    let bound = cutBound(n0: n0, n1: n1)
                    if abs(meanGap) > bound { return (abs(meanGap), bound) }
                }
            }
        }
        return nil
    }

    /// ADWIN's bound: |mean(W0) - mean(W1)| > sqrt(2 m σ² δ') + 2/3 δ' m, m = 1/n0' + 1/n1'.
    private func cutBound(n0: Double, n1: Double) -> Double {
        let minLength = Double(minWindowLength)
        let deltaPrime = log(2.0 * log(windowWidth) / delta)
        let mRecip = 1.0 / (n0 - minLength + 1.0) + 1.0 / (n1 - minLength + 1.0)
        return (2.0 * mRecip * (variance / windowWidth) * deltaPrime).squareRoot()
            + 2.0 / 3.0 * deltaPrime * mRecip
    }
}
