import Testing
@testable import Monitor

@Suite("DriftMonitor reproduces the SciPy / NumPy / River scenario")
struct DriftMonitorScenarioTests {
    @Test("window statistics at 700, 1500, 1800 and 2400 examples")
    func windowStatistics() throws {
        let s = try ScenarioFixture.shared.get()
        var monitor = try DriftMonitor(adapter: "sentiment", configuration: s.configuration)
        var checked = 0
        for (i, e) in s.examples.enumerated() {
            monitor.observe(e.observation)
            if i < 3 {
                let p = RandomProjection(seed: s.settings.projection_seed, count: s.settings.projections,
                                         dimension: s.settings.dim).project(e.embedding.map { Float($0) })
                for (a, b) in zip(p, s.projections_first3[i]) { #expect(close(a, b, 1e-12)) }
            }
            guard let expected = s.reports.first(where: { $0.end == i + 1 }) else { continue }
            checked += 1
            let r = monitor.report()
            #expect(r.examplesSeen == expected.end)
            #expect(r.currentExamples == expected.current_count)
            let label = try #require(r.label, "label drift missing at \(expected.end)")
            #expect(close(label.jsDivergence, expected.label_js), "JS at \(expected.end): \(label.jsDivergence) vs \(expected.label_js)")
            #expect(close(label.psi, expected.label_psi), "label PSI at \(expected.end)")
            let input = try #require(r.input, "input drift missing at \(expected.end)")
            #expect(close(try #require(input.psi("token_length")), expected.token_length_psi), "token PSI at \(expected.end)")
            #expect(close(try #require(input.psi("oov_rate")), expected.oov_rate_psi), "OOV PSI at \(expected.end)")
            for (j, want) in expected.projection_psi.enumerated() {
                let got = try #require(input.psi("projection_\(j)"))
                #expect(close(got, want), "projection_\(j) PSI at \(expected.end): \(got) vs \(want)")
            }
            let all = [expected.token_length_psi, expected.oov_rate_psi] + expected.projection_psi
            #expect(close(input.maxPSI, all.max()!))
        }
        #expect(checked == s.reports.count)
    }

    @Test("detector detections, estimations and severities")
    func detectors() throws {
        let s = try ScenarioFixture.shared.get()
        var monitor = try DriftMonitor(adapter: "sentiment", configuration: s.configuration)
        var hits: [String: [Int]] = [:]
        var lastCounts: [String: Int] = [:]
        for e in s.examples {
            monitor.observe(e.observation)
            for d in monitor.report().concept.detectors where d.detections != lastCounts["\(d.name)_\(d.signal)", default: 0] {
                lastCounts["\(d.name)_\(d.signal)"] = d.detections
                hits["\(d.name)_\(d.signal)", default: []].append(try #require(d.lastDetectionIndex))
            }
        }
        for (key, want) in s.detections { #expect(hits[key, default: []] == want, "\(key)") }
        let r = monitor.report()
        let ae = try #require(r.concept.detector("adwin", "error"))
        #expect(close(ae.estimation, s.final.adwin_error_estimation))
        #expect(ae.width == s.final.adwin_error_width)
        let al = try #require(r.concept.detector("adwin", "loss"))
        #expect(close(al.estimation, s.final.adwin_loss_estimation))
        #expect(al.width == s.final.adwin_loss_width)
        #expect(close(try #require(r.concept.detector("page_hinkley", "error")).estimation, s.final.page_hinkley_error_mean))
        #expect(close(try #require(r.concept.detector("page_hinkley", "loss")).estimation, s.final.page_hinkley_loss_mean))
        #expect(r.concept.detections == s.detections.values.map(\.count).reduce(0, +))
        #expect(r.concept.lastDetectionIndex == s.detections.values.flatMap { $0 }.max())

        // Drift at 1500: labels gain "spam", every PSI is far above 0.25.
        let label = try #require(r.label)
        #expect(label.newLabels == ["spam"])
        #expect(label.missingLabels.isEmpty)
        #expect(label.severity == .alert)
        #expect(try #require(r.input).severity == .alert)
        #expect(r.severity == .alert)
        // Last detection (≤ 1717) is more than 500 but less than 5000 examples before 2399.
        #expect(r.concept.severity == .warn)
    }

    @Test("before the drift everything is ok; while collecting there are no statistics")
    func quietBeforeDrift() throws {
        let s = try ScenarioFixture.shared.get()
        var monitor = try DriftMonitor(adapter: "sentiment", configuration: s.configuration)
        for e in s.examples.prefix(399) { monitor.observe(e.observation) }
        var r = monitor.report()
        #expect(r.reference.state == "collecting")
        #expect(r.reference.examples == 399)
        #expect(r.label == nil && r.input == nil)
        for e in s.examples[399..<1500] { monitor.observe(e.observation) }
        r = monitor.report()
        #expect(r.reference.state == "frozen")
        #expect(r.reference.frozenAtIndex == 399)
        #expect(r.label?.severity == .ok)
        #expect(r.concept.detections == 0)
        #expect(r.concept.severity == .ok)
    }
}
