import Monitor

/// Watches the live lineage after a promotion and decides when to roll back.
///
/// Three triggers, each a symptom the holdout gate can miss because it judged the
/// candidate on the past while the stream moves on:
/// - **metric drop**: after a promotion, once `minExamples` prequential outcomes were seen,
///   the metric over the last `window` of them is worse than the pre-promotion level by more
///   than `metricDrop` *and* by more than `noiseZ` standard errors of that difference. A
///   window of 200 outcomes at 60 % accuracy has a standard error of 3.5 points, so a fixed
///   threshold alone fires on sampling noise again and again during a long watch; the noise
///   bound makes the check a one-sided two-sample z-test (pooled proportion for accuracy, the
///   window's own spread for log-loss);
/// - **loss spike**: `lossSpikeSteps` consecutive train steps each with a loss above
///   max(`lossSpikeFloor`, `lossSpikeK` × the median of the last `lossHistory` ordinary losses),
///   once `lossWarmupSteps` losses are in. The median cannot be dragged by one hard batch, the
///   floor keeps a near-perfect stream (median 0.001) from alarming on a loss of 0.01, and the
///   run length means a single hard batch never trips it — a poisoned burst does;
/// - **non-finite weights**. A non-finite *loss* is no incident of the version: the train step's
///   guard skipped that update (weights, moments and step count unchanged, its examples counted
///   as skipped), so there is nothing to roll back and such a loss is ignored here.
///
/// A metric drop only says the stream got harder for the live lineage; the caller confirms it
/// with a paired test of live against its predecessor on the same recent holdout
/// (``PairedComparison``) before rolling back. A confirmed concept drift (``driftConfirmed()``)
/// ends the comparison with the pre-drift level: the stream changed, not the version.
///
/// A pure state machine: the loop feeds it observations and acts on the returned
/// ``RollbackDecision``; it then calls ``rolledBack()`` (or ``promoted(version:previous:baseline:)`` on the
/// next promotion). After a decision the monitor stays quiet until one of those calls, so
/// one incident yields one decision.
struct RollbackMonitor: Sendable {
    /// Thresholds (from `rollback:` and `gate.metric` in the pipeline).
    struct Settings: Sendable, Equatable {
        var metric: QualityMetric
        /// Allowed worsening of the windowed metric vs the pre-promotion level (> 0).
        var metricDrop: Double
        /// Window of prequential outcomes since the promotion (≥ 1).
        var window: Int
        /// Outcomes since the promotion before the metric check may fire (≥ 1).
        var minExamples: Int
        /// Outcomes after a promotion during which it stays under watch (0 = until the next promotion).
        /// After that, the version is trusted: incidents reload live instead of rolling it back.
        var watchExamples: Int
        /// Spike factor k on the median loss (> 1).
        var lossSpikeK: Double
        /// Absolute loss a spike must exceed (≥ 0).
        var lossSpikeFloor: Double
        /// Consecutive spiking steps that trip the rule (≥ 1).
        var lossSpikeSteps: Int
        /// Ordinary losses the median is taken over (≥ 1).
        var lossHistory: Int
        /// Train steps recorded before spikes are judged.
        var lossWarmupSteps: Int
        /// A metric drop must also exceed this many standard errors of the difference (≥ 0;
        /// 0 = the fixed `metricDrop` alone).
        var noiseZ: Double

        init(metric: QualityMetric = .accuracy, metricDrop: Double = 0.05, window: Int = 200,
                    minExamples: Int = 100, watchExamples: Int = 2000, lossSpikeK: Double = 3,
                    lossSpikeFloor: Double = 1, lossSpikeSteps: Int = 3, lossHistory: Int = 50,
                    lossWarmupSteps: Int = 20, noiseZ: Double = 3) {
            self.metric = metric
            self.metricDrop = metricDrop
            self.window = window
            self.minExamples = minExamples
            self.watchExamples = watchExamples
            self.lossSpikeK = lossSpikeK
            self.lossSpikeFloor = lossSpikeFloor
            self.lossSpikeSteps = lossSpikeSteps
            self.lossHistory = lossHistory
            self.lossWarmupSteps = lossWarmupSteps
            self.noiseZ = noiseZ
        }
    }

    let settings: Settings

    /// Pre-promotion metric level while a promotion is watched.
    private(set) var baseline: Double?
    /// Outcomes the baseline was measured on (0: unknown, treated as exact).
    private(set) var baselineCount = 0
    /// Outcomes observed since the watched promotion.
    private(set) var examplesSincePromotion = 0
    /// Recent ordinary (non-spiking) train-step losses.
    private var losses: BoundedBuffer<Double>
    /// Finite train losses recorded since the last reset.
    private(set) var lossSteps = 0
    /// Losses of the current run of spiking steps.
    private(set) var spikeRun: [Double] = []
    /// Whether a decision was returned and not yet acknowledged.
    private(set) var isTripped = false

    /// The watched promotion: the version made live and the one it replaced.
    private(set) var watched: (version: String, previous: String?)?
    private var recent: BoundedBuffer<(correct: Bool, loss: Double)>
    private var recentTotals = MetricTotals()
    /// Sum of squared losses in `recent` (the log-loss spread).
    private var recentSquares = 0.0

    init(settings: Settings) {
        precondition(settings.window >= 1, "rollback window must be >= 1")
        precondition(settings.lossHistory >= 1 && settings.lossSpikeSteps >= 1, "loss history and spike steps must be >= 1")
        self.settings = settings
        recent = BoundedBuffer(capacity: settings.window)
        losses = BoundedBuffer(capacity: settings.lossHistory)
    }

    /// Median of the recent ordinary losses (`nil` before any).
    var lossMedian: Double? {
        let sorted = losses.elements.sorted()
        guard !sorted.isEmpty else { return nil }
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// A version was promoted; start watching it.
    /// - Parameters:
    ///   - version: the version now live.
    ///   - previous: the version it replaced (`nil`: the base model was serving).
    ///   - baseline: the windowed prequential metric just before the promotion (`nil` when
    ///     unknown: then only loss and finiteness are watched).
    ///   - baselineCount: how many outcomes `baseline` was measured on (0: unknown).
    mutating func promoted(version: String, previous: String?, baseline: Double?, baselineCount: Int = 0) {
        self.baseline = baseline
        self.baselineCount = max(baselineCount, 0)
        watched = (version, previous)
        examplesSincePromotion = 0
        clearRecent()
        isTripped = false
    }

    private mutating func clearRecent() {
        recent.removeAll()
        recentTotals = MetricTotals()
        recentSquares = 0
    }

    /// A rollback (or reload) was carried out: forget the incident and re-learn the loss level.
    mutating func rolledBack() {
        baseline = nil
        baselineCount = 0
        watched = nil
        examplesSincePromotion = 0
        clearRecent()
        clearLosses()
        isTripped = false
    }

    /// The concept detectors confirmed a change of the stream: the pre-promotion level no longer
    /// describes it, and the loss level is a new regime. The watch on non-finite values goes on.
    mutating func driftConfirmed() {
        baseline = nil
        baselineCount = 0
        clearRecent()
        clearLosses()
    }

    /// The returned decision was looked at and not carried out (a paired test found the drop
    /// shared by the predecessor): watch again.
    mutating func acknowledge() {
        isTripped = false
    }

    private mutating func clearLosses() {
        losses.removeAll()
        lossSteps = 0
        spikeRun = []
    }

    /// Feeds one prequential outcome (predicted before training).
    mutating func observe(_ outcome: PredictionOutcome) -> RollbackDecision? {
        guard watched != nil, !isTripped else { return nil }
        examplesSincePromotion += 1
        if settings.watchExamples > 0, examplesSincePromotion > settings.watchExamples {
            // The version proved itself; stop comparing against an ever older baseline.
            watched = nil
            baseline = nil
            return nil
        }
        let sample = (correct: outcome.isCorrect, loss: outcome.loss)
        recentTotals.add(correct: sample.correct, loss: sample.loss)
        recentSquares += sample.loss * sample.loss
        if let evicted = recent.append(sample) {
            recentTotals.remove(correct: evicted.correct, loss: evicted.loss)
            recentSquares = recentTotals.count > 0 ? max(0, recentSquares - evicted.loss * evicted.loss) : 0
        }
        guard let baseline,
              examplesSincePromotion >= max(settings.minExamples, 1),
              let current = recentTotals.value(settings.metric)
        else { return nil }
        let worsening = settings.metric.higherIsBetter ? baseline - current : current - baseline
        let noise = settings.noiseZ * standardError(current: current, baseline: baseline)
        let allowed = max(settings.metricDrop, noise)
        // Same rounding slack as the gate: a drop of exactly the allowance is allowed.
        guard worsening > allowed + PromotionGate.epsilon else { return nil }
        let name = "windowed \(settings.metric.displayName) \(formatFixed(current, 3))"
        let over = " over the last \(recentTotals.count) examples"
        let comparison = settings.metric.higherIsBetter ? "<" : ">"
        let sign = settings.metric.higherIsBetter ? "−" : "+"
        let allowance = noise > settings.metricDrop
            ? "\(formatFixed(noise, 3)) (\(formatSetting(settings.noiseZ)) standard errors; metric_drop \(formatSetting(settings.metricDrop)))"
            : formatSetting(settings.metricDrop)
        return trip(.metricDrop, "\(name)\(over) \(comparison) pre-promotion \(formatFixed(baseline, 3)) \(sign) \(allowance)")
    }

    /// Standard error of (current − baseline): for accuracy from the pooled proportion, for
    /// log-loss from the window's own spread; the baseline's share counts when its size is known.
    private func standardError(current: Double, baseline: Double) -> Double {
        let n = Double(recentTotals.count), m = Double(baselineCount)
        guard n > 0, settings.noiseZ > 0 else { return 0 }
        let variance: Double
        switch settings.metric {
        case .accuracy:
            let pooled = m > 0 ? (current * n + baseline * m) / (n + m) : current
            variance = pooled * (1 - pooled)
        case .logLoss:
            variance = max(0, recentSquares / n - current * current)
        }
        return (variance * (1 / n + (m > 0 ? 1 / m : 0))).squareRoot()
    }

    /// Feeds one train step's mean loss and whether the updated weights are all finite.
    ///
    /// A non-finite loss with finite weights is a step the guard skipped: it neither trips the
    /// monitor nor enters the loss history (a skipped step must not move live versions).
    mutating func observeTrainStep(loss: Double, weightsFinite: Bool) -> RollbackDecision? {
        guard !isTripped else { return nil }
        if !weightsFinite {
            return trip(.nonFiniteWeights, "non-finite weights after a train step (loss \(loss))")
        }
        guard loss.isFinite else { return nil }
        if lossSteps >= settings.lossWarmupSteps, let median = lossMedian {
            let limit = max(settings.lossSpikeFloor, settings.lossSpikeK * median)
            if loss > limit {
                spikeRun.append(loss)
                guard spikeRun.count >= settings.lossSpikeSteps else { return nil }
                let run = spikeRun.map { formatFixed($0, 3) }.joined(separator: ", ")
                return trip(.lossSpike, "train loss above max(floor \(formatSetting(settings.lossSpikeFloor)), "
                    + "\(formatSetting(settings.lossSpikeK)) × median \(formatFixed(median, 3))) = \(formatFixed(limit, 3)) "
                    + "for \(spikeRun.count) consecutive steps (\(run)) after \(lossSteps) steps")
            }
        }
        // An ordinary step ends a run; spiking losses never enter the median they are judged by.
        spikeRun = []
        _ = losses.append(loss)
        lossSteps += 1
        return nil
    }

    private mutating func trip(_ trigger: RollbackDecision.Trigger, _ reason: String) -> RollbackDecision {
        isTripped = true
        let action: RollbackDecision.Action
        if let watched {
            action = .rollBack(from: watched.version, to: watched.previous)
        } else {
            action = .reloadLive
        }
        return RollbackDecision(trigger: trigger, action: action, reason: reason)
    }
}

/// What the rollback monitor wants done, and why.
package struct RollbackDecision: Sendable, Equatable, CustomStringConvertible {
    /// What was observed.
    package enum Trigger: String, Sendable, Equatable, Codable, CaseIterable {
        case metricDrop = "metric_drop"
        case lossSpike = "loss_spike"
        case nonFiniteWeights = "non_finite_weights"
        /// A concept incident's adapted candidate lost to live on post-incident holdout: what was
        /// learned since the alarm is no concept the stream keeps (a poisoned burst), discarded.
        case incidentRejected = "incident_rejected"
        /// Candidates kept failing the gate on non-finite holdout outputs (``BlownTrainerWatch``).
        case nonFiniteOutputs = "non_finite_outputs"
    }

    /// What the loop should do.
    package enum Action: Sendable, Equatable, CustomStringConvertible {
        /// A promotion is under watch: make `to` live again (`nil`: no version, serve the base
        /// model), journal `rollback`, and continue training from it.
        case rollBack(from: String, to: String?)
        /// No promotion is under watch, so live is not suspect: discard the trainer's state
        /// since the live version and continue training from live.
        case reloadLive

        package var description: String {
            switch self {
            case .rollBack(let from, let to): return "rollback \(from) → \(to ?? "base model")"
            case .reloadLive: return "reload live"
            }
        }
    }

    package let trigger: Trigger
    package let action: Action
    /// Explanation quoting the numbers, for the journal.
    package let reason: String
    /// The numbers behind the decision, journaled with it.
    package let numbers: [String: Double]

    package var description: String { "\(action) (\(trigger.rawValue)): \(reason)" }

    /// Whether this is a metric drop judging a version that is no longer live. The monitor
    /// watches the version promoted last; when a snapshot of the same group promoted a newer one
    /// after the drop was seen, the drop judged the superseded version, and carrying it out would
    /// withdraw the new live version unjudged (seed 8's new labels: 000003 went live and the drop
    /// about 000002 rolled back to 000001, discarding 2,001 examples). The promotion re-armed the
    /// monitor on the new version, which a real regression trips again.
    /// - Parameter live: the version live now.
    package func isStale(live: String?) -> Bool {
        guard trigger == .metricDrop, case .rollBack(let from, _) = action else { return false }
        return live != from
    }

    package init(trigger: Trigger, action: Action, reason: String, numbers: [String: Double] = [:]) {
        self.trigger = trigger
        self.action = action
        self.reason = reason
        self.numbers = numbers
    }
}
