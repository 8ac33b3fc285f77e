/// Does the learner's training since a confirmed concept alarm beat the live version on the new
/// concept? Judged on every example that arrives after the alarm, as it arrives.
///
/// The gate's holdout is 5 % of the stream: 20 post-alarm holdout examples take ~400 stream
/// examples to collect, and 20 are too few to tell a learnable new concept from a burst of wrong
/// labels (seed 8 promoted a poisoned candidate at 0.400 vs 0.250). Every post-alarm example is
/// evidence that neither model trained on when it predicted it: the trainer predicts it before
/// training on it (test-then-train) and live predicts it beside, so each arrival gives a *pair*
/// of outcomes. Only discordant pairs carry information — the trainer right and live wrong, or
/// the reverse — and under "equally good" each goes either way with probability ½
/// (``PairedComparison``'s exact McNemar tail, one-sided each way). The test is looked at after
/// every pair, up to `maxPairs` of them, and `alpha` is spent by Bonferroni: half over the
/// interim looks (`alpha / (4 · maxPairs)` per look and side), half on the last look
/// (`alpha / 4` per side), which bounds the chance of any false verdict by `alpha`. The last look's
/// share is for a change the trainer only partly keeps up with: a gradual drift (seed 8) had the
/// trainer ahead 91 to 51 discordant pairs after 400 arrivals, p 0.0005, never below the
/// per-look bound, and calling that undecided discarded 1,384 examples of real learning.
///
/// - better (the trainer significantly better): a learnable new concept; its snapshot goes live.
/// - worse (significantly worse): the training since the alarm did harm, as a burst of wrong
///   labels does; the trainer goes back to live.
/// - undecided after `maxPairs` pairs: no evidence either way. Not treated like worse: a false
///   alarm ends this way, and discarding up to `maxPairs` examples of training would punish the
///   learner for the detector's mistake; the trainer is kept and the holdout gate judges its
///   next snapshots.
package struct IncidentJudge: Sendable, Equatable {
    package enum Verdict: String, Sendable, Equatable {
        case better, worse, undecided
    }

    /// The chance of any false verdict over the whole incident.
    let alpha: Double
    /// The most post-alarm pairs judged before the incident is called undecided.
    let maxPairs: Int
    package private(set) var pairs = 0
    /// Pairs the trainer got right and live wrong, and the reverse.
    private(set) var trainerOnly = 0
    private(set) var liveOnly = 0
    private(set) var trainerCorrect = 0
    private(set) var liveCorrect = 0
    /// Set once decided; later pairs are ignored.
    package private(set) var verdict: Verdict?

    package init(alpha: Double, maxPairs: Int) {
        precondition(alpha > 0 && alpha < 1, "alpha must be in (0, 1)")
        precondition(maxPairs >= 1, "maxPairs must be >= 1")
        self.alpha = alpha
        self.maxPairs = maxPairs
    }

    /// The significance each interim look is held to (one side).
    var alphaPerLook: Double { alpha / Double(4 * maxPairs) }
    /// The significance the last look is held to (one side).
    var alphaLastLook: Double { alpha / 4 }

    /// One post-alarm example's outcomes.
    /// - Returns: the verdict, the first time there is one.
    package mutating func observe(trainer: Bool, live: Bool) -> Verdict? {
        guard verdict == nil else { return nil }
        pairs += 1
        if trainer { trainerCorrect += 1 }
        if live { liveCorrect += 1 }
        if trainer && !live { trainerOnly += 1 }
        if live && !trainer { liveOnly += 1 }
        let bound = pairs >= maxPairs ? alphaLastLook : alphaPerLook
        if trainerOnly > liveOnly, pBetter < bound {
            verdict = .better
        } else if liveOnly > trainerOnly, pWorse < bound {
            verdict = .worse
        } else if pairs >= maxPairs {
            verdict = .undecided
        }
        return verdict
    }

    /// One-sided exact p-values of "the trainer is better" and "the trainer is worse".
    var pBetter: Double { PairedComparison.binomialUpperTail(successes: trainerOnly, trials: trainerOnly + liveOnly) }
    var pWorse: Double { PairedComparison.binomialUpperTail(successes: liveOnly, trials: trainerOnly + liveOnly) }

    /// The numbers, for the journal and the manifest.
    package var description: String {
        let n = max(pairs, 1)
        return "paired with live on \(pairs) post-alarm examples as they arrived: trainer accuracy "
            + "\(formatFixed(Double(trainerCorrect) / Double(n), 3)), live \(formatFixed(Double(liveCorrect) / Double(n), 3)); "
            + "discordant \(trainerOnly) trainer-only vs \(liveOnly) live-only, McNemar exact p "
            + "\(formatFixed(min(pBetter, pWorse), 6)) (alpha \(formatSetting(alpha)): half over \(maxPairs) looks, half on the last)"
    }

    /// Its numbers for the journal.
    package var numbers: [String: Double] {
        ["pairs": Double(pairs), "trainer_only": Double(trainerOnly), "live_only": Double(liveOnly),
         "trainer_correct": Double(trainerCorrect), "live_correct": Double(liveCorrect),
         "p_better": pBetter, "p_worse": pWorse, "alpha": alpha, "max_pairs": Double(maxPairs)]
    }
}
