import Monitor
import Testing
@testable import Learner

/// The loss-spike rule judges the *fresh* rows of a step, not the whole batch: during a concept
/// incident each batch also replays post-change examples, on which the head was just refitted, so
/// their loss says what the trainer remembers, not what the stream now brings. A batch mean with
/// those rows would both hide a burst of wrong labels (easy replayed rows pull it under the limit)
/// and invent one (hard replayed rows push it over while the fresh rows are ordinary).
@Suite("Loss spikes are judged on the fresh rows")
struct LossSpikeFreshRowsTests {
    static let t0 = ContinuousClock.now

    /// Batches of 4 fresh rows, 4 post-change rows replayed for 40 steps after an alarm, and the
    /// spike rule at its defaults (3 steps above max(1, 3 × median)) after 3 ordinary steps.
    static func incident() throws -> AdapterSession<String> {
        let config = try PipelineConfig.parse(yaml: """
            training: {batch_size: 4, max_wait_ms: 50, warmup_steps: 0, replay: {capacity: 0}}
            drift: {adaptation: {post_change_replay: 4, boost_steps: 40}}
            rollback: {enabled: true, loss_spike_k: 3, loss_spike_floor: 1, loss_spike_steps: 3, loss_warmup_steps: 3}
            """, file: "spike.yaml", environment: [:])
        var s = AdapterSession<String>(adapter: "a", config: config, start: t0)
        s.promoted(version: "000002", previous: "000001")
        let alarm = ConceptAlarm(detector: "adwin", signal: "error", index: 8, statistic: 0.3, threshold: 0.1,
                                 meanBefore: 0.2, meanAfter: 0.7)
        let plan = s.conceptAlarm(alarm)
        #expect(plan?.postChangeReplay == 4)
        // Ordinary steps since the alarm: every row's loss 1, so the median is 1 and the limit 3.
        var offset = 0
        for _ in 0..<5 {
            #expect(step(&s, &offset, fresh: 1, replay: 1) == nil)
        }
        return s
    }

    /// Trains one batch of 4 fresh examples whose rows have losses `fresh` (fresh rows) and
    /// `replay` (the replayed ones), reporting the batch's mean as its loss, as the trainer does.
    static func step(_ s: inout AdapterSession<String>, _ offset: inout Int, fresh: Double, replay: Double) -> RollbackDecision? {
        var outcome: AdapterSession<String>.StepOutcome?
        for _ in 0..<4 {
            if let batch = s.enqueue("x\(offset)", key: .id("x\(offset)"), partition: 0, offset: Int64(offset), now: t0) {
                let rows = batch.fresh.map { _ in fresh } + batch.replay.map { _ in replay }
                outcome = s.trained(batch, loss: rows.reduce(0, +) / Double(rows.count), rowLosses: rows, weightsFinite: true, now: t0)
            }
            offset += 1
        }
        return outcome?.rollback
    }

    @Test("a burst of wrong labels trips the rule although the replayed rows pull the batch mean under the limit")
    func replayDoesNotMaskASpike() throws {
        var s = try Self.incident()
        var offset = 100
        // Fresh rows at 4.5 > 3, replayed rows at 0.05: the batch mean (4 × 4.5 + 4 × 0.05) / 8 = 2.275 < 3.
        #expect(Self.step(&s, &offset, fresh: 4.5, replay: 0.05) == nil)
        #expect(Self.step(&s, &offset, fresh: 4.5, replay: 0.05) == nil)
        let decision = try #require(Self.step(&s, &offset, fresh: 4.5, replay: 0.05), "three fresh spikes in a row were masked")
        #expect(decision.trigger == .lossSpike)
        #expect(decision.action == .rollBack(from: "000002", to: "000001"))
        #expect(decision.reason.contains("(4.500, 4.500, 4.500)"), "\(decision.reason)")
    }

    @Test("hard replayed rows do not trip the rule while the fresh rows are ordinary")
    func replayDoesNotTripASpike() throws {
        var s = try Self.incident()
        var offset = 100
        // Fresh rows at 1, replayed rows at 6: the batch mean (4 + 24) / 8 = 3.5 > 3.
        for k in 0..<6 {
            let decision = Self.step(&s, &offset, fresh: 1, replay: 6)
            #expect(decision == nil, "step \(k): \(String(describing: decision))")
        }
    }

    @Test("the fresh rows are the batch's first; without row losses the batch's loss is judged")
    func batchLossWithoutRows() throws {
        var s = try Self.incident()
        let batch = try #require((0..<4).compactMap {
            s.enqueue("y\($0)", key: .id("y\($0)"), partition: 0, offset: Int64(200 + $0), now: Self.t0)
        }.first)
        #expect(AdapterSession<String>.spikeLoss(batch, batchLoss: 2.5, rowLosses: []) == 2.5)
        #expect(AdapterSession<String>.spikeLoss(batch, batchLoss: 2.5, rowLosses: [1, 1, 1, 1, 9, 9, 9, 9]) == 1)
    }
}
