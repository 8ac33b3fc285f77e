import Foundation
import Learner
import Model

/// Cross-adapter training steps: when any adapter's group is due (full, or waited
/// `max_wait_ms`), the due groups train together, topped up with the other adapters' waiting
/// groups (oldest first; a group then trains with the examples it has, as a `max_wait_ms`
/// flush does) up to `crossAdapterRows(config)` arrivals, in passes of at most that many rows. The frozen
/// base runs once for all their rows; each row goes through its own adapter's LoRA branches and
/// head; each adapter's gradients sum over its own rows and its AdamW step touches only its own
/// parameters (`BertLoRAModel.trainStepMixed`). Everything else stays per adapter: each step's
/// rows are exactly what that adapter would train alone (fresh + its replay + its riding held-out
/// examples), its predictions are read from its own rows, and its snapshots, gate, rollback and
/// offsets follow from its own step, so exactly-once and the atomic swap hold as before. With
/// many adapters of a few examples each, the passes keep the size one adapter's batches have.
extension Agent {
    /// Most rows of one cross-adapter pass: four micro-batches.
    static func crossAdapterRows(_ config: PipelineConfig) -> Int { 4 * config.training.batchSize }

    /// Takes every worker's due group and trains those that form one step in cross-adapter
    /// passes (the others, e.g. with dropout or several batches, alone); then each worker carries
    /// out what its step called for. A worker's failure is logged and does not stop the others.
    func trainDueGroups(now: ContinuousClock.Instant) {
        let cap = Self.crossAdapterRows(config)
        var chosen = workers.values.filter { $0.groupDue(now) }.sorted { $0.name < $1.name }
        guard !chosen.isEmpty else { return }
        var arrivals = chosen.reduce(0) { $0 + $1.group.count }
        let waiting = workers.values.filter { !$0.group.isEmpty && !$0.groupDue(now) }
            .sorted { ($0.groupDeadline ?? now, $0.name) < ($1.groupDeadline ?? now, $1.name) }
        for w in waiting where arrivals < cap {
            chosen.append(w)
            arrivals += w.group.count
        }
        var steps: [(worker: AdapterWorker, step: AdapterWorker.PreparedStep)] = []
        for w in chosen {
            let name = w.name
            guarded("group of \(name)") {
                guard let group = w.takeGroup(now: now) else { return }
                if let step = w.prepareStep(group) {
                    steps.append((w, step))
                } else {
                    try w.perform(w.process(group, now: now), now: now)
                }
            }
        }
        var start = 0
        while start < steps.count {
            var end = start + 1, rows = steps[start].step.rows.count
            while end < steps.count, rows + steps[end].step.rows.count <= cap {
                rows += steps[end].step.rows.count
                end += 1
            }
            let chunk = Array(steps[start..<end])
            start = end
            var results: [TrainStepResult]?
            do {
                results = try train(chunk.map(\.step), on: chunk.map(\.worker))
            } catch {
                logger.error("learner: cross-adapter step of \(chunk.map(\.worker.name)) failed: \(error); each adapter's step runs alone")
            }
            for (i, (w, step)) in chunk.enumerated() {
                // After a failed pass each step runs alone, so one adapter's failure is not the others'.
                let result: TrainStepResult
                if let results {
                    result = results[i]
                    if chunk.count > 1 { w.counters.crossAdapterSteps += 1 }
                } else {
                    do {
                        result = try train([step], on: [w])[0]
                    } catch {
                        guarded("step of \(w.name)") { try w.perform(w.abandon(step, error, now: now), now: now) }
                        continue
                    }
                }
                guarded("step of \(w.name)") { try w.perform(w.complete(step, result, now: now), now: now) }
            }
        }
    }

    /// One pass over the steps' rows: each step's rows train its own worker's trainer (one
    /// trainer alone runs its ordinary step).
    private func train(_ steps: [AdapterWorker.PreparedStep], on workers: [AdapterWorker]) throws -> [TrainStepResult] {
        try trainPassFault?(workers.map(\.name))
        let trainers = workers.map(\.trainer)
        let tokens = try runtime.batch(steps.flatMap { $0.rows.map(\.ids) })
        let targets = steps.flatMap(\.targets), weights = steps.flatMap(\.weights)
        if trainers.count == 1 { return [try trainers[0].trainStep(tokens, labels: targets, weights: weights)] }
        let rowAdapters = steps.enumerated().flatMap { i, step in Array(repeating: i, count: step.rows.count) }
        return try BertLoRAModel.trainStepMixed(tokens, adapters: trainers, rowAdapters: rowAdapters, labels: targets, weights: weights)
    }
}
