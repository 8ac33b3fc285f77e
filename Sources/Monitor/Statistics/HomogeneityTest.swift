import Foundation

/// Two-sample tests for count tables that stay valid when many categories are rare.
///
/// PSI and JS divergence of two small windows over many labels are biased upwards: with 58
/// labels and 500 examples, sampling noise alone gives PSI 0.3–1.2, and a rare label that
/// happens to be absent looks "gone". A drift alarm must instead say how surprising the counts
/// are if both windows came from one distribution:
///
/// * ``gTest(reference:current:minimumExpected:)``: the G-test (log-likelihood ratio) of
///   homogeneity on the 2 × K table. Categories whose expected count in the smaller window is
///   below `minimumExpected` (Cochran's rule, 5) are pooled into one, so the χ²(K′ − 1)
///   approximation holds; p-values match `scipy.stats.chi2_contingency(lambda_="log-likelihood")`
///   on the pooled table (see the fixture script).
/// * ``appearance(reference:current:)``: for one category, given its total count n, the chance
///   that all n landed in one window, `(C/N)ⁿ` for "new" and `(R/N)ⁿ` for "gone" — the exact
///   conditional (binomial) test. A label absent from a window is only reported when that is
///   unlikely after a Bonferroni correction over all labels.
package enum HomogeneityTest {
    /// Outcome of a G-test.
    struct Result: Sendable, Codable, Equatable {
        /// G = 2 Σ O ln(O/E) over the pooled 2 × K′ table.
        var statistic: Double
        /// K′ − 1 (0 when fewer than two categories remain: no test, p = 1).
        var degreesOfFreedom: Int
        /// P(χ²(df) > G).
        var pValue: Double
        /// Categories pooled into the "rare" cell.
        var pooledCategories: Int

        enum CodingKeys: String, CodingKey {
            case statistic, degreesOfFreedom = "degrees_of_freedom", pValue = "p_value"
            case pooledCategories = "pooled_categories"
        }
    }

    /// Cochran's minimum expected count per cell.
    static let defaultMinimumExpected = 5.0

    /// G-test of homogeneity between two aligned count vectors (same categories, same order).
    /// - Returns: `nil` when either side has no mass or the lengths differ.
    static func gTest(reference: [Double], current: [Double],
                             minimumExpected: Double = defaultMinimumExpected) -> Result? {
        guard reference.count == current.count else { return nil }
        let r = reference.reduce(0, +), c = current.reduce(0, +)
        guard r > 0, c > 0, r.isFinite, c.isFinite else { return nil }
        let n = r + c, smaller = min(r, c)
        let occupied = reference.indices.filter { reference[$0] + current[$0] > 0 }
        func expected(_ total: Double) -> Double { smaller * total / n }
        var kept = occupied.filter { expected(reference[$0] + current[$0]) >= minimumExpected }
        var pooled = occupied.filter { expected(reference[$0] + current[$0]) < minimumExpected }
        var pool = pooled.reduce((0.0, 0.0)) { ($0.0 + reference[$1], $0.1 + current[$1]) }
        // A pool still too small absorbs the smallest kept categories (ties: lowest index first).
        while !pooled.isEmpty, expected(pool.0 + pool.1) < minimumExpected, !kept.isEmpty {
            let smallest = kept.min { (reference[$0] + current[$0], $0) < (reference[$1] + current[$1], $1) }!
            kept.removeAll { $0 == smallest }
            pooled.append(smallest)
            pool = (pool.0 + reference[smallest], pool.1 + current[smallest])
        }
        var cells = kept.map { (reference[$0], current[$0]) }
        if !pooled.isEmpty { cells.append(pool) }
        let df = cells.count - 1
        guard df >= 1 else { return Result(statistic: 0, degreesOfFreedom: 0, pValue: 1, pooledCategories: pooled.count) }
        var g = 0.0
        for (a, b) in cells {
            let total = a + b
            if a > 0 { g += a * log(a / (r * total / n)) }
            if b > 0 { g += b * log(b / (c * total / n)) }
        }
        g = max(0, 2 * g)
        return Result(statistic: g, degreesOfFreedom: df,
                      pValue: ChiSquare.survival(g, degreesOfFreedom: Double(df)), pooledCategories: pooled.count)
    }

    /// G-test of two keyed count tables over the sorted union of their keys.
    static func gTest<Key: Hashable & Comparable>(reference: [Key: Double], current: [Key: Double],
                                                         minimumExpected: Double = defaultMinimumExpected) -> Result? {
        let (e, a) = DistributionDrift.aligned(reference, current)
        return gTest(reference: e, current: a, minimumExpected: minimumExpected)
    }

    /// The chance, if both windows share one distribution, that all of a category's
    /// `count` occurrences fell into the window holding `share` of the examples.
    static func appearance(count: Int, share: Double) -> Double {
        pow(share, Double(count))
    }

    /// Holm's step-down adjustment: adjusted p-values in the input order (each ≤ 1, and a
    /// rejection at level α on adjusted values controls the family-wise error at α).
    static func holm(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { (pValues[$0], $0) < (pValues[$1], $1) }
        var adjusted = Array(repeating: 1.0, count: m)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[i]))
            adjusted[i] = running
        }
        return adjusted
    }
}
