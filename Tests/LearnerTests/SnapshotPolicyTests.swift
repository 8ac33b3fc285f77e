import Testing
@testable import Learner

@Suite struct SnapshotPolicyTests {
    let t0 = ContinuousClock.now

    @Test func triggersOnExampleCountFirst() {
        var policy = SnapshotPolicy(everyExamples: 100, every: .seconds(60), start: t0)
        #expect(policy.recordTrained(60, now: t0 + .seconds(1)) == nil)
        #expect(policy.recordTrained(40, now: t0 + .seconds(2)) == .examples(count: 100))
        policy.snapshotSucceeded(now: t0 + .seconds(2))
        #expect(policy.pendingExamples == 0)
        #expect(policy.poll(now: t0 + .seconds(3)) == nil)
    }

    @Test func triggersOnTimeFirst() {
        var policy = SnapshotPolicy(everyExamples: 100, every: .seconds(60), start: t0)
        #expect(policy.recordTrained(5, now: t0 + .seconds(10)) == nil)
        #expect(policy.deadline == t0 + .seconds(60))
        #expect(policy.poll(now: t0 + .seconds(59)) == nil)
        #expect(policy.poll(now: t0 + .seconds(61)) == .elapsed(.seconds(61), pending: 5))
        #expect(policy.poll(now: t0 + .seconds(61))?.description == "61.0 s since the last snapshot, 5 examples not yet durable")
    }

    @Test func nothingTrainedMeansNoSnapshot() {
        var policy = SnapshotPolicy(everyExamples: 100, every: .seconds(60), start: t0)
        #expect(policy.poll(now: t0 + .seconds(3_600)) == nil)
        #expect(policy.deadline == nil)
        policy.snapshotSucceeded(now: t0)
        #expect(policy.recordTrained(0, now: t0 + .seconds(7_200)) == nil)
        // After a long idle spell, the first trained example is made durable at once.
        #expect(policy.recordTrained(1, now: t0 + .seconds(7_201)) == .elapsed(.seconds(7_201), pending: 1))
    }

    @Test func failedSnapshotWaitsForTheNextBound() {
        var policy = SnapshotPolicy(everyExamples: 10, every: .seconds(30), start: t0)
        #expect(policy.recordTrained(10, now: t0 + .seconds(1)) == .examples(count: 10))
        policy.snapshotFailed(now: t0 + .seconds(1))
        #expect(policy.pendingExamples == 10)
        #expect(policy.poll(now: t0 + .seconds(2)) == nil)  // no tight retry loop
        #expect(policy.recordTrained(9, now: t0 + .seconds(3)) == nil)
        #expect(policy.recordTrained(1, now: t0 + .seconds(4)) == .examples(count: 10))
        policy.snapshotFailed(now: t0 + .seconds(4))
        // Nothing new trained, but 20 examples are still not durable: retry by time.
        #expect(policy.poll(now: t0 + .seconds(34)) == .elapsed(.seconds(30), pending: 20))
    }

    @Test func disabledBounds() {
        var byTime = SnapshotPolicy(everyExamples: 0, every: .seconds(5), start: t0)
        #expect(byTime.recordTrained(1_000_000, now: t0) == nil)
        #expect(byTime.poll(now: t0 + .seconds(5)) != nil)
        var byCount = SnapshotPolicy(everyExamples: 3, every: .zero, start: t0)
        #expect(byCount.recordTrained(2, now: t0 + .seconds(10_000)) == nil)
        #expect(byCount.deadline == nil)
        #expect(byCount.recordTrained(1, now: t0) == .examples(count: 3))
    }
}

@Suite struct PromotionGateTests {
    private func totals(correct: Int, of count: Int, loss: Double = 0.5) -> MetricTotals {
        var totals = MetricTotals()
        for i in 0..<count { totals.add(correct: i < correct, loss: loss) }
        return totals
    }

    @Test func rejectsRegressionBeyondToleranceWithNumbers() {
        let gate = PromotionGate(metric: .accuracy, tolerance: 0.02, minHoldout: 50)
        let decision = gate.decide(candidate: totals(correct: 712, of: 1_000), live: totals(correct: 801, of: 1_000),
                                   weightsFinite: true)
        #expect(decision.verdict == .reject)
        #expect(decision.reason == "holdout accuracy 0.712 < live 0.801 − 0.02 on 1000 holdout examples")
        #expect(decision.candidateValue == 0.712)
        #expect(decision.liveValue == 0.801)
    }

    @Test func promotesWithinTolerance() {
        let gate = PromotionGate(metric: .accuracy, tolerance: 0.02, minHoldout: 50)
        let decision = gate.decide(candidate: totals(correct: 790, of: 1_000), live: totals(correct: 801, of: 1_000),
                                   weightsFinite: true)
        #expect(decision.verdict == .promote)
        #expect(decision.reason == "holdout accuracy 0.790 ≥ live 0.801 − 0.02 on 1000 holdout examples")
    }

    /// Exactly at `live − tolerance` passes, even though 0.8 − 0.02 is not exact in binary.
    @Test func boundaryPasses() {
        let gate = PromotionGate(metric: .accuracy, tolerance: 0.02, minHoldout: 1)
        #expect(gate.decide(candidate: totals(correct: 78, of: 100), live: totals(correct: 80, of: 100),
                            weightsFinite: true).verdict == .promote)
        #expect(gate.decide(candidate: totals(correct: 77, of: 100), live: totals(correct: 80, of: 100),
                            weightsFinite: true).verdict == .reject)
        let strict = PromotionGate(metric: .accuracy, tolerance: 0, minHoldout: 1)
        #expect(strict.decide(candidate: totals(correct: 80, of: 100), live: totals(correct: 80, of: 100),
                              weightsFinite: true).verdict == .promote)
    }

    @Test func logLossLowerIsBetter() {
        let gate = PromotionGate(metric: .logLoss, tolerance: 0.05, minHoldout: 10)
        let better = gate.decide(candidate: totals(correct: 0, of: 100, loss: 0.40),
                                 live: totals(correct: 0, of: 100, loss: 0.45), weightsFinite: true)
        #expect(better.verdict == .promote)
        #expect(better.reason == "holdout log-loss 0.400 ≤ live 0.450 + 0.05 on 100 holdout examples")
        let worse = gate.decide(candidate: totals(correct: 100, of: 100, loss: 0.61),
                                live: totals(correct: 0, of: 100, loss: 0.45), weightsFinite: true)
        #expect(worse.verdict == .reject)
        #expect(worse.reason == "holdout log-loss 0.610 > live 0.450 + 0.05 on 100 holdout examples")
    }

    @Test func nonFiniteWeightsAlwaysReject() {
        let gate = PromotionGate(metric: .accuracy, tolerance: 1, minHoldout: 0)
        let decision = gate.decide(candidate: totals(correct: 100, of: 100), live: nil, weightsFinite: false)
        #expect(decision.verdict == .reject)
        #expect(decision.reason == "candidate has non-finite weights")
    }

    @Test func nonFiniteOutputsRejectEvenWithoutLive() {
        let gate = PromotionGate(metric: .accuracy, tolerance: 1, minHoldout: 0)
        let decision = gate.decide(candidate: totals(correct: 0, of: 10), live: nil, weightsFinite: true, nonFiniteOutputs: 10)
        #expect(decision.verdict == .reject)
        #expect(decision.reason == "candidate's outputs are non-finite on 10 of 10 holdout examples")
    }

    @Test func firstCandidatePromotesWithoutLive() {
        let gate = PromotionGate(metric: .accuracy, tolerance: 0.02, minHoldout: 50)
        #expect(gate.decide(candidate: MetricTotals(), live: nil, weightsFinite: true).verdict == .promote)
    }

    @Test func tooLittleHoldoutDefers() {
        let gate = PromotionGate(metric: .accuracy, tolerance: 0.02, minHoldout: 50)
        let decision = gate.decide(candidate: totals(correct: 0, of: 49), live: totals(correct: 49, of: 49),
                                   weightsFinite: true)
        #expect(decision.verdict == .defer)
        #expect(decision.reason.contains("49 examples < min_holdout 50"))
        // Zero min_holdout still needs one example to compare.
        let eager = PromotionGate(metric: .accuracy, tolerance: 0.02, minHoldout: 0)
        #expect(eager.decide(candidate: MetricTotals(), live: MetricTotals(), weightsFinite: true).verdict == .defer)
    }
}
