import SeededRandom
import Model
import Testing
@testable import Learner

private func outcome(_ correct: Bool, p: Double = 0.5) -> PredictionOutcome {
    PredictionOutcome(label: "a", predicted: correct ? "a" : "b", probabilityOfLabel: p)
}

@Suite struct RollbackMonitorTests {
    /// The fixed threshold alone (noise_z 0); the noise bound has its own suite below.
    private func monitor(metric: QualityMetric = .accuracy, watch: Int = 0) -> RollbackMonitor {
        RollbackMonitor(settings: .init(metric: metric, metricDrop: 0.1, window: 100, minExamples: 50,
                                        watchExamples: watch, lossSpikeK: 3, lossSpikeFloor: 1, lossSpikeSteps: 3,
                                        lossHistory: 10, lossWarmupSteps: 5,
                                        noiseZ: 0))
    }

    @Test func metricDropAfterMinExamplesRollsBack() throws {
        var m = monitor()
        m.promoted(version: "000007", previous: "000005", baseline: 0.8)
        // 49 wrong answers: below min_examples, no decision yet.
        for _ in 0..<49 { #expect(m.observe(outcome(false)) == nil) }
        let decisionResult = m.observe(outcome(false))
        let decision = try #require(decisionResult)
        #expect(decision.trigger == .metricDrop)
        #expect(decision.action == .rollBack(from: "000007", to: "000005"))
        #expect(decision.reason == "windowed accuracy 0.000 over the last 50 examples < pre-promotion 0.800 − 0.1")
        // One incident, one decision.
        #expect(m.observe(outcome(false)) == nil)
        #expect(m.isTripped)
    }

    @Test func dropWithinThresholdDoesNotFire() {
        var m = monitor()
        m.promoted(version: "2", previous: "1", baseline: 0.89)
        // 80 % correct: every window after min_examples is ≥ 0.8 > 0.89 − 0.1.
        for i in 0..<1_000 {
            #expect(m.observe(outcome(i % 10 < 8)) == nil, "example \(i)")
        }
    }

    @Test func windowForgetsOldOutcomes() throws {
        var m = monitor()
        m.promoted(version: "2", previous: "1", baseline: 0.8)
        for _ in 0..<200 { #expect(m.observe(outcome(true)) == nil) }
        // The window is 100: 30 wrong give exactly 0.8 − 0.1 (allowed), 31 give 0.69 < 0.7.
        for _ in 0..<30 { #expect(m.observe(outcome(false)) == nil) }
        let decisionResult = m.observe(outcome(false))
        let decision = try #require(decisionResult)
        #expect(decision.reason.hasPrefix("windowed accuracy 0.690 over the last 100 examples"))
    }

    @Test func logLossRisingRollsBack() throws {
        var m = monitor(metric: .logLoss)
        m.promoted(version: "2", previous: nil, baseline: 0.3)
        for _ in 0..<49 { _ = m.observe(outcome(true, p: 0.5)) }  // −ln 0.5 = 0.693
        let decisionResult = m.observe(outcome(true, p: 0.5))
        let decision = try #require(decisionResult)
        #expect(decision.action == .rollBack(from: "2", to: nil))
        #expect(decision.reason == "windowed log-loss 0.693 over the last 50 examples > pre-promotion 0.300 + 0.1")
    }

    @Test func nothingWatchedBeforeAPromotion() {
        var m = monitor()
        for _ in 0..<500 { #expect(m.observe(outcome(false)) == nil) }
        var noBaseline = monitor()
        noBaseline.promoted(version: "1", previous: nil, baseline: nil)
        for _ in 0..<500 { #expect(noBaseline.observe(outcome(false)) == nil) }
    }

    @Test func watchEndsAfterWatchExamples() throws {
        var m = monitor(watch: 60)
        m.promoted(version: "2", previous: "1", baseline: 0.8)
        for _ in 0..<60 { _ = m.observe(outcome(true)) }
        for _ in 0..<200 { #expect(m.observe(outcome(false)) == nil) }
        #expect(m.watched == nil)
        // A later incident reloads live instead of rolling back a trusted version.
        let decisionResult = m.observeTrainStep(loss: 0.3, weightsFinite: false)
        let decision = try #require(decisionResult)
        #expect(decision.action == .reloadLive)
    }

    @Test func lossSpikeNeedsConsecutiveStepsAboveFloorAndMedian() throws {
        var m = monitor()
        m.promoted(version: "3", previous: "2", baseline: nil)
        // Warm-up: even a huge loss is not judged before 5 steps are recorded.
        #expect(m.observeTrainStep(loss: 1.0, weightsFinite: true) == nil)
        #expect(m.observeTrainStep(loss: 9.0, weightsFinite: true) == nil)  // step 2 of 5
        for _ in 0..<3 { #expect(m.observeTrainStep(loss: 1.0, weightsFinite: true) == nil) }
        // Median of [1, 9, 1, 1, 1] is 1: the limit is max(floor 1, 3 × 1) = 3.
        #expect(m.lossMedian == 1)
        // One hard batch, even a very hard one, and two in a row: no decision; an ordinary step ends the run.
        #expect(m.observeTrainStep(loss: 50, weightsFinite: true) == nil)
        #expect(m.observeTrainStep(loss: 1.2, weightsFinite: true) == nil)
        #expect(m.observeTrainStep(loss: 3.5, weightsFinite: true) == nil)
        #expect(m.observeTrainStep(loss: 3.5, weightsFinite: true) == nil)
        #expect(m.spikeRun == [3.5, 3.5])
        // Spiking losses never entered the median they are judged by.
        #expect(m.lossMedian == 1)
        let decisionResult = m.observeTrainStep(loss: 4.25, weightsFinite: true)
        let decision = try #require(decisionResult)
        #expect(decision.trigger == .lossSpike)
        #expect(decision.action == .rollBack(from: "3", to: "2"))
        #expect(decision.reason == "train loss above max(floor 1, 3 × median 1.000) = 3.000 for 3 consecutive steps (3.500, 3.500, 4.250) after 6 steps")
    }

    /// "train loss 0.000 > 3 × EMA 0.000" fired on a 99.5 %-accurate stream: the floor stops it.
    @Test func nearPerfectStreamNeedsTheAbsoluteFloor() {
        var m = monitor()
        for _ in 0..<20 { #expect(m.observeTrainStep(loss: 0.0001, weightsFinite: true) == nil) }
        for _ in 0..<50 { #expect(m.observeTrainStep(loss: 0.9, weightsFinite: true) == nil) }
    }

    /// A stream of heavy-tailed batch losses (a hard batch now and then) never trips the rule.
    @Test func heavyTailedStationaryLossesDoNotTrip() {
        var m = RollbackMonitor(settings: .init(metric: .accuracy, watchExamples: 0))
        m.promoted(version: "2", previous: "1", baseline: nil)
        var rng = SplitMix64(seed: 0x105E)
        for step in 0..<5_000 {
            // 70 % batches near 0.8, 25 % near 1.5, 5 % hard ones up to 3.7.
            let u = Double(rng.next(below: 1_000)) / 1_000
            let loss = u < 0.7 ? 0.6 + 0.4 * u : u < 0.95 ? 1.5 : 1.5 + (u - 0.95) * 44
            #expect(m.observeTrainStep(loss: loss, weightsFinite: true) == nil, "step \(step) loss \(loss)")
        }
    }

    @Test func nonFiniteWeightsFireImmediatelyANonFiniteLossNever() throws {
        var m = monitor()
        // A non-finite loss with finite weights is a skipped step: no incident, no spike, no history.
        for _ in 0..<10 { #expect(m.observeTrainStep(loss: .infinity, weightsFinite: true) == nil) }
        #expect(m.observeTrainStep(loss: .nan, weightsFinite: true) == nil)
        #expect(m.lossSteps == 0 && m.spikeRun.isEmpty)
        let weightsResult = m.observeTrainStep(loss: 0.3, weightsFinite: false)
        let weights = try #require(weightsResult)
        #expect(weights.trigger == .nonFiniteWeights)
        #expect(weights.description.hasPrefix("reload live (non_finite_weights)"))
    }

    @Test func rolledBackResetsWarmup() {
        var m = monitor()
        for _ in 0..<10 { _ = m.observeTrainStep(loss: 1, weightsFinite: true) }
        m.rolledBack()
        #expect(m.lossMedian == nil && m.lossSteps == 0)
        #expect(m.observeTrainStep(loss: 100, weightsFinite: true) == nil)  // first loss after reset starts the history
        #expect(m.lossMedian == 100)
    }

    @Test func driftConfirmedEndsTheComparisonWithThePreDriftLevel() {
        var m = monitor()
        m.promoted(version: "2", previous: "1", baseline: 0.9)
        for _ in 0..<10 { _ = m.observe(outcome(true)) }
        m.driftConfirmed()
        #expect(m.baseline == nil && m.watched?.version == "2")
        // The stream got harder for everyone: no metric-drop decision against 0.9.
        for _ in 0..<500 { #expect(m.observe(outcome(false)) == nil) }
    }
}

/// The metric-drop check as a one-sided two-sample z-test: a drop must exceed both metric_drop
/// and noise_z standard errors of the difference.
@Suite struct RollbackNoiseTests {
    private func monitor(metric: QualityMetric = .accuracy) -> RollbackMonitor {
        RollbackMonitor(settings: .init(metric: metric, metricDrop: 0.05, window: 200, minExamples: 100,
                                        watchExamples: 0, noiseZ: 3))
    }

    /// 54 % against a 60 % baseline measured on 500 outcomes is a 6-point drop, more than
    /// metric_drop, but well inside the noise (pooled SE ≈ 4.1 points, 3 SE ≈ 12.4): no rollback.
    @Test func dropWithinSamplingNoiseDoesNotFire() {
        var m = monitor()
        m.promoted(version: "2", previous: "1", baseline: 0.6, baselineCount: 500)
        for i in 0..<2_000 {
            #expect(m.observe(outcome(i % 50 < 27)) == nil, "example \(i)")
        }
    }

    /// The same drop with the fixed threshold alone fires: the noise bound is what holds it back.
    @Test func sameDropFiresWithoutTheNoiseBound() {
        var m = RollbackMonitor(settings: .init(metric: .accuracy, metricDrop: 0.05, window: 200, minExamples: 100,
                                                watchExamples: 0, noiseZ: 0))
        m.promoted(version: "2", previous: "1", baseline: 0.6, baselineCount: 500)
        let fired = (0..<2_000).contains { i in m.observe(outcome(i % 50 < 27)) != nil }
        #expect(fired)
    }

    /// A real collapse (60 % → 20 %) is far beyond the noise: it rolls back, and the reason
    /// names the allowance that applied.
    @Test func collapseFiresAndExplainsTheAllowance() throws {
        var m = monitor()
        m.promoted(version: "2", previous: "1", baseline: 0.6, baselineCount: 500)
        var decision: RollbackDecision?
        for i in 0..<200 where decision == nil { decision = m.observe(outcome(i % 5 == 0)) }
        let d = try #require(decision)
        #expect(d.trigger == .metricDrop && d.action == .rollBack(from: "2", to: "1"))
        #expect(m.examplesSincePromotion == 100, "fires at min_examples")
        // Pooled p = (0.2·100 + 0.6·500)/600 = 0.5333; SE = √(p(1−p)(1/100 + 1/500)) = 0.05465; 3 SE = 0.164.
        #expect(d.reason == "windowed accuracy 0.200 over the last 100 examples < pre-promotion 0.600 − 0.164 "
                + "(3 standard errors; metric_drop 0.05)", "\(d.reason)")
    }

    /// Log-loss uses the window's own spread: steady losses (no spread) leave metric_drop alone
    /// in charge, widely spread ones raise the allowance.
    @Test func logLossNoiseFollowsTheWindowSpread() throws {
        var steady = monitor(metric: .logLoss)
        steady.promoted(version: "2", previous: "1", baseline: 0.5, baselineCount: 500)
        var fired: RollbackDecision?
        for _ in 0..<100 where fired == nil { fired = steady.observe(outcome(true, p: 0.5)) }  // loss 0.693 each
        #expect(try #require(fired).reason.hasSuffix("> pre-promotion 0.500 + 0.05"))

        var spread = monitor(metric: .logLoss)
        spread.promoted(version: "2", previous: "1", baseline: 0.55, baselineCount: 500)
        // Alternating 0.105 and 1.204 (p 0.9 / 0.3): mean 0.655, sd 0.549; 0.105 worse than the
        // baseline, but 3 SE = 3 · 0.549 · √(1/n + 1/500) ≥ 0.138 for any window n ≤ 200.
        for i in 0..<1_000 {
            #expect(spread.observe(outcome(true, p: i % 2 == 0 ? 0.9 : 0.3)) == nil, "example \(i)")
        }
    }
}
