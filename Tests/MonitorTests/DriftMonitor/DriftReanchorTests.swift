import Foundation
import Testing
@testable import Monitor

/// Page-Hinkley re-anchored at ADWIN's improvement cuts, on a constructed stream shaped like a
/// learner's: the error falls from 0.9 to 0.4 over the first 4,000 examples (learning), stays,
/// and then either stays (stationary) or rises by 0.2 over 2,000 examples (a gradual change).
/// Page-Hinkley compares with the mean since it started; without the restart that mean holds
/// the early, high error and a gradual rise from the learned level stays below it.
@Suite("Page-Hinkley re-anchoring on a learning curve")
struct DriftReanchorTests {
    static let change = 5_000

    /// The stream's error rate at example `i` (`rise`: the gradual change's full height).
    static func errorRate(_ i: Int, rise: Double) -> Double {
        let learned = 0.9 - 0.5 * min(1, Double(i) / 4_000).squareRoot()
        return learned + rise * min(1, max(0, Double(i - change) / 2_000))
    }

    /// Feeds `n` examples; returns the error alarms and the monitor.
    static func run(seed: UInt64, rise: Double, n: Int, reanchor: Bool) throws -> ([ConceptAlarm], DriftMonitor) {
        var c = DriftMonitorConfiguration()
        c.currentSize = 500
        c.conceptReanchor = reanchor
        var m = try DriftMonitor(adapter: "reanchor", configuration: c)
        var s = DriftCalibrationTests.Stream(seed: seed)
        var alarms: [ConceptAlarm] = []
        for i in 0..<n {
            s.errorRate = errorRate(i, rise: rise)
            if let alarm = m.observe(s.next()), alarm.signal == "error" { alarms.append(alarm) }
        }
        return (alarms, m)
    }

    @Test("a learning curve followed by 20,000 stationary examples: no error alarm, Page-Hinkley restarted", arguments: [UInt64(1), 2, 3])
    func stationaryAfterLearning(seed: UInt64) throws {
        let (alarms, m) = try Self.run(seed: seed, rise: 0, n: 24_000, reanchor: true)
        #expect(alarms.isEmpty, "false alarms: \(alarms.map(\.description))")
        let report = m.report().concept
        let adwin = try #require(report.detector("adwin", "error")), ph = try #require(report.detector("page_hinkley", "error"))
        #expect((adwin.improvements ?? 0) > 0, "the learning curve must give ADWIN improvement cuts")
        #expect(ph.width < 24_000 - 500, "Page-Hinkley was never restarted: it saw \(ph.width) values")
    }

    @Test("a gradual rise after learning is detected sooner with re-anchoring", arguments: [UInt64(1), 2, 3])
    func gradualAfterLearning(seed: UInt64) throws {
        let (anchored, _) = try Self.run(seed: seed, rise: 0.2, n: 9_000, reanchor: true)
        let (plain, _) = try Self.run(seed: seed, rise: 0.2, n: 9_000, reanchor: false)
        #expect(anchored.allSatisfy { $0.index >= Self.change }, "alarm before the change: \(anchored.map(\.description))")
        let first = try #require(anchored.first, "no alarm on the gradual rise")
        let plainFirst = plain.first?.index ?? Int.max
        #expect(first.index - Self.change <= 2_000, "delay \(first.index - Self.change)")
        #expect(first.index <= plainFirst, "re-anchored \(first.index) vs plain \(plainFirst)")
        print("reanchor seed \(seed): first error alarm +\(first.index - Self.change) (\(first.detector)), without +\(plainFirst == Int.max ? -1 : plainFirst - Self.change)")
    }
}
