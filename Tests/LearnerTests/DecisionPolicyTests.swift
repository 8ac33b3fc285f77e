import Model
import Monitor
import Testing
@testable import Learner

/// The paired rollback test, the drift adaptation state machine and the reservoir's re-weighting.
@Suite("Decisions on real change: paired test, adaptation, replay")
struct DecisionPolicyTests {
    @Test("McNemar exact p-value against hand-computed binomial tails")
    func binomialTail() {
        // P(Bin(10, ½) ≥ 9) = (10 + 1) / 1024.
        #expect(abs(PairedComparison.binomialUpperTail(successes: 9, trials: 10) - 11.0 / 1024) < 1e-14)
        // P(Bin(20, ½) ≥ 15) = 21700 / 1048576 (Σ C(20, k), k = 15…20).
        #expect(abs(PairedComparison.binomialUpperTail(successes: 15, trials: 20) - 21_700.0 / 1_048_576) < 1e-14)
        #expect(PairedComparison.binomialUpperTail(successes: 0, trials: 5) == 1)
    }

    @Test("a metric drop about a version a newer promotion superseded is stale; other triggers and the watched version are not")
    func staleMetricDrop() {
        let drop = RollbackDecision(trigger: .metricDrop, action: .rollBack(from: "000002", to: "000001"), reason: "drop")
        #expect(drop.isStale(live: "000003"), "000003 went live after the drop about 000002 was seen")
        #expect(drop.isStale(live: nil))
        #expect(!drop.isStale(live: "000002"))
        let spike = RollbackDecision(trigger: .lossSpike, action: .rollBack(from: "000002", to: "000001"), reason: "spike")
        #expect(!spike.isStale(live: "000003"), "a loss spike is about the trainer, whichever version serves")
        #expect(!RollbackDecision(trigger: .metricDrop, action: .reloadLive, reason: "drop").isStale(live: "000003"))
    }

    @Test("a drop both versions share is not a regression; a drop only live has is")
    func sharedDropIsDrift() {
        // 400 recent holdout examples after a concept change: both versions fall to ~25 %, with
        // disagreements going both ways (the stream changed, neither version is better).
        var live: [Bool] = [], previous: [Bool] = []
        for i in 0..<400 {
            live.append(i % 4 == 0)
            previous.append(i % 4 == 0 ? i % 8 != 0 : i % 8 == 1)
        }
        let shared = PairedComparison(live: live, predecessor: previous)
        #expect(shared.predecessorOnly == 50 && shared.liveOnly == 50)
        #expect(!shared.liveIsWorse && shared.pValue > 0.5)
        // A version that learned a poisoned burst: right on 60 %, its predecessor on 80 % of the same examples.
        let poisoned = (0..<400).map { $0 % 5 < 3 }
        let good = (0..<400).map { $0 % 5 < 4 }
        let regression = PairedComparison(live: poisoned, predecessor: good)
        #expect(regression.predecessorOnly == 80 && regression.liveOnly == 0)
        #expect(regression.liveIsWorse && regression.pValue < 1e-20)
        #expect(regression.description.contains("discordant 80 predecessor-only vs 0 live-only"))
        // Nothing to compare (the holdout was just emptied by a drift): never a rollback.
        #expect(!PairedComparison(live: [], predecessor: []).liveIsWorse)
    }

    private func alarm(_ signal: String, at index: Int) -> ConceptAlarm {
        ConceptAlarm(detector: "adwin", signal: signal, index: index, statistic: 0.3, threshold: 0.12,
                     meanBefore: 0.1, meanAfter: 0.6)
    }

    @Test("an error alarm starts one incident per cooldown; loss alarms alone are reported, not acted on")
    func adaptationIncidents() throws {
        var settings = PipelineConfig.AdaptationSettings()
        settings.boostSteps = 2
        settings.minHoldoutAfter = 3
        settings.cooldownExamples = 100
        var a = DriftAdaptation(settings: settings)
        let lossOnly = a.alarm(alarm("loss", at: 10))
        #expect(lossOnly == nil)
        let confirmed = a.alarm(alarm("error", at: 20))
        let plan = try #require(confirmed)
        #expect(plan.reason.hasPrefix("concept drift confirmed (adwin on error at example 20: statistic 0.3 > threshold 0.12"))
        #expect(plan.reason.contains("replay reservoir kept 0 %") && plan.reason.contains("optimizer moments reset"))
        #expect(plan.reason.contains("head lr × 5 for 2 steps"))
        let again = a.alarm(alarm("error", at: 119))
        #expect(again == nil, "within the cooldown: the same incident")
        let boosts = (0..<3).map { _ in a.nextHeadMultiplier() }
        #expect(boosts == [5, 5, 1])
        #expect(a.isJudging, "the incident is judged against live from its alarm on")
        let next = a.alarm(alarm("error", at: 120))
        #expect(next != nil)
        #expect(a.incidents == 2)
        settings.enabled = false
        var off = DriftAdaptation(settings: settings)
        let disabled = off.alarm(alarm("error", at: 20))
        #expect(disabled == nil)
    }

    @Test("a label first seen after the warm-up boosts the head learning rate; during it, or switched off, it does not")
    func newLabelBoost() {
        var settings = PipelineConfig.AdaptationSettings()
        settings.boostSteps = 3
        var a = DriftAdaptation(settings: settings)
        #expect(a.newLabel("early", at: 499, warmup: 500) == nil, "every label is new during the warm-up")
        #expect(a.nextHeadMultiplier() == 1)
        let reason = a.newLabel("games", at: 5_003, warmup: 500)
        #expect(reason == "new label 'games' at example 5003 (after the 500-example warm-up): head lr × 5 for 3 steps")
        #expect((0..<4).map { _ in a.nextHeadMultiplier() } == [5, 5, 5, 1])
        // A second label during a boost restarts it (no stacking), and no incident is started.
        _ = a.newLabel("x11", at: 5_010, warmup: 500)
        _ = a.nextHeadMultiplier()
        _ = a.newLabel("text", at: 5_011, warmup: 500)
        #expect((0..<4).map { _ in a.nextHeadMultiplier() } == [5, 5, 5, 1])
        #expect(a.incidents == 0 && a.incidentStart == nil)
        settings.newLabelBoost = false
        var off = DriftAdaptation(settings: settings)
        #expect(off.newLabel("games", at: 5_003, warmup: 500) == nil)
    }

    @Test("the boosted head learning rate is head_lr × head_lr_boost, raised to head_lr_floor")
    func headLearningRateFloor() throws {
        var settings = PipelineConfig.AdaptationSettings()
        settings.boostSteps = 1
        #expect(DriftAdaptation(settings: settings, headLR: 0.06).headBoost == 5, "0.3 is above the floor 0.02")
        var low = DriftAdaptation(settings: settings, headLR: 0.001)
        #expect(abs(low.headBoost - 20) < 1e-9, "PEFT's 0.001 × 5 is below the floor: raised to 0.02")
        let confirmed = low.alarm(alarm("error", at: 600))
        let plan = try #require(confirmed)
        #expect(plan.reason.contains("head lr × 20 for 1 steps"))
        let boosts = [low.nextHeadMultiplier(), low.nextHeadMultiplier()]
        #expect(boosts == [20, 1])
        // A new label's boost is head_lr_boost alone (× 20 early in learning tripped the detectors).
        var fresh = DriftAdaptation(settings: settings, headLR: 0.001)
        #expect(fresh.newLabel("games", at: 600, warmup: 500)?.hasSuffix("head lr × 5 for 1 steps") == true)
        #expect([fresh.nextHeadMultiplier(), fresh.nextHeadMultiplier()] == [5, 1])
        settings.headLRFloor = 0
        #expect(DriftAdaptation(settings: settings, headLR: 0.001).headBoost == 5)
    }

    @Test("thinning the reservoir keeps a subset and lets new examples in at once")
    func reservoirKeep() {
        var r = ReplayReservoir<Int>(capacity: 100, seed: 3)
        for i in 0..<10_000 { r.offer(i) }
        #expect(r.count == 100)
        r.keep(fraction: 0.2)
        #expect(r.count == 20 && r.seen == 20)
        #expect(Set(r.elements).count == 20)
        for i in 10_000..<10_080 { r.offer(i) }
        // The 80 offers after the change filled the free slots: the sample is 80 % post-change.
        #expect(r.elements.filter { $0 >= 10_000 }.count == 80)
        r.keep(fraction: 0)
        #expect(r.count == 0)
    }
}
