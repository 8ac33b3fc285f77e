import API
@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Testing

/// Decisions through the real agent (embedded broker, tiny model, registry on disk): the recent
/// holdout survives a restart, and a confirmed concept change makes the learner adapt — journaled
/// with the alarm's numbers — and serve a post-change version soon after.
@Suite("Agent decisions on real change")
struct AgentDecisionTests {
    @Test("the recent holdout is saved with the registry: a restarted agent judges at once")
    func holdoutSurvivesRestart() async throws {
        let run = try await RollbackRun("holdout-restart", everyExamples: 100, rollback: TestPipeline.noRollback)
        try await run.learn { $0.promotions >= 1 }
        try await run.stop()
        let file = run.registryURL.appendingPathComponent("default/holdout.json")
        let data = try #require(FileManager.default.contents(atPath: file.path), "no holdout.json after the shutdown snapshot")
        let saved = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(!saved.isEmpty && saved.allSatisfy { $0["label"] is String && $0["ids"] is [Any] })
        // The saved examples are exactly the held-out records of the stream, most recent last.
        let heldOut = run.heldOutLabels
        #expect(saved.compactMap { $0["label"] as? String } == heldOut.suffix(saved.count), "saved \(saved.count) of \(heldOut.count)")

        let restarted = try await run.restartedAgent()
        defer { restarted.stop() }
        let restored = await waitUntil(60) { restarted.status.adapters.first?.holdoutExamples == saved.count }
        #expect(restored, "holdout after restart: \(restarted.status.adapters.first?.holdoutExamples ?? -1), saved \(saved.count)")
    }

    /// The input projections are of the frozen base's mean token embedding (not the pooled
    /// output, which moves whenever the adapter learns): here the labels and the token counts
    /// stay, only the words change, so only the projections can see it.
    @Test("an input shift (same labels, same lengths, other words) is detected by the embedding projections")
    func inputShiftDetected() async throws {
        let drift = "{reference_window: 200, current_window: 100, embedding_projections: 4}"
        // No snapshot during the test: a promotion over an input alert adopts the current window as the reference.
        let run = try await RollbackRun("input-shift", everyExamples: 5_000, rollback: TestPipeline.noRollback, drift: drift)
        // The reference (200) frozen and the current window (100) full before the shift.
        try await run.learn { $0.examplesSeen >= 320 }
        let before = try #require(run.agent.drift.report(adapter: "default"))
        #expect(before.reference.state == "frozen")
        #expect((before.input?.severity ?? .ok) < .alert, "input alert before the shift: \(String(describing: before.input))")

        // About 4 in 14 of these keep a learnable label: 140 shifted examples, more than the current window.
        try await run.shiftInputs(490)
        let after = try #require(run.agent.drift.report(adapter: "default"))
        let input = try #require(after.input, "no input part in \(after)")
        #expect(input.severity == .alert, "\(input)")
        let alerted = input.features.filter { $0.severity == .alert }.map(\.feature)
        #expect(alerted.contains { $0.hasPrefix("projection_") }, "alerted features: \(alerted)")
        #expect(!alerted.contains("token_length"), "the shift keeps every text's token count: \(alerted)")
        #expect(after.label.map { $0.severity < .alert } == true, "the labels did not shift: \(String(describing: after.label))")
        let p = try #require(input.minAdjustedPValue)
        #expect(p < (input.threshold ?? 1), "p \(p) threshold \(String(describing: input.threshold))")
        try await run.stop()
    }

    /// A long burst of random labels trips the concept detectors like a change would, and the
    /// learner adapts (post-change replay and head refit included); but on the arrivals after the
    /// alarm the trainer — boosted on the burst and still replaying it — does significantly worse
    /// than live once the stream is clean again, so the incident's training is discarded: the
    /// trainer reloads live, journaled with the count of examples discarded.
    @Test("a poisoned burst: the incident is judged worse, its candidate rejected and the trainer reloads live, journaled")
    func poisonedBurstIsDiscarded() async throws {
        let drift = "{concept_warmup: 100, adaptation: {boost_steps: 60, head_refit_passes: 20, incident_examples: 200}}"
        let run = try await RollbackRun("poison", everyExamples: 800, rollback: AgentRollbackTests.metricDropOnly, drift: drift,
                                        gateTolerance: 0.02)
        try await run.learn { $0.promotions >= 1 }
        let journalBefore = try run.registry.journal()
        let liveBefore = try #require(try run.registry.live())

        try await run.poison(120)
        try await run.learn { _ in true }
        let entries = Array(try run.registry.journal().dropFirst(journalBefore.count))
        let adapt = try #require(entries.first { $0.event == .adapt }, "no concept incident: \(entries)")
        #expect(adapt.reason.hasPrefix("concept drift confirmed"))
        let verdict = try #require(entries.first { $0.event == .adapt && $0.reason.hasPrefix("concept incident judged") },
                                   "no verdict: \(entries)")
        #expect(verdict.reason.hasPrefix("concept incident judged worse: "), "\(verdict.reason)")
        let judged = try #require(entries.first { $0.event == .snapshot && $0.reason.hasPrefix("drift adaptation") },
                                  "no incident snapshot: \(entries)")
        #expect(judged.status == .rejected, "the adapted candidate went live: \(judged.reason)")
        let reload = try #require(entries.first { $0.event == .reload }, "no reload after the rejected incident: \(entries)")
        #expect(reload.reason.hasPrefix("incident_rejected: the concept incident's candidate \(judged.version.name) was rejected, "
                                        + "paired with live on "), "\(reload.reason)")
        #expect((reload.numbers["live_only"] ?? 0) > (reload.numbers["trainer_only"] ?? 1), "\(reload.numbers)")
        #expect((reload.numbers["p_worse"] ?? 1) < 0.05 / 4, "\(reload.numbers)")
        #expect((reload.numbers["examples_discarded"] ?? 0) > 0, "\(reload.numbers)")
        // The poisoned lineage never served: live is still the version from before the burst, or one
        // trained after the reload (whose lineage descends from it).
        let live = try #require(try run.registry.live())
        let parent = try run.registry.manifest(live).parent
        #expect(live == liveBefore || parent.map { $0 >= liveBefore } == true, "live \(live), parent \(String(describing: parent))")
        #expect(!entries.contains { $0.event == .promote && $0.version == judged.version })
        try await run.stop()
        try await run.expectConsistent()
    }

    /// A burst of random labels judged on few arrivals, all inside the burst: on random labels
    /// the trainer and live are both at chance, so the paired test cannot tell them apart.
    /// Undecided is no evidence that the training since the alarm was the harm (a false alarm ends
    /// the same way), so nothing is discarded: no incident snapshot is forced, no reload, and every
    /// example stays trained; the journal says so.
    @Test("an undecided incident keeps the trainer's learning: no reload, nothing discarded, journaled")
    func undecidedIncidentKeepsTheTrainer() async throws {
        // An alpha no 20 pairs can reach (the smallest one-sided p over 20 discordant pairs is
        // 2⁻²⁰ ≈ 1e-6): the verdict is undecided whatever the two models happen to predict, so
        // the test checks what undecided does, not the luck of a chance split.
        let drift = "{concept_warmup: 100, adaptation: {boost_steps: 20, incident_examples: 20, incident_alpha: 0.000000001}}"
        let run = try await RollbackRun("undecided", everyExamples: 800, rollback: AgentRollbackTests.metricDropOnly, drift: drift,
                                        gateTolerance: 0.02)
        try await run.learn { $0.promotions >= 1 }
        let journalBefore = try run.registry.journal()
        let trainedBefore = try run.adapter().examplesTrained

        try await run.poison(120)
        // Clean examples until the incident's 20 post-alarm arrivals are judged.
        try await run.learn { _ in
            (try? run.registry.journal())?.dropFirst(journalBefore.count).contains { $0.reason.hasPrefix("concept incident judged") } == true
        }
        let entries = Array(try run.registry.journal().dropFirst(journalBefore.count))
        #expect(entries.contains { $0.event == .adapt && $0.reason.hasPrefix("concept drift confirmed") }, "no incident: \(entries)")
        let verdict = try #require(entries.first { $0.event == .adapt && $0.reason.hasPrefix("concept incident judged") },
                                   "no verdict: \(entries)")
        #expect(verdict.reason.hasPrefix("concept incident judged undecided: paired with live on 20 post-alarm examples"),
                "\(verdict.reason)")
        #expect(verdict.reason.contains("the trainer keeps the"), "\(verdict.reason)")
        #expect((verdict.numbers["examples_kept"] ?? 0) > 0, "\(verdict.numbers)")
        #expect(!entries.contains { $0.event == .reload || $0.event == .rollback }, "the incident discarded training: \(entries)")
        #expect(!entries.contains { $0.event == .snapshot && $0.reason.hasPrefix("drift adaptation") }, "\(entries)")
        // Every example since stays trained: the trainer's count only grew, by at least the burst
        // and the clean examples after it that were not held out.
        let after = try run.adapter()
        #expect(after.examplesTrained >= trainedBefore + 120 * 8 / 10, "trained \(trainedBefore) → \(after.examplesTrained)")
        try await run.stop()
        try await run.expectConsistent()
    }

    @Test("a concept change is confirmed by the error detectors, adapted to, journaled, and a post-change version serves")
    func adaptsToConceptChange() async throws {
        // Detectors fed after 100 examples.
        let drift = "{concept_warmup: 100, adaptation: {boost_steps: 10}}"
        let run = try await RollbackRun("adapt", everyExamples: 400, rollback: AgentRollbackTests.metricDropOnly, drift: drift)
        try await run.learn { $0.promotions >= 1 }
        let journalBefore = try run.registry.journal()
        let liveBefore = try #require(try run.registry.live())
        let changeAt = try run.adapter().examplesSeen

        try await run.regress(160, prefix: "concept")
        let entries = try run.registry.journal().dropFirst(journalBefore.count)
        let adapt = try #require(entries.first { $0.event == .adapt }, "no adaptation journaled: \(Array(entries))")
        #expect(adapt.reason.hasPrefix("concept drift confirmed (adwin on error at example ")
                    || adapt.reason.hasPrefix("concept drift confirmed (page_hinkley on error at example "), "\(adapt.reason)")
        #expect(adapt.reason.contains("replay reservoir kept 0 %") && adapt.reason.contains("optimizer moments reset"))
        let statistic = try #require(adapt.numbers["statistic"]), threshold = try #require(adapt.numbers["threshold"])
        #expect(statistic > threshold)
        #expect((adapt.numbers["mean_after"] ?? 0) > (adapt.numbers["mean_before"] ?? 1))
        let alarmIndex = try #require(adapt.numbers["alarm_index"])
        #expect(alarmIndex >= Double(changeAt), "the alarm came before the change at \(changeAt): \(alarmIndex)")
        print("adapt: change at \(changeAt), alarm at \(Int(alarmIndex)): \(adapt.reason)")

        // The incident is judged against live on the arrivals after the alarm; judged better, its
        // snapshot is written and promoted at once.
        let verdict = try #require(entries.first { $0.event == .adapt && $0.reason.hasPrefix("concept incident judged") },
                                   "no verdict: \(Array(entries))")
        #expect(verdict.reason.hasPrefix("concept incident judged better: paired with live on "), "\(verdict.reason)")
        #expect((verdict.numbers["trainer_only"] ?? 0) > (verdict.numbers["live_only"] ?? 0), "\(verdict.numbers)")
        #expect((verdict.numbers["p_better"] ?? 1) < 0.05 / 800, "\(verdict.numbers)")
        let snapshot = try #require(entries.first { $0.event == .snapshot && $0.reason.hasPrefix("drift adaptation") },
                                    "no drift snapshot: \(Array(entries))")
        let manifest = try run.registry.manifest(snapshot.version)
        #expect(manifest.status == .live || manifest.status == .superseded, "\(manifest.status): \(snapshot.reason)")
        // The drift report carries the alarm with its numbers.
        let report = try #require(run.agent.drift.report(adapter: "default"))
        #expect(report.concept.detectors.contains { $0.lastAlarm != nil && $0.signal == "error" })
        #expect(try run.registry.live() != liveBefore, "a post-change version serves")
        try await run.stop()
        try await run.expectConsistent()
    }
}
