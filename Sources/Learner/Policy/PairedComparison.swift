import Foundation

/// Is the live version worse than its predecessor *on the same examples*? An exact McNemar test.
///
/// A windowed metric that fell after a promotion does not say which of two things happened:
/// the new version regressed, or the stream changed and every version got worse on it. Both
/// versions predict the same recent held-out examples; only the discordant pairs carry
/// information — `b`: the predecessor right and live wrong, `c`: live right and the predecessor
/// wrong. Under "equally good", each discordant pair goes either way with probability ½, so
/// `P(Bin(b + c, ½) ≥ b)` is the exact one-sided p-value. A drop the predecessor shares gives
/// b ≈ c: no rollback (the caller adapts to drift instead).
package struct PairedComparison: Sendable, Equatable {
    /// Outcomes on the same examples, in the same order.
    package let live: [Bool]
    package let predecessor: [Bool]
    /// Significance below which live counts as worse.
    package let alpha: Double

    package init(live: [Bool], predecessor: [Bool], alpha: Double = 0.01) {
        precondition(live.count == predecessor.count, "paired outcomes must align")
        precondition(alpha > 0 && alpha < 1, "alpha must be in (0, 1)")
        self.live = live
        self.predecessor = predecessor
        self.alpha = alpha
    }

    /// Pairs the predecessor got right and live wrong.
    package var predecessorOnly: Int { zip(live, predecessor).filter { !$0 && $1 }.count }
    /// Pairs live got right and the predecessor wrong.
    package var liveOnly: Int { zip(live, predecessor).filter { $0 && !$1 }.count }

    /// One-sided exact p-value of "live is worse".
    package var pValue: Double {
        Self.binomialUpperTail(successes: predecessorOnly, trials: predecessorOnly + liveOnly)
    }

    /// Whether live is significantly worse than its predecessor.
    package var liveIsWorse: Bool { predecessorOnly > liveOnly && pValue < alpha }

    /// The numbers, for the journal.
    package var description: String {
        let accLive = live.isEmpty ? 0 : Double(live.filter { $0 }.count) / Double(live.count)
        let accPrev = predecessor.isEmpty ? 0 : Double(predecessor.filter { $0 }.count) / Double(predecessor.count)
        return "paired on \(live.count) recent holdout examples: live accuracy \(formatFixed(accLive, 3)), "
            + "predecessor \(formatFixed(accPrev, 3)); discordant \(predecessorOnly) predecessor-only vs "
            + "\(liveOnly) live-only, McNemar exact p \(formatFixed(pValue, 4)) (alpha \(formatSetting(alpha)))"
    }

    /// P(X ≥ k) for X ~ Bin(n, ½), summed in log space (exact for the n of a holdout buffer).
    static func binomialUpperTail(successes k: Int, trials n: Int) -> Double {
        guard n > 0, k > 0 else { return 1 }
        guard k <= n else { return 0 }
        let logHalfN = Double(n) * log(0.5)
        var total = 0.0
        for i in k...n {
            total += exp(lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1)) + logHalfN)
        }
        return min(1, total)
    }
}
