import Testing
@testable import Monitor

@Suite("Page-Hinkley matches River 0.26.1")
struct PageHinkleyTests {
    @Test("detection indices and final state (mode both)", arguments: DetectorFixture.streamNames)
    func matchesRiver(stream name: String) throws {
        let fixture = try DetectorFixture.shared.get()
        let stream = try #require(fixture.streams[name], "stream \(name) missing from fixture")
        let expected = stream.page_hinkley
        var ph = PageHinkley()
        var detections: [Int] = []
        for (i, x) in stream.values.enumerated() where ph.update(x) { detections.append(i) }
        #expect(detections == expected.detections)
        #expect(close(ph.mean, expected.mean), "\(ph.mean) vs \(expected.mean)")
        #expect(Int(ph.count) == expected.n)
        #expect(close(ph.sumIncrease, expected.sum_increase, 1e-9))
        #expect(close(ph.sumDecrease, expected.sum_decrease, 1e-9))
        #expect(close(ph.minIncrease, expected.min_increase, 1e-9))
        #expect(close(ph.maxDecrease, expected.max_decrease, 1e-9))
        #expect(ph.driftDetected == expected.drift_detected)
    }

    @Test("one-sided modes", arguments: DetectorFixture.streamNames)
    func modes(stream name: String) throws {
        let stream = try #require(try DetectorFixture.shared.get().streams[name])
        for mode in [PageHinkley.Mode.up, .down] {
            var ph = PageHinkley(mode: mode)
            var detections: [Int] = []
            for (i, x) in stream.values.enumerated() where ph.update(x) { detections.append(i) }
            #expect(detections == stream.page_hinkley_modes[mode.rawValue], "mode \(mode)")
        }
    }

    @Test("no detection before minInstances even for a huge jump")
    func minInstances() {
        var ph = PageHinkley()
        var early = 0
        for i in 0..<29 where ph.update(i < 10 ? 0 : 1_000) { early += 1 }
        #expect(early == 0)
        #expect(ph.increaseStatistic > ph.threshold, "the statistic is already past the threshold")
        let fired = ph.update(1_000)
        #expect(fired)
        #expect(ph.count == 30)
    }
}
