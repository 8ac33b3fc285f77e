import Monitor

/// Watches the live lineage after a promotion and decides when to roll back.
///
/// Three triggers, each a symptom the holdout gate can miss because it judged the
/// candidate on the past while the stream moves on:
/// - **metric drop**: after a promotion, once `minExamples` prequential outcomes were seen,
///   the metric over the last `window` of them is worse than the pre-promotion level by more
///   than `metricDrop`;
/// - **loss spike**: a train step's loss exceeds `lossSpikeK` × the EMA of previous losses,
///   once `lossWarmupSteps` losses have shaped the EMA;
/// - **non-finite** loss or weights.
///
/// A pure state machine: the loop feeds it observations and acts on the returned
/// ``RollbackDecision``; it then calls ``rolledBack()`` (or ``promoted(version:previous:baseline:)`` on the
/// next promotion). After a decision the monitor stays quiet until one of those calls, so
/// one incident yields one decision.
public struct RollbackMonitor: Sendable {
    /// Thresholds (from `rollback:` and `gate.metric` in the pipeline).
    public struct Settings: Sendable, Equatable {
        public var metric: QualityMetric
        /// Allowed worsening of the windowed metric vs the pre-promotion level (> 0).
        public var metricDrop: Double
        /// Window of prequential outcomes since the promotion (≥ 1).
        public var window: Int
        /// Outcomes since the promotion before the metric check may fire (≥ 1).
        public var minExamples: Int
        /// Outcomes after a promotion during which it stays under watch (0 = until the next promotion).
        /// After that, the version is trusted: incidents reload live instead of rolling it back.
        public var watchExamples: Int
        /// Spike factor k (> 1).
        public var lossSpikeK: Double
        /// EMA smoothing of train losses, in `(0, 1]`.
        public var lossEMAAlpha: Double
        /// Train steps that shape the EMA before spikes are judged.
        public var lossWarmupSteps: Int

        public init(metric: QualityMetric = .accuracy, metricDrop: Double = 0.05, window: Int = 200,
                    minExamples: Int = 100, watchExamples: Int = 2000, lossSpikeK: Double = 3,
                    lossEMAAlpha: Double = 0.05, lossWarmupSteps: Int = 20) {
            self.metric = metric
            self.metricDrop = metricDrop
            self.window = window
            self.minExamples = minExamples
            self.watchExamples = watchExamples
            self.lossSpikeK = lossSpikeK
            self.lossEMAAlpha = lossEMAAlpha
            self.lossWarmupSteps = lossWarmupSteps
        }
    }

    public let settings: Settings

    /// Pre-promotion metric level while a promotion is watched.
    public private(set) var baseline: Double?
    /// Outcomes observed since the watched promotion.
    public private(set) var examplesSincePromotion = 0
    /// EMA of train-step losses (`nil` before the first finite loss).
    public private(set) var lossEMA: Double?
    /// Finite train losses folded into the EMA since the last reset.
    public private(set) var lossSteps = 0
    /// Whether a decision was returned and not yet acknowledged.
    public private(set) var isTripped = false

    /// The watched promotion: the version made live and the one it replaced.
    public private(set) var watched: (version: String, previous: String?)?
    private var recent: BoundedBuffer<(correct: Bool, loss: Double)>
    private var recentTotals = MetricTotals()

    public init(settings: Settings) {
        precondition(settings.window >= 1, "rollback window must be >= 1")
        self.settings = settings
        recent = BoundedBuffer(capacity: settings.window)
    }

    /// A version was promoted; start watching it.
    /// - Parameters:
    ///   - version: the version now live.
    ///   - previous: the version it replaced (`nil`: the base model was serving).
    ///   - baseline: the windowed prequential metric just before the promotion (`nil` when
    ///     unknown: then only loss and finiteness are watched).
    public mutating func promoted(version: String, previous: String?, baseline: Double?) {
        self.baseline = baseline
        watched = (version, previous)
        examplesSincePromotion = 0
        recent.removeAll()
        recentTotals = MetricTotals()
        isTripped = false
    }

    /// A rollback (or reload) was carried out: forget the incident and re-learn the loss level.
    public mutating func rolledBack() {
        baseline = nil
        watched = nil
        examplesSincePromotion = 0
        recent.removeAll()
        recentTotals = MetricTotals()
        lossEMA = nil
        lossSteps = 0
        isTripped = false
    }

    /// Feeds one prequential outcome (predicted before training).
    public mutating func observe(_ outcome: PredictionOutcome) -> RollbackDecision? {
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
        if let evicted = recent.append(sample) {
            recentTotals.remove(correct: evicted.correct, loss: evicted.loss)
        }
        guard let baseline,
              examplesSincePromotion >= max(settings.minExamples, 1),
              let current = recentTotals.value(settings.metric)
        else { return nil }
        let name = "windowed \(settings.metric.displayName) \(formatFixed(current, 3))"
        let over = " over the last \(recentTotals.count) examples"
        let drop = formatSetting(settings.metricDrop)
        // Same rounding slack as the gate: a drop of exactly `metricDrop` is allowed.
        if settings.metric.higherIsBetter, current < baseline - settings.metricDrop - PromotionGate.epsilon {
            return trip(.metricDrop,
                        "\(name)\(over) < pre-promotion \(formatFixed(baseline, 3)) − \(drop)")
        }
        if !settings.metric.higherIsBetter, current > baseline + settings.metricDrop + PromotionGate.epsilon {
            return trip(.metricDrop,
                        "\(name)\(over) > pre-promotion \(formatFixed(baseline, 3)) + \(drop)")
        }
        return nil
    }

    /// Feeds one train step's mean loss and whether the updated weights are all finite.
    public mutating func observeTrainStep(loss: Double, weightsFinite: Bool) -> RollbackDecision? {
        guard !isTripped else { return nil }
        if !weightsFinite {
            return trip(.nonFiniteWeights, "non-finite weights after a train step (loss \(loss))")
        }
        if !loss.isFinite {
            return trip(.nonFiniteLoss, "non-finite train loss \(loss)")
        }
        if let ema = lossEMA, lossSteps >= settings.lossWarmupSteps, loss > settings.lossSpikeK * ema {
            return trip(.lossSpike,
                        "train loss \(formatFixed(loss, 3)) > \(formatSetting(settings.lossSpikeK)) × EMA \(formatFixed(ema, 3)) after \(lossSteps) steps")
        }
        if let ema = lossEMA {
            lossEMA = settings.lossEMAAlpha * loss + (1 - settings.lossEMAAlpha) * ema
        } else {
            lossEMA = loss
        }
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
public struct RollbackDecision: Sendable, Equatable, CustomStringConvertible {
    /// What was observed.
    public enum Trigger: String, Sendable, Equatable, Codable {
        case metricDrop = "metric_drop"
        case lossSpike = "loss_spike"
        case nonFiniteLoss = "non_finite_loss"
        case nonFiniteWeights = "non_finite_weights"
    }

    /// What the loop should do.
    public enum Action: Sendable, Equatable, CustomStringConvertible {
        /// A promotion is under watch: make `to` live again (`nil`: no version, serve the base
        /// model), journal `rollback`, and continue training from it.
        case rollBack(from: String, to: String?)
        /// No promotion is under watch, so live is not suspect: discard the trainer's state
        /// since the live version and continue training from live.
        case reloadLive

        public var description: String {
            switch self {
            case .rollBack(let from, let to): return "rollback \(from) → \(to ?? "base model")"
            case .reloadLive: return "reload live"
            }
        }
    }

    public let trigger: Trigger
    public let action: Action
    /// Explanation quoting the numbers, for the journal.
    public let reason: String

    public var description: String { "\(action) (\(trigger.rawValue)): \(reason)" }
}
