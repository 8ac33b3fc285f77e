extension DriftMonitor {
    /// Feature names used in reports, snapshots and metric labels.
    static let tokenLengthFeature = "token_length"
    static let oovRateFeature = "oov_rate"
    static func projectionFeature(_ j: Int) -> String { "projection_\(j)" }

    /// The frozen reference, for storing with an adapter version (`nil` while collecting).
    func referenceSnapshot() -> DriftReference? {
        guard isReferenceFrozen else { return nil }
        var features: [String: DriftReference.Feature] = [:]
        func add(_ name: String, _ w: NumericFeatureWindow) {
            if let bins = w.bins { features[name] = .init(edges: bins.edges, counts: w.referenceCounts) }
        }
        add(Self.tokenLengthFeature, tokenLength)
        add(Self.oovRateFeature, oovRate)
        for (j, w) in projectionWindows.enumerated() { add(Self.projectionFeature(j), w) }
        return DriftReference(examples: referenceExamples, labelCounts: labels.referenceCounts, features: features,
                              projectionSeed: projection?.seed, projectionDimension: projection?.dimension)
    }

    /// Installs a stored reference and empties the current window (detectors are untouched).
    /// - Throws: `DriftMonitorError.referenceMismatch` when the snapshot's projections were made
    ///   with another seed, or a feature's edges and counts do not fit together.
    mutating func restoreReference(_ reference: DriftReference) throws(DriftMonitorError) {
        let hasProjections = reference.features.keys.contains { $0.hasPrefix("projection_") }
        if hasProjections {
            guard reference.projectionSeed == configuration.projectionSeed else {
                throw .referenceMismatch(field: "projection_seed",
                    reason: "is \(reference.projectionSeed.map(String.init) ?? "missing"), monitor uses \(configuration.projectionSeed)")
            }
            guard let dim = reference.projectionDimension, dim >= 1 else {
                throw .referenceMismatch(field: "projection_dimension", reason: "missing for projection features")
            }
            if let projection, projection.dimension != dim {
                throw .referenceMismatch(field: "projection_dimension",
                                         reason: "is \(dim), embeddings seen so far have \(projection.dimension)")
            }
            if configuration.projections > 0 {
                projection = RandomProjection(seed: configuration.projectionSeed, count: configuration.projections,
                                              dimension: dim)
            }
        }
        var installed: [(WritableKeyPath<DriftMonitor, NumericFeatureWindow>, QuantileBins?, [Int])] = []
        var names = [Self.tokenLengthFeature, Self.oovRateFeature]
        names += projectionWindows.indices.map(Self.projectionFeature)
        for (name, window) in zip(names, allFeatureWindows()) {
            guard let f = reference.features[name] else {
                installed.append((window, nil, []))
                continue
            }
            guard zip(f.edges, f.edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw .referenceMismatch(field: "features.\(name).edges", reason: "are not strictly increasing")
            }
            guard f.counts.count == f.edges.count + 1, f.counts.allSatisfy({ $0 >= 0 }) else {
                throw .referenceMismatch(field: "features.\(name).counts",
                    reason: "has \(f.counts.count) entries, expected edges + 1 = \(f.edges.count + 1), all >= 0")
            }
            installed.append((window, QuantileBins(edges: f.edges), f.counts))
        }
        labels.setReference(reference.labelCounts)
        for (window, bins, counts) in installed {
            self[keyPath: window].reset()
            if let bins { self[keyPath: window].freeze(bins: bins, counts: counts) }
        }
        referenceExamples = reference.examples
        referenceFrozenAt = max(examplesSeen - 1, 0)
    }
}
