/// Bins for a numeric feature, cut at quantiles of a reference sample, for numeric PSI.
///
/// Edges are NumPy's default (`method="linear"`, Hyndman–Fan type 7) quantiles of the reference
/// at `i / bins`, `i = 1 … bins-1`, with duplicates removed (integer features such as token
/// length, or mostly-zero OOV rates, produce ties). Bin `j` holds `edges[j-1] < x ≤ edges[j]`
/// (NumPy `searchsorted(edges, x, side="left")`); the outer bins are open-ended, so current
/// values outside the reference range still land in a bin.
struct QuantileBins: Sendable, Codable, Equatable {
    /// Sorted, distinct inner bin edges.
    let edges: [Double]

    /// Creates bins from explicit edges (e.g. restored from a snapshot).
    /// - Precondition: `edges` sorted ascending and distinct.
    init(edges: [Double]) {
        precondition(zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 },
                     "QuantileBins edges must be strictly increasing")
        self.edges = edges
    }

    /// Cuts `bins` quantile bins from a reference sample.
    /// - Precondition: `bins >= 2`, `reference` not empty.
    init(reference: [Double], bins: Int) {
        precondition(bins >= 2, "QuantileBins needs at least 2 bins, got \(bins)")
        precondition(!reference.isEmpty, "QuantileBins needs a non-empty reference sample")
        let sorted = reference.sorted()
        var cut: [Double] = []
        for i in 1..<bins {
            let q = QuantileBins.linearQuantile(sorted: sorted, q: Double(i) / Double(bins))
            if cut.last != q { cut.append(q) }
        }
        // Interpolated quantiles are monotone; sorting guards the unique() contract anyway.
        var unique: [Double] = []
        for e in cut.sorted() where unique.last != e { unique.append(e) }
        self.edges = unique
    }

    /// Number of bins (`edges.count + 1`).
    var binCount: Int { edges.count + 1 }

    /// The bin of `x`: the first `j` with `edges[j] >= x` (binary search, O(log bins)).
    func index(of x: Double) -> Int {
        var lo = 0, hi = edges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if edges[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Counts per bin for a sample.
    func counts<S: Sequence>(_ values: S) -> [Int] where S.Element == Double {
        var out = Array(repeating: 0, count: binCount)
        for v in values { out[index(of: v)] += 1 }
        return out
    }

    /// NumPy `quantile(a, q, method="linear")` on sorted data, with NumPy's `_lerp`
    /// (interpolate from the nearer end) so edges match to the last bit.
    static func linearQuantile(sorted a: [Double], q: Double) -> Double {
        let n = a.count
        let virtualIndex = Double(n - 1) * q
        let previous = min(max(Int(virtualIndex.rounded(.down)), 0), n - 1)
        let next = min(previous + 1, n - 1)
        let gamma = virtualIndex - Double(previous)
        let lower = a[previous], upper = a[next]
        let diff = upper - lower
        return gamma >= 0.5 ? upper - diff * (1 - gamma) : lower + diff * gamma
    }
}
