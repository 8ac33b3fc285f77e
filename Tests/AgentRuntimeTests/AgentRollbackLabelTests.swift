@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Testing

/// A rollback must not lose labels learned since the version it returns to: that version's
/// classifier has no row for them, so the learner carries the rows over from the weights it
/// replaces and a version that knows them goes live at once (journaled), instead of serving a
/// model that can never predict them.
@Suite("Agent rollback keeps labels learned since")
struct AgentRollbackLabelTests {
    @Test("rollback to a version that predates a label: the next live version knows the label and predicts it")
    func rollbackKeepsNewerLabels() async throws {
        let run = try await RollbackRun("rollback-labels", everyExamples: 100, rollback: AgentRollbackTests.rollback)
        let known = RollbackRun.labels - 1
        let newLabel = SyntheticStream.vocabulary[known].label
        try await run.learn(labels: known) { $0.promotions >= 1 }
        let promotionsBefore = try run.adapter().promotions
        try await run.learn { $0.promotions > promotionsBefore }
        let journalBefore = try run.registry.journal()
        let watched = try #require(try run.registry.live())
        #expect(try run.registry.manifest(watched).labels.contains(newLabel))

        try await run.regress()
        let entries = Array(try run.registry.journal().dropFirst(journalBefore.count))
        let rollback = try #require(entries.first { $0.event == .rollback }, "no rollback journaled: \(entries)")
        let target = rollback.version
        try #require(!(try run.registry.manifest(target).labels.contains(newLabel)),
                     "the rollback target \(target) already knows \(newLabel); the test needs one that predates it")

        // The version written right after the rollback descends from the target, carries the label
        // (its reason says so) and went live.
        let carried = try #require(entries.first { $0.event == .snapshot && $0.reason.contains("kept 1 label(s) learned since (\(newLabel))") },
                                   "no snapshot keeping \(newLabel) after the rollback: \(entries)")
        let manifest = try run.registry.manifest(carried.version)
        #expect(manifest.parent == target && manifest.labels.contains(newLabel))
        #expect(try run.registry.live() == carried.version, "journal: \(entries)")

        // The served model predicts the label on its own texts (its row was carried, not re-initialized).
        let texts = SyntheticStream.items(200, labels: RollbackRun.labels, prefix: "probe", seed: 0xCA77)
            .filter { $0.label == newLabel }.map(\.text)
        let predictions = try run.agent.predict(adapter: nil, texts: texts)
        #expect(predictions.allSatisfy { $0.version == carried.version && $0.scores[newLabel] != nil })
        let hits = predictions.filter { $0.label == newLabel }.count
        #expect(hits * 2 > texts.count, "\(hits) of \(texts.count) \(newLabel) texts predicted as \(newLabel)")
        try await run.stop()
        try await run.expectConsistent()
    }
}
