import Foundation
import Learner
import Model
import Monitor
import Registry

/// Concept-drift adaptation, the paired rollback check, the journal of decisions that change no
/// version, and the holdout saved with the registry.
extension AdapterWorker {
    /// A concept alarm from the drift monitor: logged; when it confirms a new incident, the
    /// session's plan is carried out (replay thinned, holdout emptied, baseline dropped — in the
    /// session) and here the optimizer moments reset, and the whole plan journaled.
    func adapt(to alarm: ConceptAlarm) {
        logger.info("adapter \(name): concept alarm — \(alarm.description)")
        guard let plan = session.conceptAlarm(alarm) else { return }
        if plan.resetOptimizer { trainer.resetOptimizerState() }
        headRefit = .init()
        // With no live version there is nothing to judge the incident against.
        if (try? live.serving(name))?.version == nil { session.stopJudgingIncident() }
        counters.adaptations += 1
        logger.warning("adapter \(name): \(plan.reason)")
        journal(.adapt, plan.reason, numbers: [
            "alarm_index": Double(alarm.index), "statistic": alarm.statistic, "threshold": alarm.threshold,
            "mean_before": alarm.meanBefore, "mean_after": alarm.meanAfter, "replay_keep": plan.replayKeep,
            "head_lr_boost": plan.headLRBoost, "boost_steps": Double(plan.boostSteps),
            "post_change_replay": Double(plan.postChangeReplay), "post_change_seeded": Double(plan.postChangeSeeded),
            "head_refit_passes": Double(plan.headRefitPasses), "head_refit_lr": plan.headRefitLR,
        ])
    }

    /// After an incident's train step, the head alone is refitted on the step's rows (the fresh
    /// post-change examples and the post-change replay): their pooled features are recomputed
    /// with the weights the step just updated, then `head_refit_passes` head-only Adam passes
    /// (``BertLoRAModel/refitHead(features:labels:weights:passes:learningRate:state:)``) move the
    /// classifier toward the new concept while LoRA trains at its own pace.
    func refitHead(after batch: Session.TrainBatch) throws {
        guard batch.headRefitPasses > 0 else { return }
        let rows = batch.examples
        let features = try trainer.pooledFeatures(runtime.batch(rows.map(\.ids)))
        let fit = trainer.refitHead(features: features, labels: rows.map { labelIndex[$0.label]! }, weights: rows.map(\.weight),
                                    passes: batch.headRefitPasses, learningRate: Float(config.drift.adaptation.headRefitLR),
                                    state: &headRefit)
        counters.headRefits += 1
        logger.debug("adapter \(name): head refit after step \(batch.step) on \(rows.count) rows: loss \(fit.before) → \(fit.after)")
    }

    /// Live's prediction of the arrival `index` (one batched pass for the group, made when first
    /// needed), paired with the trainer's outcome for the incident's judge; a verdict makes the
    /// incident's snapshot due.
    func pairWithLive(_ outcome: PredictionOutcome, at index: Int, _ pairing: inout IncidentPairing) {
        if pairing.live == nil {
            guard let current = try? live.serving(name), current.version != nil,
                  let p = try? current.probabilities(runtime.batch(pairing.arrivals.map(\.sample.ids))) else {
                session.stopJudgingIncident()
                return
            }
            pairing.live = (current.labels, p)
        }
        guard let predicted = pairing.live else { return }
        let liveOutcome = PredictionOutcome(label: pairing.arrivals[index].sample.label, probabilities: predicted.probabilities[index],
                                            labels: predicted.labels)
        guard let judged = session.incidentPair(trainer: outcome.isCorrect, live: liveOutcome.isCorrect) else { return }
        guard judged.verdict != .undecided else {
            keepUndecided(judged)
            return
        }
        let reason = "concept incident judged \(judged.verdict?.rawValue ?? "?"): \(judged.description)"
        logger.info("adapter \(name): \(reason)")
        journal(.adapt, reason, numbers: judged.numbers)
        snapshotDue = .incident(judged)
    }

    /// The incident ended undecided: after `incident_examples` post-alarm arrivals the trainer is
    /// neither better nor worse than live. That is no evidence that the training since the alarm
    /// did harm (a false alarm looks exactly like this), and the issue's rule is that rolling back
    /// discards examples only when they were the cause. So nothing is discarded and no snapshot is
    /// forced: the trainer keeps its learning, the incident ends, and its next snapshots face the
    /// ordinary holdout gate. Journaled as `adapt` with the paired numbers and the examples kept.
    func keepUndecided(_ judge: IncidentJudge) {
        let kept = try? registry.live().map { try registry.manifest($0).examplesTrained }
        let since = Double(max(0, session.lineage.examplesTrained - (kept ?? 0)))
        let reason = "concept incident judged undecided: \(judge.description); the trainer keeps the "
            + "\(Int(since)) examples trained since live (no evidence they did harm), its snapshots go to the holdout gate"
        logger.info("adapter \(name): \(reason)")
        journal(.adapt, reason, numbers: judge.numbers.merging(["examples_kept": since]) { own, _ in own })
    }

    /// The incident's snapshot was rejected: the training since the alarm (with the boosted head
    /// learning rate) was significantly worse than live on the post-alarm examples. A new
    /// concept is learnable and the trainer beats the version that predates it; a burst of wrong
    /// labels (shuffled, poisoned) is not, and training on it only did harm. So the trainer goes
    /// back to live, and the examples trained since live are discarded — journaled as `reload`
    /// with their count and the judgement's numbers.
    func discardIncident(_ rejected: Manifest, _ judge: IncidentJudge, now: ContinuousClock.Instant) throws {
        guard try registry.live() != nil else { return }
        try apply(RollbackDecision(trigger: .incidentRejected, action: .reloadLive,
                                   reason: "the concept incident's candidate \(rejected.version) was rejected, "
                                       + "\(judge.description): not a learnable new concept", numbers: judge.numbers),
                  now: now)
    }

    /// Whether a metric-drop rollback from `from` to `to` is confirmed by the paired test on the
    /// recent holdout. When it is not, the decision is declined and journaled: the predecessor is
    /// no better on the same examples, so the drop is the stream's, not the version's. Without a
    /// predecessor version there is nothing to compare with (the base model knows no labels), so
    /// a drop alone never withdraws the first version.
    /// - Returns: true when the rollback should go ahead.
    func confirmRegression(_ decision: RollbackDecision, from: String, to: String?) throws -> Bool {
        guard let to else {
            decline(decision, "rollback \(from) → base model declined: no predecessor version to compare with "
                    + "on the same examples", numbers: [:])
            return false
        }
        guard let target = Version(to), let current = try live.serving(name), current.version?.name == from else { return true }
        let holdout = session.holdoutExamples
        let loaded = try registry.load(target)
        let predecessor = try LiveAdapter(adapter: name, loaded: loaded, runtime: runtime)
        let test = PairedComparison(live: try outcomes(holdout, labels: current.labels) { try current.probabilities($0) },
                                    predecessor: try outcomes(holdout, labels: predecessor.labels) { try predecessor.probabilities($0) },
                                    alpha: config.rollback.pairedAlpha)
        if test.liveIsWorse {
            logger.warning("adapter \(name): \(decision.trigger.rawValue) confirmed — \(test.description)")
            return true
        }
        decline(decision, "rollback \(from) → \(to) declined, the predecessor is no better on the same examples "
                + "(drift, not regression): \(test.description)", numbers: [
            "holdout_examples": Double(holdout.count), "predecessor_only": Double(test.predecessorOnly),
            "live_only": Double(test.liveOnly), "p_value": test.pValue,
        ])
        return false
    }

    /// Journals a declined rollback; the monitor stops comparing with the pre-drop level.
    private func decline(_ decision: RollbackDecision, _ why: String, numbers: [String: Double]) {
        counters.declinedRollbacks += 1
        session.declinedRollback()
        let reason = "\(decision.trigger.rawValue): \(decision.reason); \(why)"
        logger.warning("adapter \(name): \(reason)")
        journal(.rollbackDeclined, reason, numbers: numbers)
    }

    /// Per-example correctness of `predict` on `samples`, in order.
    private func outcomes(_ samples: [Sample], labels: [String],
                          _ predict: (TokenBatch) throws -> [[Float]]) throws -> [Bool] {
        var result: [Bool] = []
        var start = 0
        while start < samples.count {
            let chunk = samples[start..<min(start + 32, samples.count)]
            let p = try predict(runtime.batch(chunk.map(\.ids)))
            for (sample, probs) in zip(chunk, p) {
                result.append(PredictionOutcome(label: sample.label, probabilities: probs, labels: labels).isCorrect)
            }
            start += 32
        }
        return result
    }

    /// Appends a learner decision to the registry journal, against the live version (or the
    /// trainer's parent). Before any version exists there is nothing to journal against: logged only.
    func journal(_ event: JournalEntry.Event, _ reason: String, numbers: [String: Double] = [:]) {
        guard let version = (try? registry.live()) ?? parent else { return }
        do {
            try registry.note(event, version: version, reason: reason, numbers: numbers)
        } catch {
            logger.error("adapter \(name): could not journal \(event.rawValue): \(error)")
        }
    }

    // MARK: Holdout with the registry

    /// Saves the recent holdout next to the versions (after each snapshot), so a restarted
    /// agent's gate judges at once instead of deferring until a new buffer filled.
    func saveHoldout() {
        let stored = session.holdoutExamples.map {
            StoredHoldoutExample(ids: $0.ids, label: $0.label, weight: $0.weight, oovRate: $0.oovRate)
        }
        do {
            try registry.writeHoldout(try Self.holdoutEncoder.encode(stored))
        } catch {
            logger.error("adapter \(name): holdout not saved: \(error)")
        }
    }

    /// Reinstalls the saved holdout (labels the model does not know yet are interned).
    func restoreHoldout() {
        guard let data = registry.readHoldout() else { return }
        guard let stored = try? Self.holdoutDecoder.decode([StoredHoldoutExample].self, from: data) else {
            logger.warning("adapter \(name): unreadable holdout.json ignored")
            return
        }
        for example in stored { intern(example.label) }
        session.restoreHoldout(stored.map { Sample(ids: $0.ids, label: $0.label, weight: $0.weight, oovRate: $0.oovRate) })
        logger.info("adapter \(name): restored \(stored.count) holdout examples")
    }
}

extension AdapterWorker {
    /// A weight the decoder accepted (≤ `training.max_weight`, a Double) can be infinite as the
    /// Float the learner keeps; `holdout.json` writes it as "inf" rather than failing the save.
    static let holdoutEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()
    static let holdoutDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }()
}

/// One held-out example as `holdout.json` stores it (token ids: the tokenizer is the base's).
struct StoredHoldoutExample: Codable {
    let ids: [Int32]
    let label: String
    let weight: Float
    let oovRate: Double

    enum CodingKeys: String, CodingKey {
        case ids, label, weight, oovRate = "oov_rate"
    }
}

/// A snapshot due after the current group's actions.
enum DueSnapshot: Equatable {
    /// A drift incident's paired judgement has its verdict; the gate follows it.
    case incident(IncidentJudge)
    /// A rollback kept labels its target predates; the reason names them.
    case labelsKept(String)

    var reason: String {
        switch self {
        case .incident(let judge): "drift adaptation: the incident was judged \(judge.verdict?.rawValue ?? "?") after \(judge.pairs) post-alarm examples"
        case .labelsKept(let reason): reason
        }
    }
}

/// A group's arrivals and, once an incident needs them, live's probabilities for all of them.
struct IncidentPairing {
    let arrivals: [AdapterWorker.Arrival]
    var live: (labels: [String], probabilities: [[Float]])?

    init(_ arrivals: [AdapterWorker.Arrival]) { self.arrivals = arrivals }
}
