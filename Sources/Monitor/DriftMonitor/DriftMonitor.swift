/// Per-adapter drift aggregator: label drift, input drift and concept drift in one place.
///
/// * **Reference window**: the first `referenceSize` examples (or a restored `DriftReference`).
///   Numeric features are cut into quantile bins of the reference when it freezes.
/// * **Current window**: the last `currentSize` examples after the reference froze, kept as
///   label / bin counts updated in O(1) amortised per example (O(log bins) per feature).
/// * **Concept drift**: ADWIN and Page-Hinkley on the 0/1 prequential error and on the loss,
///   River's detectors, counted over the monitor's lifetime with the stream index of the last hit.
///   One-sided by default: only a *rising* error or loss is an alarm (Page-Hinkley `mode: up`;
///   an ADWIN cut whose recent sub-window has the lower mean is counted as an improvement), and
///   the detectors are fed only after `conceptWarmup` examples, while the learner's error still
///   falls steeply from chance level.
/// * **Label and input drift** are judged by G-tests of homogeneity with p-values (see
///   ``HomogeneityTest``); PSI and JS divergence are reported as effect sizes.
///
/// `report()` costs O(labels + bins·features) and can be called as often as the UI wants.
/// After a promotion or rollback call `modelChanged()`: the concept detectors restart (a new
/// model's error and loss form a new regime), while the data's reference stays unless it
/// already shows drift.
/// A value type: the learner owns one per adapter inside its own isolation domain.
package struct DriftMonitor: Sendable {
    package let adapter: String
    package let configuration: DriftMonitorConfiguration

    /// Examples observed since creation; the stream index of the next example.
    package private(set) var examplesSeen = 0
    /// Stream index at which the current reference froze (`nil` while collecting).
    var referenceFrozenAt: Int?
    /// Examples in the reference so far.
    var referenceExamples = 0
    /// Embeddings ignored because their dimension differed from the first one seen.
    package private(set) var skippedEmbeddings = 0
    /// Losses ignored by the loss detectors because they were not finite.
    package private(set) var skippedLosses = 0

    var labels: LabelWindow
    var tokenLength: NumericFeatureWindow
    var oovRate: NumericFeatureWindow
    var projectionWindows: [NumericFeatureWindow]
    var projection: RandomProjection?

    var adwinError: TrackedDetector<ADWIN>
    var adwinLoss: TrackedDetector<ADWIN>
    var pageHinkleyError: TrackedDetector<PageHinkley>
    var pageHinkleyLoss: TrackedDetector<PageHinkley>
    /// Warm-up spread of the error and the loss (Page-Hinkley's units when standardizing).
    var errorScale = RunningSpread()
    var lossScale = RunningSpread()

    /// - Throws: `DriftMonitorError.invalidConfiguration` naming the bad field.
    package init(adapter: String, configuration: DriftMonitorConfiguration = .init()) throws(DriftMonitorError) {
        try configuration.validate()
        self.adapter = adapter
        self.configuration = configuration
        let m = configuration.currentSize
        labels = LabelWindow(currentSize: m)
        tokenLength = NumericFeatureWindow(currentSize: m)
        oovRate = NumericFeatureWindow(currentSize: m)
        projectionWindows = Array(repeating: NumericFeatureWindow(currentSize: m), count: configuration.projections)
        let oneSided = configuration.conceptOneSided
        adwinError = TrackedDetector(configuration.adwin.makeDetector(), onlyIncreases: oneSided)
        adwinLoss = TrackedDetector(configuration.adwin.makeDetector(), onlyIncreases: oneSided)
        // Page-Hinkley's direction is its own `mode`.
        pageHinkleyError = TrackedDetector(configuration.pageHinkley.makeDetector(), onlyIncreases: false)
        pageHinkleyLoss = TrackedDetector(configuration.pageHinkley.makeDetector(), onlyIncreases: false)
    }

    /// Restarts Page-Hinkley at the level ADWIN's window holds after an improvement cut: its mean,
    /// weighted by its width, and — when standardizing — its spread as the new unit.
    static func reanchor(_ ph: inout TrackedDetector<PageHinkley>, at adwin: ADWIN, scale: inout RunningSpread,
                         standardize: Bool) {
        let width = Double(adwin.width)
        if standardize && width >= 2 { scale.rebase(deviation: (adwin.variance / width).squareRoot()) }
        let level = adwin.estimation
        ph.detector.reanchor(mean: standardize ? scale.scaled(level) : level, count: width)
    }

    /// Whether the reference window is frozen (statistics can be computed).
    var isReferenceFrozen: Bool { referenceFrozenAt != nil }

    /// Whether the concept detectors are being fed (the learner's warm-up is over).
    var isConceptWarm: Bool { examplesSeen > configuration.conceptWarmup }

    /// Feeds one example.
    /// - Returns: the first concept alarm this example triggered (error detectors first).
    @discardableResult
    package mutating func observe(_ o: DriftObservation) -> ConceptAlarm? {
        let index = examplesSeen
        examplesSeen += 1

        var alarms: [ConceptAlarm?] = []
        let err = o.error ? 1.0 : 0.0
        if index >= configuration.conceptWarmup {
            let standardize = configuration.conceptStandardize
            let improvements = (error: adwinError.improvements, loss: adwinLoss.improvements)
            alarms.append(adwinError.update(err, at: index, name: "adwin", signal: "error"))
            if configuration.conceptReanchor && adwinError.improvements > improvements.error {
                Self.reanchor(&pageHinkleyError, at: adwinError.detector, scale: &errorScale, standardize: standardize)
            }
            alarms.append(pageHinkleyError.update(standardize ? errorScale.scaled(err) : err, at: index,
                                                  name: "page_hinkley", signal: "error"))
            if o.loss.isFinite {
                alarms.append(adwinLoss.update(o.loss, at: index, name: "adwin", signal: "loss"))
                if configuration.conceptReanchor && adwinLoss.improvements > improvements.loss {
                    Self.reanchor(&pageHinkleyLoss, at: adwinLoss.detector, scale: &lossScale, standardize: standardize)
                }
                alarms.append(pageHinkleyLoss.update(standardize ? lossScale.scaled(o.loss) : o.loss, at: index,
                                                     name: "page_hinkley", signal: "loss"))
            } else {
                skippedLosses += 1
            }
        } else {
            errorScale.add(err)
            if o.loss.isFinite { lossScale.add(o.loss) } else { skippedLosses += 1 }
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
        return alarms.lazy.compactMap { $0 }.first
    }

    /// Starts a new baseline: the next `referenceSize` examples become the reference and the
    /// current window empties. Call it after promoting a new adapter version.
    /// - Parameter resetDetectors: also restart ADWIN / Page-Hinkley (lifetime counts are kept),
    ///   since a new model's error and loss form a new regime.
    mutating func resetReference(resetDetectors: Bool = true) {
        referenceFrozenAt = nil
        referenceExamples = 0
        labels.reset()
        tokenLength.reset()
        oovRate.reset()
        for j in projectionWindows.indices { projectionWindows[j].reset() }
        if resetDetectors { self.resetDetectors() }
    }

    /// A version was promoted while the trainer goes on unchanged: the prequential error and
    /// loss (measured with the trainer) form the same regime, so the detectors keep their
    /// windows. Label and input drift that already alert become the new reference, as in
    /// ``modelChanged()``.
    package mutating func versionPromoted() {
        let report = report()
        if max(report.label?.severity ?? .ok, report.input?.severity ?? .ok) == .alert {
            adoptCurrentWindowAsReference()
        }
    }

    /// The trainer was replaced (rollback or reload). Concept detectors restart: they watch
    /// the model's error and loss, a new regime. Label and input drift describe the stream, not
    /// the model, so their reference is kept — resetting it on every promotion would keep it
    /// collecting forever when versions are promoted more often than `referenceSize` examples.
    /// Only when they already show an alert does the current window become the reference: the
    /// new version has learned from the drifted stream, which is the new normal.
    package mutating func modelChanged() {
        resetDetectors()
        let report = report()
        if max(report.label?.severity ?? .ok, report.input?.severity ?? .ok) == .alert {
            adoptCurrentWindowAsReference()
        }
    }

    /// Makes the current window the new reference (e.g. "accept this drift as the new normal").
    /// Does nothing while the reference is still being collected or the window is empty.
    mutating func adoptCurrentWindowAsReference() {
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
    mutating func resetDetectors() {
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
