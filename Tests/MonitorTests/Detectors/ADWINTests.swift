import Testing
@testable import Monitor

@Suite("ADWIN matches River 0.26.1")
struct ADWINTests {
    @Test("River defaults: detection indices, widths and state", arguments: DetectorFixture.streamNames)
    func matchesRiver(stream name: String) throws {
        let stream = try #require(try DetectorFixture.shared.get().streams[name], "stream \(name) missing")
        check(ADWIN(), on: stream.values, against: stream.adwin)
    }

    @Test("clock 1, delta 0.01, 3 buckets, min window 10, grace 50", arguments: DetectorFixture.streamNames)
    func matchesRiverEveryValue(stream name: String) throws {
        let stream = try #require(try DetectorFixture.shared.get().streams[name], "stream \(name) missing")
        let adwin = ADWIN(delta: 0.01, clock: 1, maxBuckets: 3, minWindowLength: 10, gracePeriod: 50)
        check(adwin, on: stream.values, against: stream.adwin_clock1)
    }

    /// Feeds `values` and compares detections, widths at detection, checkpoints and final state.
    private func check(_ start: ADWIN, on values: [Double], against expected: DetectorFixture.ADWINResult) {
        var adwin = start
        var detections: [Int] = []
        var widths: [Int] = []
        var checkpoints = expected.checkpoints[...]
        for (i, x) in values.enumerated() {
            if adwin.update(x) {
                detections.append(i)
                widths.append(adwin.width)
            }
            if let cp = checkpoints.first, cp.index == i {
                checkpoints.removeFirst()
                #expect(adwin.width == cp.width, "width at \(i)")
                #expect(close(adwin.estimation, cp.estimation), "estimation at \(i): \(adwin.estimation) vs \(cp.estimation)")
                #expect(close(adwin.variance, cp.variance), "variance at \(i)")
                #expect(close(adwin.total, cp.total), "total at \(i)")
            }
        }
        #expect(checkpoints.isEmpty)
        #expect(detections == expected.detections)
        #expect(widths == expected.widths_at_detection)
        #expect(adwin.width == expected.width)
        #expect(close(adwin.estimation, expected.estimation), "\(adwin.estimation) vs \(expected.estimation)")
        #expect(close(adwin.variance, expected.variance))
        #expect(close(adwin.total, expected.total))
        #expect(adwin.nDetections == expected.n_detections)
        #expect(adwin.driftDetected == expected.drift_detected)
    }

    @Test("the docstring stream detects at River's documented index 1023")
    func docstringIndex() throws {
        let values = try #require(try DetectorFixture.shared.get().streams["river_docstring"]).values
        var adwin = ADWIN()
        let hits = values.indices.filter { adwin.update(values[$0]) }
        #expect(hits == [1023])
    }

    @Test("the detector resets on the update after a detection, as River does")
    func resetsAfterDetection() throws {
        var adwin = ADWIN()
        var detectedAt: Int?
        for i in 0..<400 where detectedAt == nil {
            if adwin.update(i < 200 ? 0 : 1) { detectedAt = i }
        }
        let at = try #require(detectedAt, "a 0 -> 1 step must be detected within 200 values")
        #expect(at > 200)
        #expect(adwin.driftDetected)
        #expect(adwin.nDetections == 1)
        adwin.update(5)
        #expect(adwin.width == 1)
        #expect(adwin.estimation == 5)
        #expect(!adwin.driftDetected)
        #expect(adwin.nDetections == 0)
    }

    @Test("small sequence statistics: total, width, sum of squared deviations")
    func smallSequence() {
        var adwin = ADWIN()
        for v in [1.0, 2, 3, 4, 5] { adwin.update(v) }
        #expect(adwin.width == 5)
        #expect(adwin.total == 15)
        #expect(abs(adwin.variance - 10) < 1e-12)
        #expect(adwin.estimation == 3)
        #expect(ADWIN().estimation == 0)
    }

    @Test("a constant stream never drifts and keeps every value")
    func constantStream() {
        var adwin = ADWIN()
        var hits = 0
        for _ in 0..<5000 where adwin.update(1) { hits += 1 }
        #expect(hits == 0)
        #expect(adwin.width == 5000)
        #expect(adwin.estimation == 1)
    }
}
