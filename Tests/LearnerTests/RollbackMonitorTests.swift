import Testing
@testable import Learner

private func outcome(_ correct: Bool, p: Double = 0.5) -> PredictionOutcome {
    PredictionOutcome(label: "a", predicted: correct ? "a" : "b", probabilityOfLabel: p)
}

@Suite struct RollbackMonitorTests {
    private func monitor(metric: QualityMetric = .accuracy, watch: Int = 0) -> RollbackMonitor {
        RollbackMonitor(settings: .init(metric: metric, metricDrop: 0.1, window: 100, minExamples: 50,
                                        watchExamples: watch, lossSpikeK: 3, lossEMAAlpha: 0.1, lossWarmupSteps: 5))
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
        let decisionResult = m.observeTrainStep(loss: .nan, weightsFinite: true)
        let decision = try #require(decisionResult)
        #expect(decision.action == .reloadLive)
    }

    @Test func lossSpikeAfterWarmup() throws {
        var m = monitor()
        m.promoted(version: "3", previous: "2", baseline: nil)
        // Warm-up: even a huge loss is not judged before 5 steps shaped the EMA.
        #expect(m.observeTrainStep(loss: 1.0, weightsFinite: true) == nil)
        #expect(m.observeTrainStep(loss: 9.0, weightsFinite: true) == nil)  // step 2 of 5
        for _ in 0..<3 { #expect(m.observeTrainStep(loss: 1.0, weightsFinite: true) == nil) }
        // EMA (alpha 0.1): 1 → 1.8 → 1.72 → 1.648 → 1.5832.
        let ema = try #require(m.lossEMA)
        #expect(abs(ema - 1.5832) < 1e-12)
        #expect(m.observeTrainStep(loss: 3 * 1.5832 - 0.001, weightsFinite: true) == nil)
        let ema2 = try #require(m.lossEMA)
        let decisionResult = m.observeTrainStep(loss: 3 * ema2 + 0.01, weightsFinite: true)
        let decision = try #require(decisionResult)
        #expect(decision.trigger == .lossSpike)
        #expect(decision.action == .rollBack(from: "3", to: "2"))
        #expect(decision.reason.hasPrefix("train loss 5.") && decision.reason.contains("> 3 × EMA 1.") && decision.reason.hasSuffix("after 6 steps"))
    }

    @Test func nonFiniteLossOrWeightsFireImmediately() throws {
        var m = monitor()
        let lossResult = m.observeTrainStep(loss: .infinity, weightsFinite: true)
        let loss = try #require(lossResult)
        #expect(loss.trigger == .nonFiniteLoss)
        #expect(loss.action == .reloadLive)
        m.rolledBack()
        let weightsResult = m.observeTrainStep(loss: 0.3, weightsFinite: false)
        let weights = try #require(weightsResult)
        #expect(weights.trigger == .nonFiniteWeights)
        #expect(weights.description.hasPrefix("reload live (non_finite_weights)"))
    }

    @Test func rolledBackResetsWarmup() {
        var m = monitor()
        for _ in 0..<10 { _ = m.observeTrainStep(loss: 1, weightsFinite: true) }
        m.rolledBack()
        #expect(m.lossEMA == nil)
        #expect(m.observeTrainStep(loss: 100, weightsFinite: true) == nil)  // first loss after reset seeds the EMA
        #expect(m.lossEMA == 100)
    }
}
