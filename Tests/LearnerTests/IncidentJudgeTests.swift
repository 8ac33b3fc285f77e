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

    @Test("a learnable new concept (trainer 0.7, live 0.2 on the new data) is judged better within 80 examples")
    func learnableConceptIsBetter() {
        for seed in 0..<20 {
            let judge = Self.run(trainer: 0.7, live: 0.2, seed: UInt64(seed))
            #expect(judge.verdict == .better)
            #expect(judge.pairs <= 80, "seed \(seed): \(judge.description)")
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

    @Test("half of alpha is spread over both sides of every interim look, half goes to the last look")
    func perLookThreshold() {
        let judge = IncidentJudge(alpha: 0.05, maxPairs: 400)
        #expect(abs(judge.alphaPerLook - 0.05 / 1_600) < 1e-15 && judge.alphaLastLook == 0.0125)
        // Discordant pairs all one way: 14 give p = 2^-14 = 6.1e-5 > 3.125e-5, not yet; 15: 3.05e-5, decided.
        var j = judge
        for _ in 0..<14 { #expect(j.observe(trainer: true, live: false) == nil) }
        #expect(j.observe(trainer: true, live: false) == .better)
    }

    @Test("a trainer clearly but modestly ahead (a gradual drift) is judged better at the last look, not undecided")
    func lastLookDecidesAModestLead() {
        // Like seed 8's gradual drift (91 trainer-only vs 51 live-only in 400 arrivals, p 0.0005):
        // never below an interim bound, below the last look's.
        var judge = IncidentJudge(alpha: 0.05, maxPairs: 400)
        var verdicts: [IncidentJudge.Verdict] = []
        for i in 0..<400 {
            // Every 20 arrivals: 5 trainer-only, 3 live-only, 6 both right, 6 both wrong (100 vs 60 in all).
            let k = i % 20
            let pair: (Bool, Bool) = k < 5 ? (true, false) : k < 8 ? (false, true) : k < 14 ? (true, true) : (false, false)
            if let v = judge.observe(trainer: pair.0, live: pair.1) { verdicts.append(v) }
        }
        #expect(judge.trainerOnly == 100 && judge.liveOnly == 60, "\(judge.description)")
        #expect(verdicts == [.better] && judge.pairs == 400, "\(judge.description)")
    }
}
