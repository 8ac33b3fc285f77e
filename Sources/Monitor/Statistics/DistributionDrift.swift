import Foundation

/// Distances between a reference and a current distribution of counts.
///
/// Conventions (the fixtures in `Tests/MonitorTests/Fixtures` are computed with the same ones):
///
/// * **Jensen–Shannon divergence**, base 2, in [0, 1]:
///   `JS(P‖Q) = ½ KL(P‖M) + ½ KL(Q‖M)`, `M = ½(P + Q)`. This is the *square* of what
///   `scipy.spatial.distance.jensenshannon(p, q, base=2)` returns (SciPy gives the distance).
///   Zero bins need no smoothing: a term with `p_i = 0` is `0·log 0 = 0`, and `m_i > 0`
///   wherever `p_i > 0` or `q_i > 0`, so the value is always finite. An optional additive
///   `pseudocount` (Laplace smoothing) is added to every category of the union before
///   normalising, for callers who want small windows to look less extreme.
/// * **PSI** (Population Stability Index), natural log:
///   `PSI = Σ (a_i - e_i) · ln(a_i / e_i)`, `e` = reference proportions, `a` = current
///   proportions. A proportion below `epsilon` (default 1e-4) is replaced by `epsilon` (no
///   renormalisation), so categories or bins seen in only one window contribute a large but
///   finite term. Rule of thumb: < 0.1 stable, 0.1–0.25 moderate shift, ≥ 0.25 major shift.
///
/// Categories are the union of both windows' keys, in sorted order (so sums are reproducible).
enum DistributionDrift {
    /// Default floor for empty PSI bins.
    static let defaultPSIEpsilon = 1e-4

    /// Jensen–Shannon divergence (base 2) between two categorical count tables.
    /// - Returns: `nil` when either table has no mass (the divergence is undefined).
    static func jensenShannon<Key: Hashable & Comparable>(
        reference: [Key: Double], current: [Key: Double], pseudocount: Double = 0
    ) -> Double? {
        let (p, q) = aligned(reference, current)
        return jensenShannon(p: p.map { $0 + pseudocount }, q: q.map { $0 + pseudocount })
    }

    /// Jensen–Shannon divergence (base 2) between two aligned count (or probability) vectors.
    /// - Returns: `nil` when either vector sums to zero, or the lengths differ.
    static func jensenShannon(p rawP: [Double], q rawQ: [Double]) -> Double? {
        guard rawP.count == rawQ.count, let p = normalised(rawP), let q = normalised(rawQ) else { return nil }
        var left = 0.0, right = 0.0
        for i in p.indices {
            let m = (p[i] + q[i]) / 2.0
            left += relativeEntropy(p[i], m)
            right += relativeEntropy(q[i], m)
        }
        return max(0, (left + right) / log(2.0) / 2.0)
    }

    /// PSI between two categorical count tables (current vs reference).
    /// - Returns: `nil` when either table has no mass.
    static func populationStabilityIndex<Key: Hashable & Comparable>(
        reference: [Key: Double], current: [Key: Double], epsilon: Double = defaultPSIEpsilon
    ) -> Double? {
        let (e, a) = aligned(reference, current)
        return populationStabilityIndex(referenceCounts: e, currentCounts: a, epsilon: epsilon)
    }

    /// PSI between two aligned vectors of bin counts (current vs reference).
    /// - Returns: `nil` when either vector sums to zero, or the lengths differ.
    static func populationStabilityIndex(
        referenceCounts: [Double], currentCounts: [Double], epsilon: Double = defaultPSIEpsilon
    ) -> Double? {
        guard referenceCounts.count == currentCounts.count,
              let e = normalised(referenceCounts), let a = normalised(currentCounts) else { return nil }
        var psi = 0.0
        for i in e.indices {
            let ei = max(e[i], epsilon), ai = max(a[i], epsilon)
            psi += (ai - ei) * log(ai / ei)
        }
        return psi
    }

    /// Both tables over the sorted union of their keys; a missing key counts 0.
    static func aligned<Key: Hashable & Comparable>(
        _ reference: [Key: Double], _ current: [Key: Double]
    ) -> ([Double], [Double]) {
        let keys = Set(reference.keys).union(current.keys).sorted()
        return (keys.map { reference[$0] ?? 0 }, keys.map { current[$0] ?? 0 })
    }

    private static func normalised(_ counts: [Double]) -> [Double]? {
        let sum = counts.reduce(0, +)
        guard sum > 0, sum.isFinite else { return nil }
        return counts.map { $0 / sum }
    }

    /// SciPy's `rel_entr`: x·ln(x/y), 0 for x = 0.
    private static func relativeEntropy(_ x: Double, _ y: Double) -> Double {
        if x > 0 && y > 0 { return x * log(x / y) }
        if x == 0 && y >= 0 { return 0 }
        return .infinity
    }
}
