extension DriftMonitor {
    /// Computes every statistic now. O(labels + bins·features); no allocation proportional to
    /// the window sizes.
    public func report() -> DriftReport {
        let t = configuration.thresholds
        let label = labelDrift()
        let input = inputDrift()
        let concept = conceptDrift()
        let severity = max(label?.severity ?? .ok, input?.severity ?? .ok, concept.severity)
        return DriftReport(
            adapter: adapter, examplesSeen: examplesSeen,
            reference: .init(state: isReferenceFrozen ? "frozen" : "collecting", examples: referenceExamples,
                             target: configuration.referenceSize, frozenAtIndex: referenceFrozenAt),
            currentExamples: labels.currentCount, currentCapacity: configuration.currentSize,
            label: label, input: input, concept: concept, severity: severity, thresholds: t,
            skippedEmbeddings: skippedEmbeddings, skippedLosses: skippedLosses)
    }

    private func labelDrift() -> DriftReport.LabelDrift? {
        guard isReferenceFrozen, labels.currentCount >= configuration.minimumCurrentCount else { return nil }
        let ref = labels.referenceCounts, cur = labels.currentCounts
        let refD = ref.mapValues(Double.init), curD = cur.mapValues(Double.init)
        guard let js = DistributionDrift.jensenShannon(reference: refD, current: curD,
                                                       pseudocount: configuration.jsPseudocount),
              let psi = DistributionDrift.populationStabilityIndex(reference: refD, current: curD,
                                                                   epsilon: configuration.psiEpsilon)
        else { return nil }
        let t = configuration.thresholds
        return .init(jsDivergence: js, psi: psi, referenceCounts: ref, currentCounts: cur,
                     newLabels: cur.keys.filter { (ref[$0] ?? 0) == 0 }.sorted(),
                     missingLabels: ref.filter { $0.value > 0 && cur[$0.key] == nil }.keys.sorted(),
                     severity: max(t.severity(js: js), t.severity(psi: psi)))
    }

    private func inputDrift() -> DriftReport.InputDrift? {
        guard isReferenceFrozen else { return nil }
        var names = [Self.tokenLengthFeature, Self.oovRateFeature]
        names += projectionWindows.indices.map(Self.projectionFeature)
        let windows = [tokenLength, oovRate] + projectionWindows
        let t = configuration.thresholds
        var features: [DriftReport.FeatureDrift] = []
        for (name, w) in zip(names, windows) {
            guard let psi = w.psi(epsilon: configuration.psiEpsilon,
                                  minimumCurrent: configuration.minimumCurrentCount) else { continue }
            features.append(.init(feature: name, psi: psi, referenceCount: w.referenceCount,
                                  currentCount: w.currentCount, severity: t.severity(psi: psi)))
        }
        guard let maxPSI = features.map(\.psi).max() else { return nil }
        return .init(features: features, maxPSI: maxPSI, severity: t.severity(psi: maxPSI))
    }

    private func conceptDrift() -> DriftReport.ConceptDrift {
        let t = configuration.thresholds
        let now = examplesSeen - 1
        func entry<D: ConceptDriftDetector>(_ name: String, _ signal: String, _ d: TrackedDetector<D>,
                                            width: Int) -> DriftReport.Detector {
            .init(name: name, signal: signal, driftDetected: d.detector.driftDetected, detections: d.detections,
                  lastDetectionIndex: d.lastDetectionIndex, estimation: d.detector.estimation, width: width,
                  severity: t.severity(detectionExamplesAgo: d.lastDetectionIndex.map { now - $0 }))
        }
        let detectors = [
            entry("adwin", "error", adwinError, width: adwinError.detector.width),
            entry("adwin", "loss", adwinLoss, width: adwinLoss.detector.width),
            entry("page_hinkley", "error", pageHinkleyError, width: Int(pageHinkleyError.detector.count)),
            entry("page_hinkley", "loss", pageHinkleyLoss, width: Int(pageHinkleyLoss.detector.count)),
        ]
        return .init(detectors: detectors, detections: detectors.map(\.detections).reduce(0, +),
                     lastDetectionIndex: detectors.compactMap(\.lastDetectionIndex).max(),
                     severity: detectors.map(\.severity).max() ?? .ok)
    }
}
