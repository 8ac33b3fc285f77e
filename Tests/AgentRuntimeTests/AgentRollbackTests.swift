import API
@testable import AgentRuntime
import Foundation
import Learner
import Model
import Registry
import Stream
import Testing

/// Automatic rollback through the real agent (embedded broker → consumer → learner → registry →
/// live swap): a learnable stream gets versions promoted, then a poisoned burst (every label
/// moved to the next one) makes the training loss spike step after step, and the agent rolls
/// back by itself, journaling why and how many trained examples it discarded.
///
/// Deterministic by construction: one partition (one arrival order, so the rollback point is a
/// single offset), snapshots by example count only, chunks fed until the snapshot schedule
/// leaves room for the regression phase (no snapshot between the regression and the checks),
/// and the metric-drop trigger out of reach, so the loss spike is what fires.
@Suite("Agent automatic rollback")
struct AgentRollbackTests {
    /// Rollback on two consecutive train steps with a loss above max(1, 3 × median), watched
    /// until the next promotion; the metric drop never fires (0.99).
    static let rollback = "{enabled: true, metric_drop: 0.99, window: 20, min_examples: 20, watch_examples: 0, "
        + "loss_spike_k: 3, loss_spike_floor: 1.0, loss_spike_steps: 2, loss_warmup_steps: 10}"
    /// A windowed accuracy drop of more than 0.3 over the last 20 outcomes makes the live version
    /// suspect; loss spikes never fire (k = 1000).
    static let metricDropOnly = "{enabled: true, metric_drop: 0.3, window: 20, min_examples: 20, watch_examples: 0, loss_spike_k: 1000}"
    static let rollbackWindow = 20

    @Test("a regression after the second promotion rolls back to the first: journal, LIVE, live model, lineage")
    func rollsBackToThePreviousVersion() async throws {
        let run = try await RollbackRun("rollback", everyExamples: 100, rollback: Self.rollback)
        try await run.learn { $0.promotions >= 2 }
        let before = try run.adapter()
        let journalBefore = try run.registry.journal()
        let promotions = journalBefore.filter { $0.event == .promote }
        let watched = try #require(promotions.last, "journal: \(journalBefore)")
        let earlier = try #require(watched.previous, "the second promotion replaced the first")
        #expect(before.liveVersion == watched.version.name && before.rollbacks == 0)
        let phase2Start = try #require(run.log.highWatermarks[0])

        try await run.regress()
        let after = try run.adapter()
        let entries = try run.registry.journal().dropFirst(journalBefore.count)
        let rollback = try #require(entries.first { $0.event == .rollback }, "no rollback journaled; status \(after)")

        // The journal names the trigger and the numbers; the regressed version is rejected.
        #expect(rollback.version == earlier && rollback.previous == watched.version)
        try Self.expectLossSpikeReason(rollback.reason)
        // The examples trained since the version returned to caused the incident: discarded, and counted.
        let earlierManifest = try run.registry.manifest(earlier)
        let trainedAtRollback = try #require(rollback.numbers["examples_trained"], "journal numbers \(rollback.numbers)")
        #expect(rollback.numbers["examples_discarded"] == trainedAtRollback - Double(earlierManifest.examplesTrained))
        #expect((rollback.numbers["examples_discarded"] ?? 0) > 0)
        #expect(entries.filter { $0.event == .rollback || $0.event == .promote || $0.event == .clearLive }.count == 1,
                "exactly one live change after the regression: \(Array(entries))")
        #expect(try run.registry.manifest(watched.version).status == .rejected)
        #expect(try run.registry.manifest(watched.version).reason.hasPrefix("rolled back to \(earlier.name): loss_spike"))

        // LIVE, the status and the in-process live model all name the earlier version, and the
        // live model computes what that version's weights compute.
        #expect(try run.registry.live() == earlier)
        #expect(after.liveVersion == earlier.name && after.rollbacks == 1)
        let texts = SyntheticStream.items(40, labels: RollbackRun.labels, prefix: "probe", seed: 0x9B0B).map(\.text)
        let predictions = try run.agent.predict(adapter: nil, texts: texts)
        #expect(predictions.allSatisfy { $0.version == earlier })
        let loaded = try run.registry.load(earlier)
        let reference = try LiveAdapter(adapter: "default", loaded: loaded, runtime: run.agent.runtime).predict(texts)
        #expect(predictions.map(\.label) == reference.map(\.label))
        for (p, r) in zip(predictions, reference) {
            for (label, score) in r.scores { #expect(abs((p.scores[label] ?? -1) - score) < 1e-5) }
        }

        try await run.stop()

        // The learner continued from the earlier version: the shutdown snapshot descends from it,
        // and its lineage is that version's examples plus everything after the rollback, once each.
        let target = try run.registry.manifest(earlier)
        let final = try #require(run.registry.newestDurable())
        #expect(final.version > watched.version && final.parent == earlier, "final \(final.version) parent \(String(describing: final.parent))")
        let highWatermark = try #require(run.log.highWatermarks[0])
        #expect(RegistryChecks.offsets(final, topic: TestPipeline.topic) == [0: highWatermark])
        let targetNext = try #require(RegistryChecks.offsets(target, topic: TestPipeline.topic)[0])
        #expect(target.trainedIDs == TrainedIDsDigest(run.trainedIDs(0..<targetNext)))
        let cut = try #require(run.rollbackPoint(of: final, after: run.trainedIDs(0..<targetNext), from: phase2Start),
                               "final lineage (\(final.examplesTrained) examples) is not version \(earlier)'s plus a suffix of the stream")
        #expect(final.examplesTrained == target.examplesTrained + run.trainedIDs(cut..<highWatermark).count)
        #expect(final.steps > target.steps)
        #expect(cut <= highWatermark - Int64(Self.rollbackWindow) / 2, "the rollback came late: offset \(cut) of \(highWatermark)")
        try await run.expectConsistent()
        print("agent rollback: \(watched.version) → \(earlier) at offset \(cut) of \(highWatermark); \(rollback.reason)")
    }

    @Test("a regression of the first promoted version clears LIVE: nothing served, the learner restarts from the base")
    func rollsBackPastTheFirstVersion() async throws {
        let run = try await RollbackRun("rollback-base", everyExamples: 200, rollback: Self.rollback)
        try await run.learn { $0.promotions >= 1 }
        let journalBefore = try run.registry.journal()
        let first = try #require(try run.registry.live())
        #expect(try run.adapter().promotions == 1 && journalBefore.filter { $0.event == .promote }.count == 1)
        let phase2Start = try #require(run.log.highWatermarks[0])

        try await run.regress()
        let after = try run.adapter()
        let entries = try run.registry.journal().dropFirst(journalBefore.count)
        let cleared = try #require(entries.first { $0.event == .clearLive }, "LIVE not cleared; status \(after), journal \(Array(entries))")
        #expect(cleared.version == first && cleared.previous == first && cleared.status == .rejected)
        try Self.expectLossSpikeReason(cleared.reason)
        #expect(cleared.numbers["examples_discarded"] == cleared.numbers["examples_trained"])

        // Nothing is live: no LIVE file, the version rejected, and the agent serves "no live version".
        #expect(try run.registry.live() == nil)
        #expect(!FileManager.default.fileExists(atPath: run.registryURL.appendingPathComponent("default/LIVE").path))
        #expect(try run.registry.manifest(first).status == .rejected)
        #expect(after.liveVersion == nil && after.rollbacks == 1)
        let predictions = try run.agent.predict(adapter: nil, texts: ["red blue green the a", "dog cat the"])
        #expect(predictions.allSatisfy { $0.label == nil && $0.version == nil && $0.scores.isEmpty }, "\(predictions)")

        // The CLI reads a registry without LIVE.
        let listing = try await run.cli(["adapters", "list", "--registry", run.registryURL.path, "--adapter", "default", "--json"])
        #expect(listing.status == 0, "adapters list: \(listing.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(listing.output.utf8)) as? [String: Any])
        #expect(json["live_version"] is NSNull)
        let versions = try #require(json["versions"] as? [[String: Any]])
        #expect(versions.contains { ($0["version"] as? Int) == first.rawValue && ($0["status"] as? String) == "rejected" })
        let show = try await run.cli(["adapters", "show", "--registry", run.registryURL.path, first.name])
        #expect(show.status == 0 && show.output.contains("rejected"), "adapters show: \(show.output)")
        let showLive = try await run.cli(["adapters", "show", "--registry", run.registryURL.path])
        #expect(showLive.status != 0 && showLive.error.contains("has no live version; name one"), "adapters show: \(showLive)")

        try await run.stop()

        // The learner restarted from the base model: the next version has no parent and its lineage is
        // exactly the stream after the rollback point.
        let final = try #require(run.registry.newestDurable())
        #expect(final.version > first && final.parent == nil)
        let highWatermark = try #require(run.log.highWatermarks[0])
        #expect(RegistryChecks.offsets(final, topic: TestPipeline.topic) == [0: highWatermark])
        let cut = try #require(run.rollbackPoint(of: final, after: [], from: phase2Start),
                               "final lineage (\(final.examplesTrained) examples) is not a suffix of the stream")
        #expect(final.examplesTrained == run.trainedIDs(cut..<highWatermark).count && final.examplesTrained > 0)
        // With nothing live, the gate takes it as a first version does.
        #expect(try run.registry.live() == final.version)
        try await run.expectConsistent()
        print("agent rollback to base: \(first) cleared at offset \(cut) of \(highWatermark); \(cleared.reason)")
    }

    /// A permuted stream is a change of the stream, not of the version: the windowed accuracy
    /// collapses after the second promotion, but live and its predecessor are judged on the same
    /// recent holdout examples, neither is better, and the rollback is declined and journaled.
    @Test("a drop the predecessor shares is drift: the rollback is declined, journaled with the paired numbers")
    func sharedDropIsNotRolledBack() async throws {
        let run = try await RollbackRun("rollback-shared", everyExamples: 100, rollback: Self.metricDropOnly)
        try await run.learn { $0.promotions >= 2 }
        let journalBefore = try run.registry.journal()
        let watched = try #require(try run.registry.live())

        try await run.regress()
        let after = try run.adapter()
        let entries = try run.registry.journal().dropFirst(journalBefore.count)
        let declined = try #require(entries.first { $0.event == .rollbackDeclined },
                                    "no declined rollback journaled; status \(after), journal \(Array(entries))")
        #expect(declined.reason.hasPrefix("metric_drop: windowed accuracy "))
        #expect(declined.reason.contains("declined, the predecessor is no better on the same examples"))
        #expect(declined.reason.contains("McNemar exact p"))
        let p = try #require(declined.numbers["p_value"])
        #expect(p >= 0.01 && (declined.numbers["holdout_examples"] ?? 0) > 0, "\(declined.numbers)")
        #expect(declined.version == watched)
        // Nothing changed: no rollback, LIVE and the served version are the watched one.
        #expect(!entries.contains { $0.event == .rollback || $0.event == .clearLive })
        #expect(try run.registry.live() == watched && after.liveVersion == watched.name && after.rollbacks == 0)
        try await run.stop()
        try await run.expectConsistent()
    }

    /// `loss_spike: train loss above max(floor 1, 3 × median 0.231) = 1.000 for 2 consecutive steps (…)`.
    static func expectLossSpikeReason(_ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let pattern = /^loss_spike: train loss above max\(floor 1, 3 × median (\d+\.\d{3})\) = (\d+\.\d{3}) for 2 consecutive steps \((\d+\.\d{3}), (\d+\.\d{3})\) after (\d+) steps/
        let match = try #require(reason.firstMatch(of: pattern), "reason: \(reason)", sourceLocation: sourceLocation)
        let median = try #require(Double(match.output.1)), limit = try #require(Double(match.output.2))
        let first = try #require(Double(match.output.3)), second = try #require(Double(match.output.4))
        #expect(abs(limit - max(1, 3 * median)) < 0.002, "\(reason)", sourceLocation: sourceLocation)
        #expect(first > limit && second > limit, "\(reason)", sourceLocation: sourceLocation)
    }
}
