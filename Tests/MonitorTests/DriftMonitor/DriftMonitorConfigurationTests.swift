import Foundation
import Testing
@testable import Monitor

@Suite("DriftMonitor configuration")
struct DriftMonitorConfigurationTests {
    @Test("defaults are River's detector parameters (Page-Hinkley one-sided) and the PSI conventions")
    func defaults() {
        let c = DriftMonitorConfiguration()
        #expect(c.adwin == ADWINSettings())
        #expect(c.adwin.delta == 0.002 && c.adwin.clock == 32 && c.adwin.maxBuckets == 5)
        #expect(c.adwin.minWindowLength == 5 && c.adwin.gracePeriod == 10)
        #expect(c.pageHinkley.minInstances == 30 && c.pageHinkley.delta == 0.1 && c.conceptStandardize)
        #expect(c.pageHinkley.threshold == 50 && c.pageHinkley.alpha == 1 && c.pageHinkley.mode == .up)
        #expect(c.conceptOneSided && c.conceptWarmup == 500 && c.minimumExpected == 5)
        #expect(c.thresholds.pAlert == 0.0001 && c.thresholds.pWarn == 0.001)
        #expect(c.thresholds.psiWarn == 0.1 && c.thresholds.psiAlert == 0.25)
        #expect(c.psiEpsilon == 1e-4)
    }

    @Test("partial JSON keeps defaults for missing keys")
    func partialDecode() throws {
        let json = #"{"reference_size": 50, "adwin": {"delta": 0.01}, "page_hinkley": {"mode": "both"}, "thresholds": {"js_alert": 0.2}, "concept_warmup": 7}"#
        let c = try JSONDecoder().decode(DriftMonitorConfiguration.self, from: Data(json.utf8))
        #expect(c.referenceSize == 50)
        #expect(c.currentSize == 1_000)
        #expect(c.adwin.delta == 0.01 && c.adwin.clock == 32)
        #expect(c.pageHinkley.mode == .both && c.pageHinkley.threshold == 50 && c.conceptWarmup == 7)
        #expect(c.thresholds.jsAlert == 0.2 && c.thresholds.psiAlert == 0.25)
        let back = try JSONDecoder().decode(DriftMonitorConfiguration.self, from: JSONEncoder().encode(c))
        #expect(back == c)
    }

    @Test("invalid settings name the field", arguments: [
        (#"{"bins": 1}"#, "bins"),
        (#"{"current_size": 10, "minimum_current_count": 11}"#, "minimum_current_count"),
        (#"{"adwin": {"delta": 1.5}}"#, "adwin.delta"),
        (#"{"page_hinkley": {"threshold": 0}}"#, "page_hinkley.threshold"),
        (#"{"thresholds": {"psi_warn": 0.5}}"#, "thresholds.psi_warn"),
    ])
    func invalid(json: String, field: String) throws {
        let c = try JSONDecoder().decode(DriftMonitorConfiguration.self, from: Data(json.utf8))
        #expect(throws: DriftMonitorError.self) { try DriftMonitor(adapter: "a", configuration: c) }
        do {
            try c.validate()
            Issue.record("\(json) validated")
        } catch {
            guard case .invalidConfiguration(let f, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(f == field)
        }
    }

    @Test("severity thresholds", arguments: [(0.0, DriftSeverity.ok), (0.0999, .ok), (0.1, .warn), (0.2499, .warn), (0.25, .alert)])
    func psiSeverity(psi: Double, severity: DriftSeverity) {
        #expect(DriftThresholds().severity(psi: psi) == severity)
    }

    @Test("concept severity by recency of the last detection")
    func conceptSeverity() {
        let t = DriftThresholds()
        #expect(t.severity(detectionExamplesAgo: nil) == .ok)
        #expect(t.severity(detectionExamplesAgo: 0) == .alert)
        #expect(t.severity(detectionExamplesAgo: 499) == .alert)
        #expect(t.severity(detectionExamplesAgo: 500) == .warn)
        #expect(t.severity(detectionExamplesAgo: 5_000) == .ok)
        #expect(DriftSeverity.alert > .warn && DriftSeverity.warn > .ok)
    }
}
