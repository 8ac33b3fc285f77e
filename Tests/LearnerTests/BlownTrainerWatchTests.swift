import Testing
@testable import Learner

/// A trainer blown up by an absurd learning rate is reloaded from live after K candidates in a
/// row fail on non-finite holdout outputs; one bad candidate, or refusals for other reasons, never do.
@Suite struct BlownTrainerWatchTests {
    static let nonFinite = GateDecision(verdict: .reject, reason: "candidate's outputs are non-finite on 20 of 20 holdout examples",
                                        candidateValue: nil, liveValue: 0.9)
    static let worse = GateDecision(verdict: .reject, reason: "holdout accuracy 0.5 < live 0.9 − 0.01",
                                    candidateValue: 0.5, liveValue: 0.9)
    static let promote = GateDecision(verdict: .promote, reason: "holdout accuracy 0.9 ≥ live 0.9 − 0.01",
                                      candidateValue: 0.9, liveValue: 0.9)

    @Test("K = 3 refusals for non-finite outputs in a row reload live, with the numbers; the count starts again after it")
    func threeInARowReload() throws {
        var watch = BlownTrainerWatch()
        #expect(BlownTrainerWatch.reloadAfter == 3)
        #expect(watch.judged(Self.nonFinite, nonFiniteOutputs: 20, holdout: 20) == nil)
        #expect(watch.judged(Self.nonFinite, nonFiniteOutputs: 20, holdout: 20) == nil)
        let third = watch.judged(Self.nonFinite, nonFiniteOutputs: 17, holdout: 20)
        let reload = try #require(third)
        #expect(reload.action == .reloadLive && reload.trigger == .nonFiniteOutputs)
        #expect(reload.numbers == ["consecutive_rejections": 3, "non_finite_outputs": 17, "holdout_examples": 20])
        #expect(reload.reason.contains("3 candidates in a row"))
        #expect(watch.consecutive == 0)
        #expect(watch.judged(Self.nonFinite, nonFiniteOutputs: 20, holdout: 20) == nil)
    }

    @Test("one hard batch (a single bad candidate, then a good one) and refusals for other reasons never reload",
          arguments: [promote, worse])
    func anyOtherVerdictResets(_ other: GateDecision) {
        var watch = BlownTrainerWatch()
        for _ in 0..<10 {
            #expect(watch.judged(Self.nonFinite, nonFiniteOutputs: 3, holdout: 20) == nil)
            #expect(watch.judged(Self.nonFinite, nonFiniteOutputs: 3, holdout: 20) == nil)
            #expect(watch.judged(other, nonFiniteOutputs: 0, holdout: 20) == nil)
        }
        #expect(watch.consecutive == 0)
        // A rejection whose outputs were finite (the gate refused on the metric) does not count either.
        #expect(watch.judged(Self.worse, nonFiniteOutputs: 0, holdout: 20) == nil)
        #expect(watch.consecutive == 0)
    }

    @Test("a rollback or reload resets the count (the trainer was replaced)")
    func replacedTrainerResets() {
        var watch = BlownTrainerWatch()
        _ = watch.judged(Self.nonFinite, nonFiniteOutputs: 20, holdout: 20)
        _ = watch.judged(Self.nonFinite, nonFiniteOutputs: 20, holdout: 20)
        watch.reset()
        #expect(watch.judged(Self.nonFinite, nonFiniteOutputs: 20, holdout: 20) == nil)
        #expect(watch.consecutive == 1)
    }
}
