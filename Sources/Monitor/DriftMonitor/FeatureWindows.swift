/// Reference sample and sliding current window of one numeric feature, kept as quantile-bin
/// counts so PSI costs O(bins) and each new value O(log bins).
struct NumericFeatureWindow: Sendable {
    /// Raw reference values while the reference is being collected (dropped when frozen).
    private(set) var pendingReference: [Double] = []
    private(set) var bins: QuantileBins?
    private(set) var referenceCounts: [Int] = []
    private var current: BoundedBuffer<Double>
    private(set) var currentCounts: [Int] = []

    init(currentSize: Int) {
        current = BoundedBuffer(capacity: currentSize)
    }

    var referenceCount: Int { bins == nil ? pendingReference.count : referenceCounts.reduce(0, +) }
    var currentCount: Int { current.count }
    var currentValues: [Double] { current.elements }

    mutating func addReference(_ x: Double) {
        guard x.isFinite else { return }
        pendingReference.append(x)
    }

    /// Cuts quantile bins from the collected reference (no bins if nothing was collected).
    mutating func freeze(bins binCount: Int) {
        guard !pendingReference.isEmpty else { return }
        let bins = QuantileBins(reference: pendingReference, bins: binCount)
        freeze(bins: bins, counts: bins.counts(pendingReference))
    }

    /// Installs a frozen reference (from a snapshot or the previous current window).
    mutating func freeze(bins: QuantileBins, counts: [Int]) {
        self.bins = bins
        referenceCounts = counts
        pendingReference = []
        current.removeAll()
        currentCounts = Array(repeating: 0, count: bins.binCount)
    }

    /// Adds a value to the sliding window; ignored until the reference is frozen.
    mutating func addCurrent(_ x: Double) {
        guard x.isFinite, let bins else { return }
        currentCounts[bins.index(of: x)] += 1
        if let evicted = current.append(x) { currentCounts[bins.index(of: evicted)] -= 1 }
    }

    /// Back to an empty, collecting state.
    mutating func reset() {
        pendingReference = []
        bins = nil
        referenceCounts = []
        current.removeAll()
        currentCounts = []
    }

    /// PSI of the current window against the reference, once `minimumCurrent` values are in.
    func psi(epsilon: Double, minimumCurrent: Int) -> Double? {
        guard bins != nil, current.count >= minimumCurrent else { return nil }
        return DistributionDrift.populationStabilityIndex(
            referenceCounts: referenceCounts.map(Double.init),
            currentCounts: currentCounts.map(Double.init), epsilon: epsilon)
    }
}

/// Label counts of the reference and of the sliding current window.
struct LabelWindow: Sendable {
    private(set) var referenceCounts: [String: Int] = [:]
    private var current: BoundedBuffer<Int>
    private var ids: [String: Int] = [:]
    private var names: [String] = []
    private var countsByID: [Int] = []

    init(currentSize: Int) {
        current = BoundedBuffer(capacity: currentSize)
    }

    var currentCount: Int { current.count }

    var currentCounts: [String: Int] {
        var out: [String: Int] = [:]
        for (id, n) in countsByID.enumerated() where n > 0 { out[names[id]] = n }
        return out
    }

    mutating func addReference(_ label: String) { referenceCounts[label, default: 0] += 1 }

    mutating func addCurrent(_ label: String) {
        let id: Int
        if let known = ids[label] {
            id = known
        } else {
            id = names.count
            ids[label] = id
            names.append(label)
            countsByID.append(0)
        }
        countsByID[id] += 1
        if let evicted = current.append(id) { countsByID[evicted] -= 1 }
    }

    /// Installs a reference table and empties the current window.
    mutating func setReference(_ counts: [String: Int]) {
        referenceCounts = counts
        current.removeAll()
        countsByID = Array(repeating: 0, count: names.count)
    }

    mutating func reset() { setReference([:]) }
}
