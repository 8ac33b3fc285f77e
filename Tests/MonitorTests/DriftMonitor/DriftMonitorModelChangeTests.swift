import Testing
@testable import Monitor

/// A promotion or rollback restarts the concept detectors; the data's reference survives it
/// unless it already shows an alert, in which case the drifted window becomes the reference.
@Suite("DriftMonitor after a model change")
struct DriftMonitorModelChangeTests {
    private func monitor() throws -> DriftMonitor {
        var c = DriftMonitorConfiguration()
        c.referenceSize = 100
        c.currentSize = 100
        c.minimumCurrentCount = 20
        c.projections = 0
        c.conceptWarmup = 0
        return try DriftMonitor(adapter: "a", configuration: c)
    }

    private func feed(_ m: inout DriftMonitor, _ n: Int, labels: [String], error: Bool = false) {
        for i in 0..<n {
            m.observe(DriftObservation(label: labels[i % labels.count], error: error, loss: error ? 3 : 0.1,
                                       tokenLength: 10 + i % 5, oovRate: 0))
        }
    }

    @Test("without drift the reference is kept and the concept detectors restart")
    func keepsReference() throws {
        var m = try monitor()
        feed(&m, 100, labels: ["x", "y"])
        feed(&m, 50, labels: ["x", "y"])
        let frozenAt = m.report().reference.frozenAtIndex
        #expect(frozenAt != nil)
        // An error burst the detectors notice …
        feed(&m, 400, labels: ["x", "y"], error: true)
        #expect(m.report().concept.detections > 0)
        let before = m.report()
        m.modelChanged()
        let after = m.report()
        #expect(after.reference.frozenAtIndex == frozenAt)
        #expect(after.currentExamples == before.currentExamples)
        #expect(try #require(after.label).jsDivergence == #require(before.label).jsDivergence)
        // … are forgotten: restarted detectors see only the new model's regime.
        #expect(after.concept.detectors.allSatisfy { $0.estimation == 0 || $0.estimation.isNaN })
    }

    @Test("label drift in alert becomes the new reference")
    func adoptsAlertingWindow() throws {
        var m = try monitor()
        feed(&m, 100, labels: ["x", "y"])
        feed(&m, 100, labels: ["z"])
        #expect(try #require(m.report().label).severity == .alert)
        m.modelChanged()
        let r = m.report()
        #expect(r.reference.state == "frozen")
        feed(&m, 100, labels: ["z"])
        #expect(try #require(m.report().label).jsDivergence < 1e-9, "the drifted distribution is the reference now")
    }
}
