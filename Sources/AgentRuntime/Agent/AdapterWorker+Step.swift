import Foundation
import Model

/// A group's test-then-train step as data, so the agent can run the steps of many adapters in
/// one cross-adapter pass (`Agent+CrossAdapter`) or a worker its own alone (`processGroup`).
///
/// Without dropout the training forward pass computes exactly the prediction forward pass, so a
/// group that forms one train step is predicted by that step itself: the held-out examples ride
/// along with weight 0 (no gradient) and the trained rows' weights are rescaled so the loss stays
/// their mean. Whether the step runs alone or beside other adapters' rows, this adapter's rows,
/// gradients and AdamW step are its own.
extension AdapterWorker {
    /// The waiting group, taken: its arrivals, and the training batches the session formed.
    struct TakenGroup {
        let arrivals: [Arrival]
        let batches: [Session.TrainBatch]
    }

    /// A group's step, ready to run.
    struct PreparedStep {
        let batch: Session.TrainBatch
        let arrivals: [Arrival]
        /// The batch's examples (fresh in arrival order, then replay), then the held-out arrivals.
        let rows: [Sample]
        let targets: [Int]
        let weights: [Float]
    }

    /// Whether the group's deadline passed (a full group is due at once).
    func groupDue(_ now: ContinuousClock.Instant) -> Bool { groupDeadline.map { $0 <= now } ?? false }

    /// Takes the waiting group: its training arrivals go into the session's micro-batcher, which
    /// returns the batches to train (the last one flushed). Nil when nothing waits.
    func takeGroup(now: ContinuousClock.Instant) -> TakenGroup? {
        guard !group.isEmpty else { return nil }
        let arrivals = group
        takenHoldouts = arrivals.filter(\.holdout)
        group.removeAll(keepingCapacity: true)
        groupDeadline = nil
        var batches: [Session.TrainBatch] = []
        for arrival in arrivals where !arrival.holdout {
            if let batch = session.enqueue(arrival.sample, key: arrival.key, partition: arrival.partition,
                                           offset: arrival.offset, now: now) { batches.append(batch) }
        }
        if let batch = session.flush() { batches.append(batch) }
        return TakenGroup(arrivals: arrivals, batches: batches)
    }

    /// The group as one step that predicts its arrivals, when it is one (a single batch holding
    /// every training arrival, no dropout); sets the trainer's learning rates for it.
    func prepareStep(_ group: TakenGroup) -> PreparedStep? {
        let training = group.arrivals.count { !$0.holdout }
        guard group.batches.count == 1, let batch = group.batches.first, batch.fresh.count == training,
              trainer.lora.dropout == 0 else { return nil }
        return prepareStep(batch, riders: group.arrivals.filter(\.holdout).map(\.sample), arrivals: group.arrivals)
    }

    /// Rows, targets and weights of `batch` plus `riders` (predicted only: weight 0, the trained
    /// rows' weights rescaled so the loss is still their mean); sets the trainer's learning rates.
    func prepareStep(_ batch: Session.TrainBatch, riders: [Sample] = [], arrivals: [Arrival] = []) -> PreparedStep {
        let examples = batch.examples
        let scale = Float(examples.count + riders.count) / Float(examples.count)
        let multiplier = batch.learningRateMultiplier
        trainer.optimizer.learningRate = Float(config.training.lr * multiplier)
        trainer.optimizer.headLearningRate = Float(config.training.headLR * multiplier * batch.headLearningRateBoost)
        return PreparedStep(batch: batch, arrivals: arrivals, rows: examples + riders,
                            targets: (examples + riders).map { labelIndex[$0.label]! },
                            weights: examples.map { $0.weight * scale } + riders.map { _ in 0 })
    }

    /// The weighted cross-entropy of each of the batch's rows (fresh, then replay), from the
    /// step's own forward pass (before its update), for the session's loss-spike rule, which
    /// watches the fresh rows only (``AdapterSession/spikeLoss(_:batchLoss:rowLosses:)``).
    /// Empty when the step returned no logits for them.
    func rowLosses(_ batch: Session.TrainBatch, _ result: TrainStepResult) -> [Double] {
        let examples = batch.examples
        guard result.logits.count >= examples.count else { return [] }
        return zip(result.logits, examples).map { logits, example in
            let z = logits.map(Double.init), top = z.max() ?? 0
            let logSumExp = top + log(z.reduce(0) { $0 + exp($1 - top) })
            return Double(example.weight) * (logSumExp - z[labelIndex[example.label]!])
        }
    }

    /// Records the step's predictions of its arrivals (read from its forward pass), keeps the
    /// held-out ones, and finishes the step.
    /// - Returns: what the group calls for: the snapshot its step made due, then the rollback its
    ///   predictions called for (unless the step already rolled back).
    func complete(_ step: PreparedStep, _ result: TrainStepResult, now: ContinuousClock.Instant) throws -> [Action] {
        // Rows: the batch's fresh examples (the training arrivals, in order), replay, then the held-out ones.
        var trainRow = 0, heldOutRow = step.batch.examples.count
        let rows = step.arrivals.map { arrival -> Int in
            defer { if arrival.holdout { heldOutRow += 1 } else { trainRow += 1 } }
            return arrival.holdout ? heldOutRow : trainRow
        }
        let rollback = record(step.arrivals, probabilities: rows.map { BertLoRAModel.softmax(result.logits[$0]) })
        keep(step.arrivals.filter(\.holdout))
        let end = try finish(step.batch, result, now: now)
        // A rollback the step already carried out makes the prediction's decision stale.
        return end.actions + (end.rolledBack ? [] : rollback.map { [.rollback($0)] } ?? [])
    }
}
