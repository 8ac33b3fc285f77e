import Monitor

/// What the learner does after a confirmed concept drift, as a pure state machine.
///
/// PEFT and River stop at "a drift was detected". Here a confirmed alarm — a one-sided detector
/// on the prequential *error* after the learner's warm-up (a loss alarm alone is reported, not
/// acted on) — starts an incident, and the incident yields one ``Plan``:
///
/// - keep only `replayKeep` of the replay reservoir: its examples are a uniform sample of the
///   past, i.e. almost all pre-change, and would keep teaching the old concept;
/// - reset the AdamW moments, which point along the old concept's gradients;
/// - multiply the head learning rate by ``headBoost`` for `boostSteps` steps (the head is where
///   a relabelling lives): `headLRBoost`, or more when that leaves the head below `headLRFloor`;
/// - for those same steps, add `postChangeReplay` rows to each batch drawn from the examples
///   trained since the alarm: the new concept has few examples yet, and every one of them is
///   worth several updates (the stream's own replay, if any, is a sample of the past);
/// - after each of those steps, refit the head alone on the pooled features of the step's rows
///   (`headRefitPasses` Adam passes): the features still separate the inputs, the head is what a
///   relabelling made wrong, and head-only steps are nearly free;
/// - drop the pre-alarm holdout, so the gate judges candidates on the new concept, with a
///   smaller minimum (`minHoldoutAfter`) until the buffer refills;
/// - judge the trainer against live on every post-alarm arrival (``IncidentJudge``) and take a
///   snapshot as soon as that has a verdict: better goes live, worse is rejected and the trainer
///   reloads live; undecided (no evidence either way) keeps the trainer and ends the incident;
/// - end the rollback monitor's comparison with the pre-drift level.
///
/// Alarms within `cooldownExamples` of the incident's start belong to it. The caller carries the
/// plan out and journals each action with ``Plan/reason``.
package struct DriftAdaptation: Sendable {
    typealias Settings = PipelineConfig.AdaptationSettings

    let settings: Settings
    /// Stream index of the current incident's first alarm.
    private(set) var incidentStart: Int?
    /// Train steps left with the boosted head learning rate.
    private(set) var boostRemaining = 0
    /// The head learning-rate multiplier while `boostRemaining` > 0.
    private(set) var boostMultiplier = 1.0
    /// Train steps of the current incident left that replay post-change examples.
    private(set) var replayRemaining = 0
    /// Train steps of the current incident left that are followed by a head refit.
    private(set) var refitRemaining = 0
    /// The current incident's paired judgement of trainer against live, until it has a verdict
    /// (nil: nothing to judge).
    private(set) var judge: IncidentJudge?
    /// Incidents so far.
    private(set) var incidents = 0

    /// The head learning-rate multiplier of an incident's boost: `head_lr_boost`, raised so the
    /// boosted rate is at least `head_lr_floor`. A multiplier alone scales whatever the pipeline
    /// chose: from PEFT's head lr 1e-3, × 5 relearned a relabelling in 696 examples and a boosted
    /// rate of 0.02 in 536 (ops/bench/decisions, abrupt, seed 7; seed 8: 472); from the
    /// template's 0.06, × 5 is already far above the floor. A new label's boost stays
    /// `head_lr_boost`: × 20 on every label appearing early in learning made the error jump into
    /// a concept alarm (seeds 7 and 8).
    let headBoost: Double

    /// - Parameters:
    ///   - settings: `drift.adaptation`.
    ///   - headLR: `training.head_lr`, against which `head_lr_floor` is applied (nil: no floor).
    init(settings: Settings, headLR: Double? = nil) {
        self.settings = settings
        let floor = headLR.map { $0 > 0 ? settings.headLRFloor / $0 : 1 } ?? 1
        // Rounded to 6 digits so reasons read "× 20", not "× 19.999999999999996".
        headBoost = (max(settings.headLRBoost, floor) * 1e6).rounded() / 1e6
    }

    /// What to do about an incident.
    package struct Plan: Sendable, Equatable {
        let alarm: ConceptAlarm
        package let replayKeep: Double
        package let resetOptimizer: Bool
        package let headLRBoost: Double
        package let boostSteps: Int
        package let postChangeReplay: Int
        /// Examples trained before the alarm that the detector attributes to the new regime,
        /// put into the post-change replay at once.
        package var postChangeSeeded = 0
        package let headRefitPasses: Int
        package let headRefitLR: Double
        let minHoldoutAfter: Int
        let incidentAlpha: Double
        let incidentExamples: Int

        /// One line quoting the alarm and the actions, for the journal.
        package var reason: String {
            var actions = ["replay reservoir kept \(formatFixed(replayKeep * 100, 0)) %", "pre-alarm holdout dropped"]
            if resetOptimizer { actions.append("optimizer moments reset") }
            if boostSteps > 0 && headLRBoost > 1 {
                actions.append("head lr × \(formatSetting(headLRBoost)) for \(boostSteps) steps")
            }
            if boostSteps > 0 && postChangeReplay > 0 {
                let seeded = postChangeSeeded > 0 ? " (starting with the \(postChangeSeeded) trained since the detected change)" : ""
                actions.append("\(postChangeReplay) post-change examples replayed per step for \(boostSteps) steps\(seeded)")
            }
            if boostSteps > 0 && headRefitPasses > 0 {
                actions.append("head refit on each step's pooled features, \(headRefitPasses) passes at lr "
                               + "\(formatSetting(headRefitLR)) for \(boostSteps) steps")
            }
            actions.append("trainer judged against live on each post-alarm example (paired, alpha "
                           + "\(formatSetting(incidentAlpha)) over at most \(incidentExamples) looks), snapshot at the verdict")
            return "concept drift confirmed (\(alarm.description)); " + actions.joined(separator: ", ")
        }
    }

    /// A concept alarm. Returns a plan when it confirms a new incident.
    mutating func alarm(_ alarm: ConceptAlarm) -> Plan? {
        guard settings.enabled, alarm.signal == "error" else { return nil }
        if let start = incidentStart, alarm.index - start < settings.cooldownExamples { return nil }
        incidentStart = alarm.index
        incidents += 1
        boostRemaining = settings.boostSteps
        boostMultiplier = headBoost
        replayRemaining = settings.postChangeReplay > 0 ? settings.boostSteps : 0
        refitRemaining = settings.headRefitPasses > 0 ? settings.boostSteps : 0
        judge = IncidentJudge(alpha: settings.incidentAlpha, maxPairs: settings.incidentExamples)
        return Plan(alarm: alarm, replayKeep: settings.replayKeep, resetOptimizer: settings.resetOptimizer,
                    headLRBoost: headBoost, boostSteps: settings.boostSteps,
                    postChangeReplay: settings.postChangeReplay, headRefitPasses: settings.headRefitPasses,
                    headRefitLR: settings.headRefitLR, minHoldoutAfter: settings.minHoldoutAfter, incidentAlpha: settings.incidentAlpha,
                    incidentExamples: settings.incidentExamples)
    }

    /// A label seen for the first time at stream index `index`, after a warm-up of `warmup`
    /// examples (before it, every label is new and the head learns them all at once).
    /// - Returns: the journal line when the head learning rate is boosted for it.
    mutating func newLabel(_ label: String, at index: Int, warmup: Int) -> String? {
        guard settings.enabled, settings.newLabelBoost, index >= warmup,
              settings.boostSteps > 0, settings.headLRBoost > 1 else { return nil }
        // During an incident's (larger) boost, the new label extends it.
        if boostRemaining == 0 { boostMultiplier = settings.headLRBoost }
        boostRemaining = max(boostRemaining, settings.boostSteps)
        return "new label '\(label)' at example \(index) (after the \(warmup)-example warm-up): "
            + "head lr × \(formatSetting(settings.headLRBoost)) for \(settings.boostSteps) steps"
    }

    /// The head learning-rate multiplier for the next train step (consumes one boosted step).
    mutating func nextHeadMultiplier() -> Double {
        guard boostRemaining > 0 else { return 1 }
        boostRemaining -= 1
        return boostMultiplier
    }

    /// Post-change examples to replay in the next train step (consumes one replaying step).
    mutating func nextPostChangeReplay() -> Int {
        guard replayRemaining > 0 else { return 0 }
        replayRemaining -= 1
        return settings.postChangeReplay
    }

    /// Head-only refit passes after the next train step (consumes one refitting step).
    mutating func nextHeadRefit() -> Int {
        guard refitRemaining > 0 else { return 0 }
        refitRemaining -= 1
        return settings.headRefitPasses
    }

    /// Whether trained examples are collected for the post-change replay (an incident replays).
    var collectsPostChange: Bool { replayRemaining > 0 }

    /// The trainer went back to a version (rollback, or the incident's candidate was rejected):
    /// the examples since the alarm are no longer in the weights, or were the harm; stop
    /// replaying them.
    mutating func trainerReloaded() {
        replayRemaining = 0
        refitRemaining = 0
        judge = nil
    }

    /// Whether the incident is being judged: every arrival should be predicted by live too.
    var isJudging: Bool { judge != nil }

    /// The trainer's and live's outcomes on one post-alarm arrival.
    /// - Returns: the incident's judgement when this pair decided it (the judging then ends).
    mutating func judged(trainer: Bool, live: Bool) -> IncidentJudge? {
        guard var current = judge else { return nil }
        guard current.observe(trainer: trainer, live: live) != nil else {
            judge = current
            return nil
        }
        judge = nil
        return current
    }

    /// Nothing to judge against (no live version): the incident goes on without a verdict.
    mutating func stopJudging() { judge = nil }

    /// Whether the gate should accept fewer holdout examples (the buffer was just emptied).
    var isRefillingHoldout: Bool { incidentStart != nil }
}
