import API
import Foundation
import Learner
import Logging
import Model
import Monitor
import Registry

/// One adapter's online learner: its trainer weights, the pure ``AdapterSession`` state, its
/// registry, and the publication of its live version. Confined to the agent's learner thread.
///
/// Arriving examples are predicted in groups (one batched forward pass, test-then-train),
/// then queued; a group is trained as one micro-batch (plus replay). Snapshots evaluate the
/// trainer against live on the holdout buffer, gate, write the version durably, and swap the
/// live model.
///
/// No step calls back into the loop: training a group returns the ``Action``s it calls for
/// (a snapshot the policy made due, a rollback the predictions called for), and the entry points
/// (`handle`, `tick`) carry them out in order. A snapshot drains the group first, and whatever
/// snapshot that drain makes due is the one being written.
final class AdapterWorker {
    typealias Session = AdapterSession<Sample>

    let name: String
    let config: PipelineConfig
    let runtime: ModelRuntime
    let registry: AdapterRegistry
    let live: LiveAdapters
    let drift: DriftMonitorHub
    let logger: Logger
    var trainer: BertLoRAModel
    var labels: [String]
    var labelIndex: [String: Int]
    var session: Session
    /// The version the trainer's weights descend from (parent of the next snapshot).
    var parent: Version?
    var counters = WorkerCounters()
    /// Admitted examples awaiting their (batched) prequential prediction.
    var group: [Arrival] = []
    var groupDeadline: ContinuousClock.Instant?
    /// A snapshot due once the current group's actions are done (see ``DueSnapshot``).
    var snapshotDue: DueSnapshot?
    /// The Adam moments of the current incident's head refits (``refitHead(after:)``).
    var headRefit = BertLoRAModel.HeadRefitState()
    /// The agent's low watermark per partition with this worker's ledger as given
    /// (`Agent.lowWatermarks`), recorded in every snapshot's manifest as `durable_below`: where a
    /// restart may start (see `Agent.durableStarts`).
    var durableBelow: (OffsetLedger) -> [Int32: Int64] = { _ in [:] }
    /// Held-out arrivals of a group taken for a step, until `keep` puts them in the ledger: in
    /// neither the group nor the ledger meanwhile, so `firstWaitingOffset` counts them.
    var takenHoldouts: [Arrival] = []

    /// What a group or a step leaves the worker's entry points to do, in this order.
    enum Action {
        /// The snapshot policy (or a drift adaptation) made a snapshot due, for this reason.
        case snapshot(String)
        /// A prediction's outcome called for this rollback decision.
        case rollback(RollbackDecision)
    }

    struct Arrival {
        let sample: Sample
        let key: ExampleKey
        let partition: Int32
        let offset: Int64
        let holdout: Bool
    }

    /// Restores the adapter from its newest durable version (or starts it fresh).
    init(name: String, config: PipelineConfig, runtime: ModelRuntime, registryRoot: URL,
         live: LiveAdapters, drift: DriftMonitorHub, logger: Logger) throws {
        self.name = name
        self.config = config
        self.runtime = runtime
        self.live = live
        self.drift = drift
        self.logger = logger
        registry = try AdapterRegistry(root: registryRoot, adapter: name, create: true)
        let now = ContinuousClock.now
        if let newest = registry.newestDurable() {
            let loaded = try registry.load(newest.version, optimizer: true)
            labels = loaded.snapshot.labels
            trainer = try runtime.model(of: loaded.snapshot)
            session = Session(adapter: name, config: config, durableOffsets: newest.offsets[config.kafka.topic],
                              lineage: .init(newest), prequential: newest.prequentialMetrics, start: now)
            parent = newest.version
            logger.info("adapter \(name): resumed from version \(newest.version) (\(newest.examplesTrained) examples trained)")

        } else {
            labels = []
            trainer = try runtime.makeModel(labels: 1)
            session = Session(adapter: name, config: config, start: now)
        }
        labelIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        if parent != nil, let target = Self.rollbackSinceLastSnapshot(registry) {
            // The process that rolled back continued from the version rolled back to (labels and
            // offsets kept); a restart before its next snapshot does the same, not from the withdrawn one.
            try restoreTrainer(from: target)
            logger.info("adapter \(name): continuing from \(target.map { "version \($0)" } ?? "the base model"), the journal's last rollback")
        }
        restoreHoldout()
        try publishLive()
    }

    // MARK: Arrival

    /// Handles one valid example from partition/offset.
    func handle(_ text: String, label: String, id: String?, weight: Double, partition: Int32, offset: Int64,
                now: ContinuousClock.Instant) throws {
        let key = ExampleKey(id: id, topic: config.kafka.topic, partition: partition, offset: offset)
        let admission = session.admit(key: key, partition: partition, offset: offset)
        if admission == .skip {
            counters.skippedRedeliveries += 1
            return
        }
        if labelIndex[label] == nil, config.drift.enabled, let reason = session.newLabel(label) {
            counters.adaptations += 1
            logger.info("adapter \(name): \(reason)")
            journal(.adapt, reason, numbers: ["example_index": Double(session.metrics.cumulative.count),
                                              "head_lr_boost": config.drift.adaptation.headLRBoost,
                                              "boost_steps": Double(config.drift.adaptation.boostSteps)])
        }
        intern(label)
        let encoded = runtime.tokenizer.encodeWithStatistics(text, maxLength: runtime.maxLength)
        let sample = Sample(ids: encoded.ids, label: label, weight: Float(weight), oovRate: encoded.statistics.unknownRate)
        group.append(Arrival(sample: sample, key: key, partition: partition, offset: offset, holdout: admission == .holdout))
        if groupDeadline == nil { groupDeadline = now + config.training.maxWait }
        // A full group is due now: the agent's tick trains the due groups of all adapters together.
        if group.count >= session.mix.freshCapacity { groupDeadline = now }
    }

    /// Gives the label a classifier row; existing logits are unchanged.
    func intern(_ label: String) {
        guard labelIndex[label] == nil else { return }
        labelIndex[label] = labels.count
        labels.append(label)
        if labels.count > trainer.labelCount { trainer.growLabels(to: labels.count) }
    }

    /// Whether anything arrived since the last durable snapshot.
    var hasUnsavedWork: Bool { !group.isEmpty || !session.ledger.firstUndurable.isEmpty || session.queuedCount > 0 }

    /// The ledger as a snapshot of the session now will leave it (what it covers durable): what
    /// `durableBelow` is computed from, for the snapshot itself or ahead of an eviction's.
    var ledgerAfterSnapshot: OffsetLedger {
        var after = session.ledger
        after.markDurable(session.snapshotContents.offsets)
        return after
    }

    /// The lowest offset of `partition` not in the ledger yet: waiting for its prediction, or held
    /// out in a group taken for a step (other adapters' steps may snapshot before it is kept).
    func firstWaitingOffset(_ partition: Int32) -> Int64? {
        [group, takenHoldouts].joined().lazy.filter { $0.partition == partition }.map(\.offset).min()
    }

    /// The earliest moment this worker needs the loop's attention.
    var nextDeadline: ContinuousClock.Instant? {
        switch (groupDeadline, session.nextDeadline) {
        case let (a?, b?): return min(a, b)
        case let (a, b): return a ?? b
        }
    }

    /// Called by the loop on every wake-up: releases due groups, batches and snapshots.
    func tick(now: ContinuousClock.Instant) throws {
        if let deadline = groupDeadline, deadline <= now { try perform(processGroup(now: now), now: now) }
        if let batch = session.poll(now: now) { try perform(train(batch, now: now).actions, now: now) }
        if let trigger = session.snapshotPolicy.poll(now: now) { try snapshot(reason: trigger.description, now: now) }
    }

    /// Carries out what a group or step called for, in order, then a due snapshot: a drift
    /// incident's once its paired judgement has a verdict (when that rejects it, the incident's
    /// training is discarded, see ``discardIncident(_:_:now:)``), or the one that serves the labels
    /// a rollback kept.
    func perform(_ actions: [Action], now: ContinuousClock.Instant) throws {
        for action in actions {
            switch action {
            case .snapshot(let reason): try snapshot(reason: reason, now: now)
            case .rollback(let decision): try apply(decision, now: now)
            }
        }
        if let due = snapshotDue {
            snapshotDue = nil
            guard case .incident(let judge) = due else {
                try snapshot(reason: due.reason, now: now)
                return
            }
            if let manifest = try snapshot(reason: due.reason, now: now, incident: judge), manifest.status == .rejected {
                try discardIncident(manifest, judge, now: now)
            }
        }
    }

    // MARK: Test, then train

    /// Predicts the waiting group with the weights before its update, records the prequential
    /// outcomes, keeps the holdout examples, and trains on the rest.
    ///
    /// Without dropout the training forward pass computes exactly the prediction forward pass,
    /// so a group that forms one train step is predicted by that step itself: the held-out
    /// examples ride along with weight 0 (no gradient) and the trained rows' weights are
    /// rescaled so the loss stays their mean. That saves one forward pass per example.
    /// - Returns: what the group calls for: snapshots its steps made due, then the rollback its
    ///   predictions called for (unless a step already rolled back).
    func processGroup(now: ContinuousClock.Instant) throws -> [Action] {
        guard let group = takeGroup(now: now) else { return [] }
        guard let step = prepareStep(group) else { return try process(group, now: now) }
        let result: TrainStepResult
        do {
            result = try trainer.trainStep(runtime.batch(step.rows.map(\.ids)), labels: step.targets, weights: step.weights)
        } catch {
            return abandon(step, error, now: now)
        }
        return try complete(step, result, now: now)
    }

    /// A group that does not train as one step predicted by that step (several batches, only
    /// held-out arrivals, or dropout): one prediction pass, then its batches one by one.
    func process(_ group: TakenGroup, now: ContinuousClock.Instant) throws -> [Action] {
        let probabilities: [[Float]]
        do {
            probabilities = try trainer.probabilities(runtime.batch(group.arrivals.map(\.sample.ids)))
        } catch {
            return abandon(group.batches, heldOut: group.arrivals.filter(\.holdout), error, now: now)
        }
        let rollback = record(group.arrivals, probabilities: probabilities)
        keep(group.arrivals.filter(\.holdout))
        var actions: [Action] = []
        var rolledBack = false
        for batch in group.batches where !rolledBack {
            let end = try train(batch, now: now)
            // A rollback discards what an earlier step's due snapshot would have captured.
            actions = end.rolledBack ? [] : actions + end.actions
            rolledBack = end.rolledBack
        }
        // A rollback the step already carried out makes the prediction's decision stale.
        if let rollback, !rolledBack { actions.append(.rollback(rollback)) }
        return actions
    }

    /// Records the prequential outcome of every arrival, in arrival order, and feeds the drift
    /// monitor (unless `drift.enabled` is false); a concept alarm may start an adaptation.
    /// - Returns: the first rollback decision the outcomes called for.
    func record(_ arrivals: [Arrival], probabilities: [[Float]]) -> RollbackDecision? {
        var rollback: RollbackDecision?
        let embed = config.drift.enabled && drift.configuration.projections > 0
        var incident = IncidentPairing(arrivals)
        for (i, (arrival, p)) in zip(arrivals, probabilities).enumerated() {
            let outcome = PredictionOutcome(label: arrival.sample.label, probabilities: p, labels: labels)
            if let decision = session.recordPrediction(outcome), rollback == nil { rollback = decision }
            if session.isJudgingIncident { pairWithLive(outcome, at: i, &incident) }
            let totals = session.metrics.cumulative
            if totals.count % WorkerCounters.curveEvery == 0 {
                counters.curve.append(CurvePoint(examples: totals.count, accuracy: totals.accuracy ?? 0,
                                                 logLoss: totals.logLoss ?? 0))
            }
            guard config.drift.enabled else { continue }
            let alarm = drift.observe(adapter: name, DriftObservation(
                label: arrival.sample.label, error: !outcome.isCorrect, loss: outcome.loss,
                tokenLength: arrival.sample.ids.count, oovRate: arrival.sample.oovRate,
                embedding: embed ? runtime.inputEmbedding(arrival.sample.ids) : nil))
            if let alarm { adapt(to: alarm) }
        }
        return rollback
    }

    /// Keeps held-out arrivals for the gate (never trained on).
    func keep(_ heldOut: [Arrival]) {
        takenHoldouts.removeAll()
        counters.heldOut += heldOut.count
        for arrival in heldOut { session.addHoldout(arrival.sample, partition: arrival.partition, offset: arrival.offset) }
    }

    /// One optimizer step on a micro-batch (fresh + replay), then its bookkeeping; a step that
    /// throws is abandoned (``abandon(_:heldOut:_:now:)``).
    func train(_ batch: Session.TrainBatch, now: ContinuousClock.Instant) throws -> StepEnd {
        let result: TrainStepResult
        do {
            result = try step(batch)
        } catch {
            return StepEnd(actions: abandon([batch], heldOut: [], error, now: now))
        }
        return try finish(batch, result, now: now)
    }

    /// How a step ended: whether it led to a rollback (the trainer was reloaded), and the
    /// snapshot it made due.
    struct StepEnd {
        var rolledBack = false
        var actions: [Action] = []
    }

    /// Runs the optimizer step on `batch.examples` alone.
    private func step(_ batch: Session.TrainBatch) throws -> TrainStepResult {
        let step = prepareStep(batch)
        return try trainer.trainStep(runtime.batch(step.rows.map(\.ids)), labels: step.targets, weights: step.weights)
    }

    /// Counts a finished step, reports it to the session, and applies a due rollback.
    /// - Returns: whether a rollback was applied, or the snapshot the policy made due.
    func finish(_ batch: Session.TrainBatch, _ result: TrainStepResult, now: ContinuousClock.Instant) throws -> StepEnd {
        counters.steps += 1
        guard result.applied else {
            logger.warning("adapter \(name): step \(batch.step) skipped (\(result.skipReason ?? "non-finite")); weights unchanged, \(batch.fresh.count) examples not trained")
            return StepEnd(actions: skip(batch, now: now))
        }
        counters.lastLoss = Double(result.loss)
        try refitHead(after: batch)
        let outcome = session.trained(batch, loss: Double(result.loss), rowLosses: rowLosses(batch, result), weightsFinite: true, now: now)
        if let rollback = outcome.rollback {
            try apply(rollback, now: now)
            return StepEnd(rolledBack: true)
        }
        return StepEnd(actions: outcome.snapshot.map { [.snapshot($0.description)] } ?? [])
    }
}

extension AdapterWorker {
    /// Counts `batch` as a step not applied. Contained where it happened: weights unchanged,
    /// examples not counted as trained, live versions and the rollback monitor untouched (the
    /// count reaches the manifest and the snapshot's journal numbers as `examples_skipped`).
    /// - Returns: the snapshot the skipped examples made due.
    func skip(_ batch: Session.TrainBatch, now: ContinuousClock.Instant) -> [Action] {
        counters.skippedSteps += 1
        return session.skipped(batch, now: now).map { [.snapshot($0.description)] } ?? []
    }

    /// Batches whose step threw (an internal failure: bad records are dead-lettered before they
    /// get here, and a non-finite step is the trainer's own skip): each is counted as a skipped
    /// step, and the held-out arrivals are kept. So every example of them still has its fate, and
    /// the offsets they hold (and with them Kafka's commit and `durable_below`) move on.
    /// - Returns: the snapshots the skipped examples made due.
    func abandon(_ batches: [Session.TrainBatch], heldOut: [Arrival], _ error: any Error,
                 now: ContinuousClock.Instant) -> [Action] {
        keep(heldOut)
        let examples = batches.reduce(0) { $0 + $1.fresh.count }
        logger.error("adapter \(name): step failed: \(error); \(examples) examples counted as skipped, not trained")
        counters.steps += batches.count
        return batches.flatMap { skip($0, now: now) }
    }

    /// A prepared step that threw (see ``abandon(_:heldOut:_:now:)``).
    func abandon(_ step: PreparedStep, _ error: any Error, now: ContinuousClock.Instant) -> [Action] {
        abandon([step.batch], heldOut: step.arrivals.filter(\.holdout), error, now: now)
    }
}

/// Running counts for status and metrics.
struct WorkerCounters: Sendable {
    var steps = 0
    /// Steps that shared their pass with other adapters' steps (`Agent+CrossAdapter`).
    var crossAdapterSteps = 0
    var skippedSteps = 0
    var skippedRedeliveries = 0
    /// Examples kept for the holdout (predicted, never trained), this process's run.
    var heldOut = 0
    var snapshots = 0
    var promotions = 0
    var rejections = 0
    var rollbacks = 0
    /// Metric drops a paired test found shared by the predecessor (drift, not regression).
    var declinedRollbacks = 0
    /// Confirmed concept drifts the learner adapted to.
    var adaptations = 0
    /// Head-only refits after an incident's train steps.
    var headRefits = 0
    var snapshotFailures = 0
    var snapshotSeconds = Histogram(bounds: Histogram.snapshotBounds)
    var lastLoss: Double?
    var lastSnapshot: SnapshotStatus?
    var lastDecision: String?
    /// Cumulative prequential accuracy at every `curveEvery` examples (this process's run).
    var curve: [CurvePoint] = []
    static let curveEvery = 500
}
