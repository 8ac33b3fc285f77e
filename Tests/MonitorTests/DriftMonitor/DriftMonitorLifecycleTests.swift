import Foundation
import Testing
@testable import Monitor

/// Reference numbers for a report's windows, whichever fixture entry they come from.
private func expectWindows(_ r: DriftReport, js: Double, labelPSI: Double, tokenPSI: Double, oovPSI: Double,
                           projectionPSI: [Double], currentCount: Int) throws {
    #expect(r.currentExamples == currentCount)
    let label = try #require(r.label)
    #expect(close(label.jsDivergence, js), "JS \(label.jsDivergence) vs \(js)")
    #expect(close(label.psi, labelPSI), "label PSI \(label.psi) vs \(labelPSI)")
    let input = try #require(r.input)
    #expect(close(try #require(input.psi("token_length")), tokenPSI))
    #expect(close(try #require(input.psi("oov_rate")), oovPSI))
    for (j, want) in projectionPSI.enumerated() {
        #expect(close(try #require(input.psi("projection_\(j)")), want), "projection_\(j)")
    }
}

@Suite("DriftMonitor reference lifecycle: reset, adopt, snapshot, restore")
struct DriftMonitorLifecycleTests {
    @Test("resetReference makes the next examples the reference and restarts the detectors")
    func resetReference() throws {
        let s = try ScenarioFixture.shared.get()
        let want = s.after_reset
        let resetAt = try #require(want.reset_after)
        var monitor = try DriftMonitor(adapter: "a", configuration: s.configuration)
        s.feed(&monitor, 0..<resetAt)
        monitor.resetReference()
        #expect(monitor.report().reference.state == "collecting")
        #expect(monitor.report().label == nil)
        s.feed(&monitor, resetAt..<want.end)
        let r = monitor.report()
        #expect(r.reference.frozenAtIndex == resetAt + s.settings.reference_size - 1)
        try expectWindows(r, js: want.label_js, labelPSI: want.label_psi, tokenPSI: want.token_length_psi,
                          oovPSI: want.oov_rate_psi, projectionPSI: want.projection_psi, currentCount: want.current_count)
        let detections = try #require(want.detections)
        for d in r.concept.detectors {
            let key = "\(d.name)_\(d.signal)"
            let expected = try #require(detections[key], "\(key) missing")
            #expect(d.detections == expected.count, "\(key)")
            #expect(d.lastDetectionIndex == expected.last, "\(key)")
        }
    }

    @Test("adoptCurrentWindowAsReference re-cuts bins from the current window")
    func adopt() throws {
        let s = try ScenarioFixture.shared.get()
        let want = s.after_adopt
        let adoptAt = try #require(want.adopt_after)
        var monitor = try DriftMonitor(adapter: "a", configuration: s.configuration)
        s.feed(&monitor, 0..<adoptAt)
        monitor.adoptCurrentWindowAsReference()
        #expect(monitor.report().currentExamples == 0)
        #expect(monitor.referenceExamples == s.settings.current_size)
        s.feed(&monitor, adoptAt..<want.end)
        try expectWindows(monitor.report(), js: want.label_js, labelPSI: want.label_psi,
                          tokenPSI: want.token_length_psi, oovPSI: want.oov_rate_psi,
                          projectionPSI: want.projection_psi, currentCount: want.current_count)
    }

    @Test("a reference snapshot survives JSON and reproduces the statistics in a new monitor")
    func snapshotRestore() throws {
        let s = try ScenarioFixture.shared.get()
        var original = try DriftMonitor(adapter: "a", configuration: s.configuration)
        s.feed(&original, 0..<s.settings.reference_size)
        let snapshot = try #require(original.referenceSnapshot())
        #expect(snapshot.examples == s.settings.reference_size)
        #expect(snapshot.features.count == 2 + s.settings.projections)
        #expect(snapshot.features["token_length"]?.counts.reduce(0, +) == s.settings.reference_size)
        let json = try JSONEncoder().encode(snapshot)
        let decoded = try JSONDecoder().decode(DriftReference.self, from: json)
        #expect(decoded == snapshot)
        let keys = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any]).keys.sorted()
        #expect(keys == ["examples", "features", "label_counts", "projection_dimension", "projection_seed"])

        var restored = try DriftMonitor(adapter: "a", configuration: s.configuration)
        try restored.restoreReference(decoded)
        s.feed(&restored, s.settings.reference_size..<s.examples.count)
        let want = try #require(s.reports.last)
        try expectWindows(restored.report(), js: want.label_js, labelPSI: want.label_psi,
                          tokenPSI: want.token_length_psi, oovPSI: want.oov_rate_psi,
                          projectionPSI: want.projection_psi, currentCount: want.current_count)
    }

    @Test("restoring a snapshot made with another projection seed or broken counts is refused")
    func restoreMismatch() throws {
        let s = try ScenarioFixture.shared.get()
        var original = try DriftMonitor(adapter: "a", configuration: s.configuration)
        s.feed(&original, 0..<s.settings.reference_size)
        var snapshot = try #require(original.referenceSnapshot())
        var other = s.configuration
        other.projectionSeed = 1
        var monitor = try DriftMonitor(adapter: "a", configuration: other)
        #expect(throws: DriftMonitorError.self) { try monitor.restoreReference(snapshot) }
        monitor = try DriftMonitor(adapter: "a", configuration: s.configuration)
        snapshot.features["oov_rate"]?.counts.removeLast()
        do {
            try monitor.restoreReference(snapshot)
            Issue.record("broken counts were accepted")
        } catch {
            #expect(error.description.contains("features.oov_rate.counts"))
        }
        #expect(!monitor.isReferenceFrozen)
    }

    @Test("embeddings of another dimension and non-finite losses are skipped and counted")
    func skipped() throws {
        var c = DriftMonitorConfiguration()
        c.referenceSize = 2
        c.currentSize = 2
        c.minimumCurrentCount = 1
        c.projections = 2
        c.conceptWarmup = 0
        var monitor = try DriftMonitor(adapter: "a", configuration: c)
        monitor.observe(.init(label: "x", error: false, loss: 0.1, tokenLength: 5, oovRate: 0, embedding: [1, 2, 3]))
        monitor.observe(.init(label: "x", error: false, loss: .nan, tokenLength: 5, oovRate: 0, embedding: [1, 2]))
        monitor.observe(.init(label: "y", error: true, loss: .infinity, tokenLength: 6, oovRate: 0.5, embedding: nil))
        let r = monitor.report()
        #expect(r.skippedEmbeddings == 1)
        #expect(r.skippedLosses == 2)
        #expect(r.examplesSeen == 3)
        #expect(r.concept.detector("adwin", "loss")?.width == 1)
        #expect(r.concept.detector("adwin", "error")?.width == 3)
        // One "y" against two "x": far too few to call "y" new or "x" gone.
        #expect(r.label?.newLabels == [])
        #expect(r.label?.missingLabels == [])
        #expect(r.label?.severity == .ok)
        // One projection value in the reference, none current yet: no PSI for projections.
        #expect(r.input?.psi("projection_0") == nil)
        #expect(r.input?.psi("token_length") != nil)
    }
}
