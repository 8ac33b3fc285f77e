extension DriftMonitor {
    /// Computes every statistic now. O(labels + bins·features); no allocation proportional to
    /// the window sizes.
    package func report() -> DriftReport {
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
        let test = HomogeneityTest.gTest(reference: refD, current: curD, minimumExpected: configuration.minimumExpected)
        // "New" / "gone": all of a label's occurrences in one window, unlikely under one
        // distribution after Bonferroni over every label seen.
        let r = Double(ref.values.reduce(0, +)), c = Double(cur.values.reduce(0, +))
        let tests = Double(Set(ref.keys).union(cur.keys).count)
        func significant(_ count: Int, share: Double) -> Bool {
            min(1, tests * HomogeneityTest.appearance(count: count, share: share)) < t.pAlert
        }
        let new = cur.filter { (ref[$0.key] ?? 0) == 0 && significant($0.value, share: c / (r + c)) }.keys.sorted()
        let gone = ref.filter { $0.value > 0 && cur[$0.key] == nil && significant($0.value, share: r / (r + c)) }
            .keys.sorted()
        return .init(jsDivergence: js, psi: psi, referenceCounts: ref, currentCounts: cur,
                     newLabels: new, missingLabels: gone, severity: t.severity(pValue: test?.pValue),
                     test: test, threshold: t.pAlert)
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
            let test = HomogeneityTest.gTest(reference: w.referenceCounts.map(Double.init),
                                             current: w.currentCounts.map(Double.init),
                                             minimumExpected: configuration.minimumExpected)
            features.append(.init(feature: name, psi: psi, referenceCount: w.referenceCount,
                                  currentCount: w.currentCount, severity: .ok, test: test))
        }
        guard let maxPSI = features.map(\.psi).max() else { return nil }
        // Holm over the features: ten tests at p < 0.001 each would otherwise alert 1 % of the time.
        let adjusted = HomogeneityTest.holm(features.map { $0.test?.pValue ?? 1 })
        for i in features.indices {
            features[i].adjustedPValue = adjusted[i]
            features[i].severity = t.severity(pValue: adjusted[i])
        }
        return .init(features: features, maxPSI: maxPSI, severity: features.map(\.severity).max() ?? .ok,
                     minAdjustedPValue: adjusted.min(), threshold: t.pAlert)
    }

    private func conceptDrift() -> DriftReport.ConceptDrift {
        let t = configuration.thresholds
        let now = examplesSeen - 1
        func entry<D: ConceptDriftDetector>(_ name: String, _ signal: String, _ d: TrackedDetector<D>,
                                            width: Int) -> DriftReport.Detector {
            .init(name: name, signal: signal, driftDetected: d.detector.driftDetected, detections: d.detections,
                  lastDetectionIndex: d.lastDetectionIndex, estimation: d.detector.estimation, width: width,
                  severity: t.severity(detectionExamplesAgo: d.lastDetectionIndex.map { now - $0 }),
                  lastAlarm: d.lastAlarm, improvements: d.improvements)
        }
        let detectors = [
            entry("adwin", "error", adwinError, width: adwinError.detector.width),
            entry("adwin", "loss", adwinLoss, width: adwinLoss.detector.width),
            entry("page_hinkley", "error", pageHinkleyError, width: Int(pageHinkleyError.detector.count)),
            entry("page_hinkley", "loss", pageHinkleyLoss, width: Int(pageHinkleyLoss.detector.count)),
        ]
        return .init(detectors: detectors, detections: detectors.map(\.detections).reduce(0, +),
                     lastDetectionIndex: detectors.compactMap(\.lastDetectionIndex).max(),
                     severity: detectors.map(\.severity).max() ?? .ok, warm: isConceptWarm)
    }
}
