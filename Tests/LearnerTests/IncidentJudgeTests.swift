import SeededRandom
import Testing
@testable import Learner

/// The paired judgement of a concept incident (``IncidentJudge``), on constructed outcome streams.
@Suite struct IncidentJudgeTests {
    /// Runs one incident on outcomes drawn independently with the given accuracies.
    private static func run(trainer: Double, live: Double, seed: UInt64, alpha: Double = 0.05,
                            maxPairs: Int = 400) -> IncidentJudge {
        var rng = SplitMix64(seed: seed)
        var judge = IncidentJudge(alpha: alpha, maxPairs: maxPairs)
        while judge.verdict == nil {
            _ = judge.observe(trainer: rng.nextUnit() < trainer, live: rng.nextUnit() < live)
        }
        return judge
    }

    @Test("equally good trainer and live: 300 incidents of up to 400 looks give no false verdict beyond alpha")
    func calibratedAgainstNoise() {
        var falseVerdicts = 0
        for seed in 0..<300 {
            let judge = Self.run(trainer: 0.6, live: 0.6, seed: UInt64(seed))
            if judge.verdict != .undecided { falseVerdicts += 1 }
            #expect(judge.pairs == 400 || judge.verdict != .undecided)
        }
        // alpha 0.05 bounds the chance of any false verdict per incident: ≤ 15 of 300 expected at most.
        #expect(falseVerdicts <= 15, "\(falseVerdicts) false verdicts in 300 incidents")
    }

    @Test("a learnable new concept (trainer 0.7, live 0.2 on the new data) is judged better within 60 examples")
    func learnableConceptIsBetter() {
        for seed in 0..<20 {
            let judge = Self.run(trainer: 0.7, live: 0.2, seed: UInt64(seed))
            #expect(judge.verdict == .better)
            #expect(judge.pairs <= 60, "seed \(seed): \(judge.description)")
        }
    }

    @Test("a trainer that learned wrong labels (0.2 vs live 0.6) is judged worse; one that only ties is undecided at the limit")
    func harmIsWorse() {
        for seed in 0..<20 {
            #expect(Self.run(trainer: 0.2, live: 0.6, seed: UInt64(seed)).verdict == .worse)
        }
        var judge = IncidentJudge(alpha: 0.05, maxPairs: 50)
        for i in 0..<50 { _ = judge.observe(trainer: i % 2 == 0, live: i % 4 < 2) }
        #expect(judge.verdict == .undecided && judge.pairs == 50)
        #expect(judge.observe(trainer: true, live: false) == nil, "decided: later pairs are ignored")
        #expect(judge.description.contains("on 50 post-alarm examples"))
    }

    @Test("the per-look threshold is alpha spread over both sides of every look")
    func perLookThreshold() {
        let judge = IncidentJudge(alpha: 0.05, maxPairs: 400)
        #expect(abs(judge.alphaPerLook - 0.05 / 800) < 1e-15)
        // 13 discordant pairs all one way: p = 2^-13 = 1.2e-4 > 6.25e-5, not yet; 14: 6.1e-5, decided.
        var j = judge
        for _ in 0..<13 { #expect(j.observe(trainer: true, live: false) == nil) }
        #expect(j.observe(trainer: true, live: false) == .better)
    }
}
