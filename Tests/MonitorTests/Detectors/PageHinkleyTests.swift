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

    /// Page's change-point estimate: the last extreme of the tested cumulative sum. The adapter's
    /// post-change replay is seeded with the examples it names (as with ADWIN's window after its
    /// cut), so the estimate must land near the true change, for either direction.
    @Test("after a detection, the values since the change are counted from the sum's last extreme", arguments: [
        (PageHinkley.Mode.up, [0.0, 0, 1, 0, 0, 1, 0, 0, 0, 1], [1.0, 1, 1, 1, 0, 1, 1, 1, 1, 1]),
        (PageHinkley.Mode.both, [1.0, 1, 0, 1, 1, 0, 1, 1, 1, 0], [0.0, 0, 0, 0, 1, 0, 0, 0, 0, 0]),
    ])
    func valuesSinceChange(mode: PageHinkley.Mode, before: [Double], after: [Double]) throws {
        var ph = PageHinkley(delta: 0.005, threshold: 10, alpha: 1, mode: mode)
        let change = 400
        var detectedAt: Int?
        for i in 0..<1_000 {
            let x = i < change ? before[i % before.count] : after[i % after.count]
            #expect(ph.valuesSinceChange == nil || ph.driftDetected, "an estimate without a detection at \(i)")
            if ph.update(x) {
                detectedAt = i
                break
            }
        }
        let at = try #require(detectedAt, "no detection")
        #expect(at > change, "detected at \(at), before the change at \(change)")
        let since = try #require(ph.valuesSinceChange)
        let truth = at + 1 - change
        #expect(abs(since - truth) <= 5, "estimate \(since) values since the change, truth \(truth)")
    }
}
