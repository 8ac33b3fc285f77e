import Foundation
import Learner
import Model
import Registry
import Stream
import Testing

/// Automatic rollback through the real agent (embedded broker → consumer → learner → registry →
/// live swap): a learnable stream gets versions promoted, then its label mapping changes, the
/// live lineage's windowed prequential accuracy collapses, and the agent rolls back by itself.
///
/// Deterministic by construction: one partition (one arrival order, so the rollback point is a
/// single offset), snapshots by example count only, chunks fed until the snapshot schedule
/// leaves room for the regression phase (no snapshot between the regression and the checks),
/// and the loss-spike trigger out of reach, so the metric drop is what fires.
@Suite("Agent automatic rollback")
struct AgentRollbackTests {
    /// Rollback on a windowed accuracy drop of more than 0.3 over the last 20 outcomes, watched
    /// until the next promotion; loss spikes never fire (k = 1000).
    static let rollback = "{enabled: true, metric_drop: 0.3, window: 20, min_examples: 20, watch_examples: 0, loss_spike_k: 1000}"
    static let metricDrop = 0.3
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
        #expect(before.live == watched.version.name && before.rollbacks == 0)
        let watchedManifest = try run.registry.manifest(watched.version)
        let phase2Start = try #require(run.log.highWatermarks[0])

        try await run.regress()
        let after = try run.adapter()
        let entries = try run.registry.journal().dropFirst(journalBefore.count)
        let rollback = try #require(entries.first { $0.event == .rollback }, "no rollback journaled; status \(after)")

        // The journal names the trigger and the numbers; the regressed version is rejected.
        #expect(rollback.version == earlier && rollback.previous == watched.version)
        try Self.expectMetricDropReason(rollback.reason, baseline: watchedManifest)
        #expect(entries.filter { $0.event == .rollback || $0.event == .promote || $0.event == .clearLive }.count == 1,
                "exactly one live change after the regression: \(Array(entries))")
        #expect(try run.registry.manifest(watched.version).status == .rejected)
        #expect(try run.registry.manifest(watched.version).reason.hasPrefix("rolled back to \(earlier.name): metric_drop"))

        // LIVE, the status and the in-process live model all name the earlier version, and the
        // live model computes what that version's weights compute.
        #expect(try run.registry.live() == earlier)
        #expect(after.live == earlier.name && after.rollbacks == 1)
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
        let firstManifest = try run.registry.manifest(first)
        let phase2Start = try #require(run.log.highWatermarks[0])

        try await run.regress()
        let after = try run.adapter()
        let entries = try run.registry.journal().dropFirst(journalBefore.count)
        let cleared = try #require(entries.first { $0.event == .clearLive }, "LIVE not cleared; status \(after), journal \(Array(entries))")
        #expect(cleared.version == first && cleared.previous == first && cleared.status == .rejected)
        try Self.expectMetricDropReason(cleared.reason, baseline: firstManifest)

        // Nothing is live: no LIVE file, the version rejected, and the agent serves "no live version".
        #expect(try run.registry.live() == nil)
        #expect(!FileManager.default.fileExists(atPath: run.registryURL.appendingPathComponent("default/LIVE").path))
        #expect(try run.registry.manifest(first).status == .rejected)
        #expect(after.live == nil && after.rollbacks == 1)
        let predictions = try run.agent.predict(adapter: nil, texts: ["red blue green the a", "dog cat the"])
        #expect(predictions.allSatisfy { $0.label == nil && $0.version == nil && $0.scores.isEmpty }, "\(predictions)")

        // The CLI reads a registry without LIVE.
        let listing = try await run.cli(["adapters", "list", "--registry", run.registryURL.path, "--adapter", "default", "--json"])
        #expect(listing.status == 0, "adapters list: \(listing.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(listing.output.utf8)) as? [String: Any])
        #expect(json["live"] is NSNull)
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

    /// `metric_drop: windowed accuracy 0.150 over the last 20 examples < pre-promotion 0.900 − 0.3`,
    /// with the pre-promotion level the watched version's manifest recorded and a real drop.
    static func expectMetricDropReason(_ reason: String, baseline manifest: Manifest,
                                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let pattern = /^metric_drop: windowed accuracy (\d\.\d{3}) over the last (\d+) examples < pre-promotion (\d\.\d{3}) − 0\.3/
        let match = try #require(reason.firstMatch(of: pattern), "reason: \(reason)", sourceLocation: sourceLocation)
        let current = try #require(Double(match.output.1)), baseline = try #require(Double(match.output.3))
        #expect(Int(match.output.2) == rollbackWindow, sourceLocation: sourceLocation)
        #expect(current < baseline - metricDrop, "\(reason)", sourceLocation: sourceLocation)
        let recorded = try #require(manifest.prequentialMetrics["window_accuracy"], sourceLocation: sourceLocation)
        #expect(String(match.output.3) == String(format: "%.3f", recorded),
                "baseline in the reason vs the promoted manifest's windowed accuracy \(recorded)", sourceLocation: sourceLocation)
    }
}
