import SeededRandom
import Foundation
import Testing
@testable import Monitor

/// Calibration on constructed streams: a stationary stream of thousands of outcomes raises no
/// alarm — with 58 skewed labels, where PSI/JS cuts fired on noise — and each kind of change is
/// detected: label shift, a new label, an input shift, an abrupt and a gradual rise of the error.
/// A falling error (the learner learning) is not an alarm.
@Suite("Drift calibration on constructed streams")
struct DriftCalibrationTests {
    /// 58 labels with Zipf-like frequencies (a few common, many rare), like the Debian sections.
    static let labelWeights: [Double] = (1...58).map { 1 / Double($0) }

    struct Stream {
        var rng: SplitMix64
        var labels = DriftCalibrationTests.labelWeights
        var errorRate = 0.3
        var tokenMean = 40.0
        var embeddingShift = 0.0
        var extraLabel: (name: String, share: Double)?

        init(seed: UInt64) { rng = SplitMix64(seed: seed) }

        mutating func label() -> String {
            if let extra = extraLabel, rng.nextUnit() < extra.share { return extra.name }
            let total = labels.reduce(0, +)
            var u = rng.nextUnit() * total
            for (i, w) in labels.enumerated() {
                u -= w
                if u < 0 { return "section\(i)" }
            }
            return "section\(labels.count - 1)"
        }

        mutating func next() -> DriftObservation {
            let error = rng.nextUnit() < errorRate
            let g = rng.nextGaussians(17)
            let loss = error ? 1.5 + 0.5 * abs(g[0]) : 0.2 + 0.1 * abs(g[0])
            let tokens = max(3, Int((tokenMean + 12 * g[1]).rounded()))
            let oov = rng.nextUnit() < 0.8 ? 0 : rng.nextUnit() * 0.1
            let embedding = g[2...].map { Float($0 + embeddingShift) }
            return DriftObservation(label: label(), error: error, loss: loss, tokenLength: tokens, oovRate: oov,
                                    embedding: embedding)
        }
    }

    static func monitor() throws -> DriftMonitor {
        var c = DriftMonitorConfiguration()
        c.currentSize = 500
        return try DriftMonitor(adapter: "calibration", configuration: c)
    }

    /// Feeds `n` examples; returns the worst label / input severity seen in reports every 50
    /// examples once the current window is full, and the concept alarms raised.
    static func run(_ m: inout DriftMonitor, _ s: inout Stream, _ n: Int)
        -> (label: DriftSeverity, input: DriftSeverity, alarms: [ConceptAlarm]) {
        var label = DriftSeverity.ok, input = DriftSeverity.ok, alarms: [ConceptAlarm] = []
        for i in 0..<n {
            if let alarm = m.observe(s.next()) { alarms.append(alarm) }
            guard i % 50 == 49, m.report().currentExamples >= 500 else { continue }
            let r = m.report()
            label = max(label, r.label?.severity ?? .ok)
            input = max(input, r.input?.severity ?? .ok)
        }
        return (label, input, alarms)
    }

    @Test("8,000 stationary examples, 58 skewed labels: no label, input or concept alert", arguments: [UInt64(1), 2, 3])
    func stationary(seed: UInt64) throws {
        var m = try Self.monitor()
        var s = Stream(seed: seed)
        let result = Self.run(&m, &s, 8_000)
        let r = m.report()
        // PSI on these windows is large — the reason it no longer decides.
        #expect(try #require(r.label).psi > 0.1, "the fixture must show PSI's small-window bias")
        #expect(result.label < .alert && result.input < .alert, "label \(result.label) input \(result.input)")
        #expect(result.alarms.isEmpty, "false concept alarms: \(result.alarms.map(\.description))")
        #expect(r.label?.newLabels == [] && r.label?.missingLabels == [], "\(String(describing: r.label))")
    }

    @Test("label shift, a new label and an input shift are each detected within one current window")
    func distributionChanges() throws {
        // Label shift: the five most common sections become rare and the rare ones common.
        var m = try Self.monitor()
        var s = Stream(seed: 11)
        _ = Self.run(&m, &s, 2_000)
        s.labels = s.labels.reversed()
        let shifted = Self.run(&m, &s, 500)
        #expect(shifted.label == .alert)
        let test = try #require(m.report().label?.test)
        #expect(test.pValue < 1e-6)

        // A new label at 5 % of the stream: reported as new, with the alert.
        m = try Self.monitor()
        s = Stream(seed: 12)
        _ = Self.run(&m, &s, 2_000)
        s.extraLabel = ("brand-new", 0.05)
        let appeared = Self.run(&m, &s, 500)
        #expect(appeared.label == .alert)
        #expect(m.report().label?.newLabels == ["brand-new"])

        // Input shift: descriptions 30 % longer and embeddings moved by 0.3 standard deviations.
        m = try Self.monitor()
        s = Stream(seed: 13)
        _ = Self.run(&m, &s, 2_000)
        s.tokenMean = 52
        s.embeddingShift = 0.3
        let input = Self.run(&m, &s, 500)
        #expect(input.input == .alert)
        let features = try #require(m.report().input?.features)
        #expect(features.first { $0.feature == "token_length" }?.severity == .alert)
        #expect(features.filter { $0.feature.hasPrefix("projection_") && $0.severity == .alert }.count >= 1)
    }

    @Test("an abrupt rise of the error is an alarm within 100 examples; a fall is not")
    func abruptConcept() throws {
        var m = try Self.monitor()
        var s = Stream(seed: 21)
        let before = Self.run(&m, &s, 3_000)
        #expect(before.alarms.isEmpty)
        s.errorRate = 0.7
        let after = Self.run(&m, &s, 300)
        let first = try #require(after.alarms.first, "no alarm after the error rose 0.3 → 0.7")
        #expect(first.index - 3_000 < 100, "delay \(first.index - 3_000)")
        #expect(first.statistic > first.threshold && first.meanAfter > first.meanBefore)

        // The learner recovering: the error falls back. One-sided detectors stay quiet.
        var recovering = try Self.monitor()
        var r = Stream(seed: 22)
        r.errorRate = 0.7
        _ = Self.run(&recovering, &r, 2_000)
        r.errorRate = 0.1
        let fall = Self.run(&recovering, &r, 2_000)
        #expect(fall.alarms.isEmpty, "\(fall.alarms.map(\.description))")
        #expect((recovering.report().concept.detector("adwin", "error")?.improvements ?? 0) > 0)
    }

    @Test("a gradual rise of the error over 2,000 examples is detected")
    func gradualConcept() throws {
        var m = try Self.monitor()
        var s = Stream(seed: 31)
        _ = Self.run(&m, &s, 2_000)
        var alarms: [ConceptAlarm] = []
        for step in 0..<2_000 {
            s.errorRate = 0.3 + 0.4 * Double(step) / 2_000
            if let alarm = m.observe(s.next()) { alarms.append(alarm) }
        }
        #expect(!alarms.isEmpty)
    }

    @Test("no concept detector is fed during the learner's warm-up")
    func warmup() throws {
        var m = try Self.monitor()
        var s = Stream(seed: 41)
        s.errorRate = 0.9
        _ = Self.run(&m, &s, 499)
        #expect(m.report().concept.warm == false)
        #expect(m.report().concept.detectors.allSatisfy { $0.width == 0 })
        _ = Self.run(&m, &s, 2)
        #expect(m.report().concept.warm == true)
    }
}
