import Foundation
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
    private var group: [Arrival] = []
    private var groupDeadline: ContinuousClock.Instant?
    var snapshotting = false

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
            let loaded = try registry.load(newest.version)
            labels = loaded.snapshot.labels
            trainer = try runtime.makeModel(labels: labels.count)
            try trainer.loadAdapter(loaded.snapshot.tensors)
            let offsets = newest.offsets.topics[config.kafka.topic] ?? [:]
            session = Session(adapter: name, config: config,
                              durableOffsets: Dictionary(uniqueKeysWithValues: offsets.compactMap { k, v in Int32(k).map { ($0, v) } }),
                              lineage: .init(newest),
                              prequential: PrequentialSnapshot(manifestNumbers: newest.prequentialMetrics), start: now)
            parent = newest.version
            logger.info("adapter \(name): resumed from version \(newest.version) (\(newest.examplesTrained) examples trained)")
        } else {
            labels = []
            trainer = try runtime.makeModel(labels: 1)
            session = Session(adapter: name, config: config, start: now)
        }
        labelIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
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
        intern(label)
        let encoded = runtime.tokenizer.encodeWithStatistics(text, maxLength: runtime.maxLength)
        let sample = Sample(ids: encoded.ids, label: label, weight: Float(weight), oovRate: encoded.statistics.unknownRate)
        group.append(Arrival(sample: sample, key: key, partition: partition, offset: offset, holdout: admission == .holdout))
        if groupDeadline == nil { groupDeadline = now + config.training.maxWait }
        if group.count >= session.mix.freshCapacity { try processGroup(now: now) }
    }

    /// Gives the label a classifier row; existing logits are unchanged.
    private func intern(_ label: String) {
        guard labelIndex[label] == nil else { return }
        labelIndex[label] = labels.count
        labels.append(label)
        if labels.count > trainer.labelCount { trainer.growLabels(to: labels.count) }
    }

    /// Whether anything arrived since the last durable snapshot.
    var hasUnsavedWork: Bool { !group.isEmpty || !session.ledger.firstUndurable.isEmpty || session.queuedCount > 0 }

    /// The lowest offset of `partition` still waiting for its prediction (in no ledger yet).
    func firstWaitingOffset(_ partition: Int32) -> Int64? {
        group.lazy.filter { $0.partition == partition }.map(\.offset).min()
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
        if let deadline = groupDeadline, deadline <= now { try processGroup(now: now) }
        if let batch = session.poll(now: now) { try train(batch, now: now) }
        if let trigger = session.snapshotPolicy.poll(now: now) { try snapshot(reason: trigger.description, now: now) }
    }

    // MARK: Test, then train

    /// Predicts the waiting group in one forward pass, records the prequential outcomes,
    /// then routes each example to the holdout buffer or the batcher, and trains.
    func processGroup(now: ContinuousClock.Instant) throws {
        guard !group.isEmpty else { return }
        let arrivals = group
        group.removeAll(keepingCapacity: true)
        groupDeadline = nil
        let probabilities = try trainer.probabilities(runtime.batch(arrivals.map(\.sample.ids)))
        var rollback: RollbackDecision?
        for (arrival, p) in zip(arrivals, probabilities) {
            let outcome = PredictionOutcome(label: arrival.sample.label, probabilities: p, labels: labels)
            if let decision = session.recordPrediction(outcome), rollback == nil { rollback = decision }
            let totals = session.metrics.cumulative
            if totals.count % WorkerCounters.curveEvery == 0 {
                counters.curve.append(CurvePoint(examples: totals.count, accuracy: totals.accuracy ?? 0,
                                                 logLoss: totals.logLoss ?? 0))
            }
            drift.observe(adapter: name, DriftObservation(
                label: arrival.sample.label, error: !outcome.isCorrect, loss: outcome.loss,
                tokenLength: arrival.sample.ids.count, oovRate: arrival.sample.oovRate))
        }
        for arrival in arrivals {
            if arrival.holdout {
                session.addHoldout(arrival.sample, partition: arrival.partition, offset: arrival.offset)
            } else if let batch = session.enqueue(arrival.sample, key: arrival.key, partition: arrival.partition,
                                                  offset: arrival.offset, now: now) {
                try train(batch, now: now)
            }
        }
        if let batch = session.flush() { try train(batch, now: now) }
        if let rollback { try apply(rollback, now: now) }
    }

    /// One optimizer step on a micro-batch (fresh + replay).
    func train(_ batch: Session.TrainBatch, now: ContinuousClock.Instant) throws {
        let examples = batch.examples
        let tokens = try runtime.batch(examples.map(\.ids))
        let targets = examples.map { labelIndex[$0.label]! }
        let multiplier = batch.learningRateMultiplier
        trainer.optimizer.learningRate = Float(config.training.lr * multiplier)
        trainer.optimizer.headLearningRate = Float(config.training.headLR * multiplier)
        let result = try trainer.trainStep(tokens, labels: targets, weights: examples.map(\.weight))
        counters.steps += 1
        if result.applied {
            counters.lastLoss = Double(result.loss)
        } else {
            counters.skippedSteps += 1
            logger.warning("adapter \(name): step \(batch.step) skipped (\(result.skipReason ?? "non-finite")); weights unchanged")
        }
        // A skipped step left the weights bitwise unchanged and finite; the monitor sees its loss.
        let outcome = session.trained(batch, loss: Double(result.loss), weightsFinite: true, now: now)
        if let rollback = outcome.rollback {
            try apply(rollback, now: now)
        } else if let trigger = outcome.snapshot, !snapshotting {
            try snapshot(reason: trigger.description, now: now)
        }
    }
}

/// Running counts for status and metrics.
struct WorkerCounters: Sendable {
    var steps = 0
    var skippedSteps = 0
    var skippedRedeliveries = 0
    var snapshots = 0
    var promotions = 0
    var rejections = 0
    var rollbacks = 0
    var snapshotFailures = 0
    var lastLoss: Double?
    var lastSnapshot: Version?
    var lastDecision: String?
    /// Cumulative prequential accuracy at every `curveEvery` examples (this process's run).
    var curve: [CurvePoint] = []
    static let curveEvery = 500
}

/// A point of the prequential learning curve.
public struct CurvePoint: Sendable, Codable, Equatable {
    public var examples: Int
    public var accuracy: Double
    public var logLoss: Double
}
