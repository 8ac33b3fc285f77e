/// Per-adapter drift aggregator: label drift, input drift and concept drift in one place.
///
/// * **Reference window**: the first `referenceSize` examples (or a restored `DriftReference`).
///   Numeric features are cut into quantile bins of the reference when it freezes.
/// * **Current window**: the last `currentSize` examples after the reference froze, kept as
///   label / bin counts updated in O(1) amortised per example (O(log bins) per feature).
/// * **Concept drift**: ADWIN and Page-Hinkley on the 0/1 prequential error and on the loss,
///   River's defaults, counted over the monitor's lifetime with the stream index of the last hit.
///
/// `report()` costs O(labels + bins·features) and can be called as often as the UI wants.
/// After a promotion or rollback call `modelChanged()`: the concept detectors restart (a new
/// model's error and loss form a new regime), while the data's reference stays unless it
/// already shows drift.
/// A value type: the learner owns one per adapter inside its own isolation domain.
public struct DriftMonitor: Sendable {
    public let adapter: String
    public let configuration: DriftMonitorConfiguration

    /// Examples observed since creation; the stream index of the next example.
    public private(set) var examplesSeen = 0
    /// Stream index at which the current reference froze (`nil` while collecting).
    public internal(set) var referenceFrozenAt: Int?
    /// Examples in the reference so far.
    public internal(set) var referenceExamples = 0
    /// Embeddings ignored because their dimension differed from the first one seen.
    public private(set) var skippedEmbeddings = 0
    /// Losses ignored by the loss detectors because they were not finite.
    public private(set) var skippedLosses = 0

    var labels: LabelWindow
    var tokenLength: NumericFeatureWindow
    var oovRate: NumericFeatureWindow
    var projectionWindows: [NumericFeatureWindow]
    var projection: RandomProjection?

    var adwinError: TrackedDetector<ADWIN>
    var adwinLoss: TrackedDetector<ADWIN>
    var pageHinkleyError: TrackedDetector<PageHinkley>
    var pageHinkleyLoss: TrackedDetector<PageHinkley>

    /// - Throws: `DriftMonitorError.invalidConfiguration` naming the bad field.
    public init(adapter: String, configuration: DriftMonitorConfiguration = .init()) throws(DriftMonitorError) {
        try configuration.validate()
        self.adapter = adapter
        self.configuration = configuration
        let m = configuration.currentSize
        labels = LabelWindow(currentSize: m)
        tokenLength = NumericFeatureWindow(currentSize: m)
        oovRate = NumericFeatureWindow(currentSize: m)
        projectionWindows = Array(repeating: NumericFeatureWindow(currentSize: m), count: configuration.projections)
        adwinError = TrackedDetector(configuration.adwin.makeDetector())
        adwinLoss = TrackedDetector(configuration.adwin.makeDetector())
        pageHinkleyError = TrackedDetector(configuration.pageHinkley.makeDetector())
        pageHinkleyLoss = TrackedDetector(configuration.pageHinkley.makeDetector())
    }

    /// Whether the reference window is frozen (statistics can be computed).
    public var isReferenceFrozen: Bool { referenceFrozenAt != nil }

    /// Feeds one example.
    public mutating func observe(_ o: DriftObservation) {
        let index = examplesSeen
        examplesSeen += 1

        let err = o.error ? 1.0 : 0.0
        adwinError.update(err, at: index)
        pageHinkleyError.update(err, at: index)
        if o.loss.isFinite {
            adwinLoss.update(o.loss, at: index)
            pageHinkleyLoss.update(o.loss, at: index)
        } else {
            skippedLosses += 1
        }

        let projected = project(o.embedding)
        if isReferenceFrozen {
            labels.addCurrent(o.label)
            tokenLength.addCurrent(Double(o.tokenLength))
            oovRate.addCurrent(o.oovRate)
            if let projected {
                for j in projectionWindows.indices { projectionWindows[j].addCurrent(projected[j]) }
            }
        } else {
            labels.addReference(o.label)
            tokenLength.addReference(Double(o.tokenLength))
            oovRate.addReference(o.oovRate)
            if let projected {
                for j in projectionWindows.indices { projectionWindows[j].addReference(projected[j]) }
            }
            referenceExamples += 1
            if referenceExamples >= configuration.referenceSize { freezeReference(at: index) }
        }
    }

    /// Starts a new baseline: the next `referenceSize` examples become the reference and the
    /// current window empties. Call it after promoting a new adapter version.
    /// - Parameter resetDetectors: also restart ADWIN / Page-Hinkley (lifetime counts are kept),
    ///   since a new model's error and loss form a new regime.
    public mutating func resetReference(resetDetectors: Bool = true) {
        referenceFrozenAt = nil
        referenceExamples = 0
        labels.reset()
        tokenLength.reset()
        oovRate.reset()
        for j in projectionWindows.indices { projectionWindows[j].reset() }
        if resetDetectors { self.resetDetectors() }
    }

    /// The serving model changed (promotion or rollback). Concept detectors restart: they watch
    /// the model's error and loss, a new regime. Label and input drift describe the stream, not
    /// the model, so their reference is kept — resetting it on every promotion would keep it
    /// collecting forever when versions are promoted more often than `referenceSize` examples.
    /// Only when they already show an alert does the current window become the reference: the
    /// new version has learned from the drifted stream, which is the new normal.
    public mutating func modelChanged() {
        resetDetectors()
        let report = report()
        if max(report.label?.severity ?? .ok, report.input?.severity ?? .ok) == .alert {
            adoptCurrentWindowAsReference()
        }
    }

    /// Makes the current window the new reference (e.g. "accept this drift as the new normal").
    /// Does nothing while the reference is still being collected or the window is empty.
    public mutating func adoptCurrentWindowAsReference() {
        guard isReferenceFrozen, labels.currentCount > 0 else { return }
        let current = labels.currentCounts
        labels.setReference(current)
        referenceExamples = labels.referenceCounts.values.reduce(0, +)
        for window in allFeatureWindows() {
            let values = self[keyPath: window].currentValues
            if values.isEmpty {
                self[keyPath: window].reset()
            } else {
                let bins = QuantileBins(reference: values, bins: configuration.bins)
                self[keyPath: window].freeze(bins: bins, counts: bins.counts(values))
            }
        }
        referenceFrozenAt = examplesSeen - 1
    }

    /// Restarts the four concept-drift detectors.
    public mutating func resetDetectors() {
        adwinError.reset()
        adwinLoss.reset()
        pageHinkleyError.reset()
        pageHinkleyLoss.reset()
    }

    private mutating func freezeReference(at index: Int) {
        for window in allFeatureWindows() { self[keyPath: window].freeze(bins: configuration.bins) }
        referenceFrozenAt = index
    }

    func allFeatureWindows() -> [WritableKeyPath<DriftMonitor, NumericFeatureWindow>] {
        [\.tokenLength, \.oovRate] + projectionWindows.indices.map { \DriftMonitor.projectionWindows[$0] }
    }

    /// Projects an embedding, creating the directions from the first embedding's dimension.
    private mutating func project(_ embedding: [Float]?) -> [Double]? {
        guard configuration.projections > 0, let embedding, !embedding.isEmpty else { return nil }
        if projection == nil {
            projection = RandomProjection(seed: configuration.projectionSeed, count: configuration.projections,
                                          dimension: embedding.count)
        }
        guard let projection, projection.dimension == embedding.count else {
            skippedEmbeddings += 1
            return nil
        }
        return projection.project(embedding)
    }
}
