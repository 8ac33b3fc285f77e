import Foundation
import Testing
@testable import Monitor

@Suite("DriftMonitorHub and the text summary")
struct DriftMonitorHubTests {
    @Test("concurrent adapters keep separate monitors; the scenario adapter matches the SciPy/River numbers")
    func concurrentAdapters() async throws {
        let s = try ScenarioFixture.shared.get()
        let hub = try DriftMonitorHub(configuration: s.configuration)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for e in s.examples { hub.observe(adapter: "scenario", e.observation) }
            }
            for name in ["b", "a"] {
                group.addTask {
                    for i in 0..<1_000 {
                        hub.observe(adapter: name, .init(label: "x", error: i % 3 == 0, loss: 0.5, tokenLength: 8,
                                                         oovRate: 0))
                    }
                }
            }
        }
        #expect(hub.adapters == ["a", "b", "scenario"])
        let reports = hub.reports()
        #expect(reports.map(\.adapter) == ["a", "b", "scenario"])
        #expect(reports.map(\.examplesSeen) == [1_000, 1_000, s.examples.count])
        let r = try #require(hub.report(adapter: "scenario"))
        let want = try #require(s.reports.last)
        #expect(close(try #require(r.label).jsDivergence, want.label_js))
        #expect(close(try #require(r.input?.psi("token_length")), want.token_length_psi))
        for (key, hits) in s.detections {
            let parts = key.split(separator: "_")
            let signal = String(parts.last!)
            let name = parts.dropLast().joined(separator: "_")
            #expect(r.concept.detector(name, signal)?.lastDetectionIndex == hits.last, "\(key)")
        }

        var text = PrometheusText()
        try hub.appendMetrics(to: &text)
        let out = text.render()
        #expect(out.contains("streamlora_drift_examples_total{adapter=\"a\"} 1000\nstreamlora_drift_examples_total{adapter=\"b\"} 1000\n"))

        let snapshot = try #require(hub.referenceSnapshot(adapter: "scenario"))
        hub.resetReference(adapter: "scenario")
        #expect(hub.report(adapter: "scenario")?.reference.state == "collecting")
        try hub.restoreReference(adapter: "restored", snapshot)
        #expect(hub.report(adapter: "restored")?.reference.state == "frozen")
        hub.remove(adapter: "a")
        #expect(hub.adapters == ["b", "restored", "scenario"])
        #expect(hub.report(adapter: "nobody") == nil)
    }

    @Test("an invalid configuration is refused up front")
    func invalid() {
        var c = DriftMonitorConfiguration()
        c.bins = 0
        #expect(throws: DriftMonitorError.self) { try DriftMonitorHub(configuration: c) }
    }

    @Test("text summary of a full report")
    func textSummary() throws {
        let report = try JSONDecoder().decode(DriftReport.self, from: Data(DriftReportPrometheusTests.json.utf8))
        #expect(report.textSummary == """
            sent"iment: ALERT  examples 2400  reference frozen 400/400 at #399  current 300/300
              label    ALERT  js 0.1250  psi 2.5000  new [spam]  missing [neg]
              input    WARN   token_length psi 0.0500 ok, projection_0 psi 0.2000 warn (Holm)
              concept  ALERT  adwin/error 2 (last #1599, est 0.3750, width 768) warn; \
            page_hinkley/loss 1 (last #2399, est 1.5000, width 12) alert
            """)
    }

    @Test("text summary while the reference is collecting")
    func textSummaryCollecting() throws {
        var c = DriftMonitorConfiguration()
        c.referenceSize = 5
        c.currentSize = 10
        c.minimumCurrentCount = 10
        c.conceptWarmup = 0
        var monitor = try DriftMonitor(adapter: "new", configuration: c)
        monitor.observe(.init(label: "x", error: false, loss: 0.25, tokenLength: 4, oovRate: 0))
        #expect(monitor.report().textSummary == """
            new: OK     examples 1  reference collecting 1/5  current 0/10
              label    -      (waiting for data)
              input    -      (waiting for data)
              concept  OK     adwin/error 0 (est 0.0000, width 1) ok; adwin/loss 0 (est 0.2500, width 1) ok; \
            page_hinkley/error 0 (est 0.0000, width 1) ok; page_hinkley/loss 0 (est 0.2500, width 1) ok
            """)
    }
}
