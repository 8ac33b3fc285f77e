import Monitor
import Testing
@testable import Learner

/// The incident's post-change replay (`drift.adaptation.post_change_replay`): after a confirmed
/// concept alarm, each of the boost's train steps is topped up with examples trained since the
/// alarm — never with older ones, even with the stream's own replay off — and the replay stops
/// when the boost ends or the trainer goes back to a version.
@Suite("Post-change replay after a confirmed concept drift")
struct PostChangeReplayTests {
    static let t0 = ContinuousClock.now

    static func session(postChangeReplay: Int = 3) throws -> AdapterSession<String> {
        let config = try PipelineConfig.parse(yaml: """
            training: {batch_size: 4, max_wait_ms: 50, warmup_steps: 0, replay: {capacity: 0}}
            drift: {adaptation: {post_change_replay: \(postChangeReplay), boost_steps: 3}}
            rollback: {enabled: false}
            """, file: "replay.yaml", environment: [:])
        return AdapterSession<String>(adapter: "a", config: config, start: t0)
    }

    /// Enqueues `ids` in order and trains every batch released; returns the batches.
    static func feed(_ session: inout AdapterSession<String>, _ ids: [String], from offset: Int) -> [AdapterSession<String>.TrainBatch] {
        var batches: [AdapterSession<String>.TrainBatch] = []
        for (k, id) in ids.enumerated() {
            if let batch = session.enqueue(id, key: .id(id), partition: 0, offset: Int64(offset + k), now: t0) {
                batches.append(batch)
                _ = session.trained(batch, loss: 1, weightsFinite: true, now: t0)
            }
        }
        return batches
    }

    static let errorAlarm = ConceptAlarm(detector: "adwin", signal: "error", index: 8, statistic: 0.3, threshold: 0.1,
                                         meanBefore: 0.2, meanAfter: 0.7)

    @Test("the boost's steps replay only examples trained since the alarm, then stop")
    func replaysPostChangeOnly() throws {
        var s = try Self.session()
        let before = Self.feed(&s, (0..<8).map { "old\($0)" }, from: 0)
        #expect(before.count == 2 && before.allSatisfy { $0.replay.isEmpty }, "no replay before an incident (training.replay is off)")
        let confirmed = s.conceptAlarm(Self.errorAlarm)
        let plan = try #require(confirmed)
        #expect(plan.postChangeReplay == 3)
        #expect(plan.reason.contains("3 post-change examples replayed per step for 3 steps"))
        let after = Self.feed(&s, (0..<16).map { "new\($0)" }, from: 8)
        #expect(after.count == 4)
        #expect(after[0].replay.isEmpty, "nothing trained since the alarm yet")
        #expect(after[1].replay.count == 3 && after[2].replay.count == 3)
        let seen = Set(after[0].fresh.map(\.example) + after[1].fresh.map(\.example))
        #expect(after[1].replay.allSatisfy { after[0].fresh.map(\.example).contains($0) })
        #expect(after[2].replay.allSatisfy { seen.contains($0) }, "replayed \(after[2].replay): only post-change examples")
        #expect(after[3].replay.isEmpty, "the boost's 3 steps are over")
        #expect(s.lineage.examplesTrained == 24, "replayed rows are not counted as trained again")
    }

    @Test("the examples trained between the change the detector located and its alarm seed the replay")
    func seededFromTheDetectedChange() throws {
        var s = try Self.session()
        // Each example is predicted (the stream index advances), then trained in batches of 4.
        func feed(_ ids: [String], from offset: Int) -> [AdapterSession<String>.TrainBatch] {
            ids.enumerated().compactMap { k, id in
                _ = s.recordPrediction(PredictionOutcome(label: "a", probabilities: [1], labels: ["a"]))
                guard let batch = s.enqueue(id, key: .id(id), partition: 0, offset: Int64(offset + k), now: Self.t0) else { return nil }
                _ = s.trained(batch, loss: 1, weightsFinite: true, now: Self.t0)
                return batch
            }
        }
        _ = feed((0..<8).map { "old\($0)" }, from: 0)
        _ = feed((0..<8).map { "new\($0)" }, from: 8)
        // ADWIN cut 8 examples back: the 8 "new" ones (trained at stream indices 12 and 16).
        var alarm = Self.errorAlarm
        alarm.index = 16
        alarm.sinceChange = 8
        let confirmed = s.conceptAlarm(alarm)
        let plan = try #require(confirmed)
        #expect(plan.postChangeSeeded == 8)
        #expect(plan.reason.contains("starting with the 8 trained since the detected change"))
        let after = feed((8..<12).map { "new\($0)" }, from: 16)
        #expect(after.count == 1 && after[0].replay.count == 3)
        #expect(after[0].replay.allSatisfy { $0.hasPrefix("new") && !after[0].fresh.map(\.example).contains($0) },
                "replayed \(after[0].replay): the seeded post-change examples")
        // Page–Hinkley locates no change: nothing is seeded.
        var t = try Self.session()
        _ = Self.feed(&t, (0..<8).map { "old\($0)" }, from: 0)
        var ph = Self.errorAlarm
        ph.detector = "page_hinkley"
        let unlocated = t.conceptAlarm(ph)
        #expect(unlocated?.postChangeSeeded == 0)
    }

    @Test("a reload of the trainer (the incident discarded) ends the replay of its examples")
    func reloadStopsReplay() throws {
        var s = try Self.session()
        _ = Self.feed(&s, (0..<8).map { "old\($0)" }, from: 0)
        let confirmed = s.conceptAlarm(Self.errorAlarm)
        #expect(confirmed != nil)
        _ = Self.feed(&s, (0..<4).map { "bad\($0)" }, from: 8)
        s.rolledBack(to: .init())
        let after = Self.feed(&s, (0..<8).map { "next\($0)" }, from: 12)
        #expect(after.count == 2 && after.allSatisfy { $0.replay.isEmpty }, "replayed \(after.map(\.replay)) after the reload")
    }

    @Test("the gate judges on the recent holdout window, emptied by a confirmed alarm, with the smaller minimum until it refills")
    func gateJudgesThePresent() throws {
        let config = try PipelineConfig.parse(yaml: """
            training: {batch_size: 4, replay: {capacity: 0}}
            holdout: {buffer: 6}
            gate: {min_holdout: 5}
            drift: {adaptation: {min_holdout_after: 2}}
            """, file: "gate.yaml", environment: [:])
        var s = AdapterSession<String>(adapter: "a", config: config, start: Self.t0)
        // Candidate and live scored on the session's holdout: the candidate gets all right, live half.
        func verdict() -> GateDecision.Verdict {
            let n = s.holdoutExamples.count
            return s.judge(candidate: MetricTotals(count: n, correct: n, lossSum: 0.1 * Double(n)),
                           live: MetricTotals(count: n, correct: n / 2, lossSum: Double(n)), weightsFinite: true).verdict
        }
        for i in 0..<10 { s.addHoldout("old\(i)", partition: 0, offset: Int64(i)) }
        #expect(s.holdoutExamples == (4..<10).map { "old\($0)" }, "a count-bounded recent window")
        #expect(verdict() == .promote, "6 ≥ min_holdout 5")
        let confirmed = s.conceptAlarm(Self.errorAlarm)
        #expect(confirmed != nil)
        #expect(s.holdoutExamples.isEmpty, "pre-alarm holdout dropped")
        s.addHoldout("new0", partition: 0, offset: 10)
        s.addHoldout("new1", partition: 0, offset: 11)
        #expect(s.holdoutExamples == ["new0", "new1"])
        #expect(verdict() == .promote, "2 post-change examples suffice while the buffer refills (min_holdout 5 otherwise)")
        for i in 2..<5 { s.addHoldout("new\(i)", partition: 0, offset: Int64(10 + i)) }
        #expect(s.holdoutExamples.count == 5)
        let fewer = MetricTotals(count: 4, correct: 4, lossSum: 0.4), live = MetricTotals(count: 4, correct: 2, lossSum: 4)
        #expect(s.judge(candidate: fewer, live: live, weightsFinite: true).verdict == .defer,
                "refilled: min_holdout 5 applies again")
    }

    @Test("post_change_replay 0 replays nothing")
    func off() throws {
        var s = try Self.session(postChangeReplay: 0)
        _ = Self.feed(&s, (0..<8).map { "old\($0)" }, from: 0)
        let confirmed = s.conceptAlarm(Self.errorAlarm)
        let plan = try #require(confirmed)
        #expect(!plan.reason.contains("replayed per step"))
        let after = Self.feed(&s, (0..<16).map { "new\($0)" }, from: 8)
        #expect(after.count == 4 && after.allSatisfy { $0.replay.isEmpty })
    }
}
