import API
import Monitor
import Registry

/// The pure per-adapter state of the online learner, wired together: holdout split,
/// prequential metrics, micro-batching with replay, learning-rate schedule, snapshot
/// policy, promotion gate, rollback monitor, offset ledger and trained-ids digest.
///
/// It never touches the model, Kafka or the disk: the serve loop does the work it asks
/// for and reports back. One session per adapter, used from one task (it is a value type;
/// keep it inside the adapter's actor or worker). The loop, per message:
///
/// 1. `admit(key:partition:offset:)` → `.skip` (redelivery) / `.holdout` / `.train`.
/// 2. Predict with the current trainer weights (test first) and `recordPrediction(_:)`;
///    a returned ``RollbackDecision`` is acted on (see 6).
/// 3. Holdout: `addHoldout(_:partition:offset:)`. Train: `enqueue(_:key:partition:offset:now:)`,
///    which may return a ``TrainBatch``. When no message arrives, call `poll(now:)` by
///    ``nextDeadline`` (use it to bound the consumer's poll timeout).
/// 4. For a batch: tokenize and pad `batch.examples` to the longest, run forward/backward,
///    clip, AdamW with `lr × batch.learningRateMultiplier`, then `trained(_:loss:weightsFinite:now:)`;
///    when the guard skipped the update (non-finite loss, gradients or result), `skipped(_:)` instead.
/// 5. On `outcome.snapshot`: first `flush()` and train any partial batch (so the snapshot
///    covers everything received where possible), then write the version with
///    ``snapshotContents`` as status `candidate`; on success `snapshotSucceeded(...)`, and
///    commit Kafka to `OffsetLedger.commitPositions(consumed:ledgers:)` over all sessions'
///    ``ledger``s; on an fsync error `snapshotFailed(now:)` (no retry of that snapshot).
///    Then judge it: evaluate candidate and live on ``holdoutExamples`` into
///    ``MetricTotals`` and call `judge(candidate:live:weightsFinite:)`; on `.promote` write
///    `LIVE`, journal, swap the serving weights and call `promoted(version:previous:)`;
///    on `.reject` mark it rejected with the reason; on `.defer` leave it a candidate.
/// 6. On a ``RollbackDecision``: `.rollBack(from:to:)` → make `to` live (journal the
///    reason), load its weights into the trainer; `.reloadLive` → load live into the trainer.
///    Then `rolledBack(to:)` with the loaded version's lineage.
/// 7. On revoke or shutdown: `flush()`, train, snapshot, commit, release.
///
/// On start (or assignment), build the session from the newest durable version's manifest
/// (`durableOffsets`, `lineage`, `prequential`) and seek the consumer to the committed
/// position (the beginning when nothing was committed); redeliveries below the manifest's
/// offsets come back as `.skip`.
///
/// Poison messages (§6: their offset may pass only after the DLQ acknowledged them): keep one
/// extra ``OffsetLedger`` for the DLQ — `receive` when producing, `apply` and `markDurable`
/// on the delivery report — and include it in `commitPositions`.
package struct AdapterSession<Example: Sendable>: Sendable {
    package typealias Instant = ContinuousClock.Instant

    /// Adapter name (for logs and reasons).
    package let adapter: String
    package let splitter: HoldoutSplitter
    package private(set) var metrics: PrequentialMetrics
    package private(set) var holdout: BoundedBuffer<Example>
    package private(set) var ledger: OffsetLedger
    package private(set) var lineage: Lineage
    package private(set) var snapshotPolicy: SnapshotPolicy
    private(set) var monitor: RollbackMonitor
    package let gate: PromotionGate
    let schedule: LearningRateSchedule
    package let mix: ReplayMix
    package private(set) var adaptation: DriftAdaptation
    /// Counts candidates refused for non-finite outputs (a trainer blown up by an absurd learning rate).
    package private(set) var blownTrainer = BlownTrainerWatch()
    /// Examples before a label's first appearance counts as new (`drift.concept_warmup`).
    private let newLabelWarmup: Int
    private var batcher: MicroBatcher<Fresh>
    private var reservoir: ReplayReservoir<Example>
    /// The examples trained since a concept incident's alarm, replayed during its boost
    /// (`drift.adaptation.post_change_replay`), independent of `training.replay`.
    private var postChange: ReplayReservoir<Example>
    /// The latest trained examples with the stream index at which they were trained: at an
    /// alarm, those the detector attributes to the new regime seed the post-change replay.
    private var recent: BoundedBuffer<(index: Int, example: Example)>
    private let rollbackEnabled: Bool
    /// The gate's minimum holdout while the buffer refills after a drift emptied it.
    private var refillMinHoldout: Int?
    /// Batches handed out and not yet reported (`trained` or `skipped`): a group that forms
    /// several batches before the first trains numbers them consecutively.
    private var batchesOut = 0

    /// - Parameters:
    ///   - adapter: the adapter's name.
    ///   - config: the pipeline.
    ///   - durableOffsets: next offsets from the newest durable manifest (empty for a new adapter).
    ///   - lineage: counters from that manifest.
    ///   - prequential: that manifest's prequential metrics, to continue the cumulative numbers.
    ///   - start: now.
    package init(adapter: String, config: PipelineConfig, durableOffsets: [Int32: Int64] = [:],
                lineage: Lineage = Lineage(), prequential: PrequentialSummary? = nil, start: Instant) {
        self.adapter = adapter
        splitter = config.holdout.splitter
        if let prequential {
            metrics = PrequentialMetrics(window: config.metrics.window, resuming: prequential)
        } else {
            metrics = PrequentialMetrics(window: config.metrics.window)
        }
        holdout = BoundedBuffer(capacity: config.holdout.buffer)
        ledger = OffsetLedger(durable: durableOffsets)
        self.lineage = lineage
        snapshotPolicy = config.snapshot.policy(start: start)
        monitor = RollbackMonitor(settings: config.rollback.monitorSettings(metric: config.gate.metric))
        gate = config.gate.gate
        schedule = config.training.learningRateSchedule
        mix = config.training.replayMix
        batcher = MicroBatcher(maxSize: mix.freshCapacity, maxWait: config.training.maxWait)
        // Each adapter samples differently but reproducibly.
        reservoir = ReplayReservoir(capacity: config.training.replay.capacity,
                                    seed: config.model.seed ^ StableHash.hash(adapter))
        postChange = ReplayReservoir(capacity: Self.postChangeCapacity,
                                     seed: ~config.model.seed ^ StableHash.hash(adapter))
        recent = BoundedBuffer(capacity: Self.postChangeSeedLimit)
        rollbackEnabled = config.rollback.enabled
        adaptation = DriftAdaptation(settings: config.drift.adaptation, headLR: config.training.headLR)
        newLabelWarmup = config.drift.conceptWarmup
    }

    // MARK: Arrival

    /// Classifies an arriving message.
    package func admit(key: ExampleKey, partition: Int32, offset: Int64) -> Admission {
        if ledger.isAlreadyApplied(partition: partition, offset: offset) { return .skip }
        return splitter.isHoldout(key) ? .holdout : .train
    }

    /// Records the prediction made before training (holdout and train examples alike).
    /// - Returns: a rollback decision when the live lineage regressed after a promotion.
    package mutating func recordPrediction(_ outcome: PredictionOutcome) -> RollbackDecision? {
        metrics.record(outcome)
        guard rollbackEnabled else { return nil }
        return monitor.observe(outcome)
    }

    /// Keeps a held-out example for the gate; its offset is applied at once.
    package mutating func addHoldout(_ example: Example, partition: Int32, offset: Int64) {
        holdout.append(example)
        ledger.receive(partition: partition, offset: offset)
        ledger.apply(partition: partition, offset: offset)
        if let refill = refillMinHoldout, holdout.count >= max(refill, gate.minHoldout) { refillMinHoldout = nil }
    }

    /// Installs held-out examples saved with the registry (oldest first), before any arrive.
    package mutating func restoreHoldout(_ examples: [Example]) {
        for example in examples { holdout.append(example) }
    }

    /// Queues a training example.
    /// - Returns: a batch to train now, if a bound was reached.
    package mutating func enqueue(_ example: Example, key: ExampleKey, partition: Int32, offset: Int64,
                                 now: Instant) -> TrainBatch? {
        ledger.receive(partition: partition, offset: offset)
        let fresh = Fresh(example: example, key: key, partition: partition, offset: offset)
        guard let released = batcher.append(fresh, now: now) else { return nil }
        return makeBatch(released)
    }

    /// Releases a batch whose oldest example waited `max_wait_ms`.
    package mutating func poll(now: Instant) -> TrainBatch? {
        guard let released = batcher.poll(now: now) else { return nil }
        return makeBatch(released)
    }

    /// Releases whatever is queued (before a snapshot, on revoke, at shutdown).
    package mutating func flush() -> TrainBatch? {
        guard let released = batcher.flush() else { return nil }
        return makeBatch(released)
    }

    /// The earliest moment something is due (batch release or time-based snapshot).
    package var nextDeadline: Instant? {
        switch (batcher.deadline, snapshotPolicy.deadline) {
        case let (a?, b?): return min(a, b)
        case let (a, b): return a ?? b
        }
    }

    /// Examples queued for the next batch.
    package var queuedCount: Int { batcher.pendingCount }

    /// Post-change examples kept for the incident's replay: the boost's steps see at most
    /// `boost_steps × batch_size` of them (60 × 16 at the defaults), so a reservoir of 1,024
    /// holds them all in a typical incident and a uniform sample in a longer one.
    static var postChangeCapacity: Int { 1_024 }

    /// At most this many examples trained before an alarm seed its post-change replay (ADWIN's
    /// window after a cut on a change 60–80 examples back is about that long).
    static var postChangeSeedLimit: Int { 256 }

    private mutating func makeBatch(_ fresh: [Fresh]) -> TrainBatch {
        let replayCount = mix.replayCount(fresh: fresh.count, available: reservoir.count)
        batchesOut += 1
        let step = lineage.steps + batchesOut
        let replay = reservoir.draw(replayCount) + postChange.draw(adaptation.nextPostChangeReplay())
        return TrainBatch(fresh: fresh, replay: replay, step: step,
                          learningRateMultiplier: schedule.multiplier(step: step),
                          headLearningRateBoost: adaptation.nextHeadMultiplier(), headRefitPasses: adaptation.nextHeadRefit())
    }

    // MARK: Drift

    /// A concept alarm from the drift monitor. When it confirms a new incident, the pure parts
    /// of the plan are carried out here — the replay reservoir thinned to `replayKeep`, the
    /// holdout emptied (the gate accepts `minHoldoutAfter` examples until it refills), the
    /// rollback monitor's pre-drift baseline dropped — and the plan is returned so the caller
    /// resets the optimizer and journals it.
    package mutating func conceptAlarm(_ alarm: ConceptAlarm) -> DriftAdaptation.Plan? {
        guard var plan = adaptation.alarm(alarm) else { return nil }
        reservoir.keep(fraction: plan.replayKeep)
        postChange.removeAll()
        if plan.postChangeReplay > 0, let since = alarm.sinceChange {
            // The examples trained after the detected change are the new concept's too.
            for item in recent.elements where item.index > alarm.index - since { postChange.offer(item.example) }
            plan.postChangeSeeded = postChange.count
        }
        holdout.removeAll()
        refillMinHoldout = plan.minHoldoutAfter
        monitor.driftConfirmed()
        return plan
    }

    /// Whether a concept incident is being judged: live should predict every arrival as well.
    package var isJudgingIncident: Bool { adaptation.isJudging }

    /// The trainer's and live's outcomes on one arrival during an incident (see ``IncidentJudge``).
    /// - Returns: the judgement when this pair decided it: the incident's snapshot is then due.
    package mutating func incidentPair(trainer: Bool, live: Bool) -> IncidentJudge? {
        adaptation.judged(trainer: trainer, live: live)
    }

    /// No live version to judge the incident against.
    package mutating func stopJudgingIncident() { adaptation.stopJudging() }

    /// The gate's decision on the incident's snapshot: the paired verdict, unless the candidate's
    /// weights or outputs are not finite.
    package func judgeIncident(_ judge: IncidentJudge, candidate: MetricTotals, weightsFinite: Bool,
                               nonFiniteOutputs: Int) -> GateDecision {
        guard weightsFinite, nonFiniteOutputs == 0 else {
            return self.judge(candidate: candidate, live: nil, weightsFinite: weightsFinite, nonFiniteOutputs: nonFiniteOutputs)
        }
        let better = judge.verdict == .better
        let verdict = better ? "better than live" : judge.verdict == .worse ? "worse than live" : "no better than live"
        return GateDecision(verdict: better ? .promote : .reject, reason: "concept incident: trainer \(verdict), \(judge.description)",
                            candidateValue: candidate.value(gate.metric), liveValue: nil)
    }

    /// A label never seen before arrived (before its prediction is recorded).
    /// - Returns: the journal line when the learner adapts to it (see ``DriftAdaptation/newLabel(_:at:warmup:)``).
    package mutating func newLabel(_ label: String) -> String? {
        adaptation.newLabel(label, at: metrics.cumulative.count, warmup: newLabelWarmup)
    }

    // MARK: Training

    /// The batch's step was skipped by the non-finite guard (weights unchanged): its fresh
    /// examples are consumed (their offsets pass) but not trained, so they stay out of the
    /// trained count, the digest and the replay reservoir, and the rollback monitor never sees
    /// the non-finite loss — a skipped step cannot make live versions or rollback state move.
    /// Their offsets still count toward the snapshot policy: only a durable snapshot lets Kafka's
    /// commit pass them, so a stream of skipped steps must make snapshots due like trained ones.
    /// - Returns: the snapshot that is now due, if any.
    package mutating func skipped(_ batch: TrainBatch, now: Instant) -> SnapshotPolicy.Trigger? {
        for item in batch.fresh { ledger.apply(partition: item.partition, offset: item.offset) }
        lineage.examplesSkipped += batch.fresh.count
        countStep()
        return snapshotPolicy.recordTrained(batch.fresh.count, now: now)
    }

    /// One reported step: every batch counts once in `lineage.steps`, however many one group
    /// formed (numbering them by `batch.step` counted two batches of one group as one step).
    private mutating func countStep() {
        lineage.steps += 1
        batchesOut = max(0, batchesOut - 1)
    }

    /// Reports a train step whose update was applied.
    /// - Parameters:
    ///   - batch: the batch that was trained.
    ///   - loss: its mean loss.
    ///   - rowLosses: each row's loss (``TrainBatch/examples`` order), when known: the spike rule
    ///     then judges the fresh rows' mean (``spikeLoss(_:batchLoss:rowLosses:)``).
    ///   - weightsFinite: whether all trainable weights are finite after the step.
    /// - Returns: a rollback decision and/or a due snapshot.
    package mutating func trained(_ batch: TrainBatch, loss: Double, rowLosses: [Double] = [], weightsFinite: Bool,
                                  now: Instant) -> StepOutcome {
        for item in batch.fresh {
            ledger.apply(partition: item.partition, offset: item.offset)
            lineage.digest.insert(item.key)
            reservoir.offer(item.example)
            recent.append((metrics.cumulative.count, item.example))
            if adaptation.collectsPostChange { postChange.offer(item.example) }
        }
        lineage.examplesTrained += batch.fresh.count
        countStep()
        var rollback: RollbackDecision?
        if rollbackEnabled {
            rollback = monitor.observeTrainStep(loss: Self.spikeLoss(batch, batchLoss: loss, rowLosses: rowLosses),
                                                weightsFinite: weightsFinite)
        } else if !weightsFinite {
            // Automatic rollback is off, but a trainer with NaN/Inf weights can only be reloaded.
            rollback = RollbackDecision(trigger: .nonFiniteWeights, action: .reloadLive,
                                        reason: "non-finite weights after a train step (loss \(loss))")
        }
        let trigger = snapshotPolicy.recordTrained(batch.fresh.count, now: now)
        return StepOutcome(rollback: rollback, snapshot: rollback == nil ? trigger : nil)
    }

    /// The loss the rollback monitor's spike rule watches: the mean of the *fresh* rows' losses
    /// (the batch's first `fresh.count` rows), or the batch's loss when the rows' are not known.
    /// Replayed rows measure what the trainer remembers, not the stream: after a concept incident
    /// its head was refitted on exactly those rows, so a batch loss including them fell near zero
    /// while the boost lasted and jumped back when it ended, which the spike rule read as a spike
    /// (a wrong rollback 1,100 examples after an abrupt change, seeds 7 and 8); and a burst of
    /// wrong labels must trip it even when the replayed rows are easy.
    package static func spikeLoss(_ batch: TrainBatch, batchLoss: Double, rowLosses: [Double]) -> Double {
        let n = batch.fresh.count
        guard n > 0, rowLosses.count >= n else { return batchLoss }
        return rowLosses.prefix(n).reduce(0, +) / Double(n)
    }

    // MARK: Snapshots and promotion

    /// What a snapshot taken now records.
    package var snapshotContents: SnapshotContents {
        SnapshotContents(lineage: lineage, offsets: ledger.snapshotOffsets, prequential: metrics.snapshot)
    }

    /// The snapshot with `contents` is durable.
    package mutating func snapshotSucceeded(_ contents: SnapshotContents, now: Instant) {
        ledger.markDurable(contents.offsets)
        snapshotPolicy.snapshotSucceeded(now: now)
    }

    /// The snapshot was aborted.
    package mutating func snapshotFailed(now: Instant) {
        snapshotPolicy.snapshotFailed(now: now)
    }

    /// The held-out examples the gate evaluates on, oldest first.
    package var holdoutExamples: [Example] { holdout.elements }

    /// Judges a candidate against live on ``holdoutExamples`` (with a smaller minimum while the
    /// holdout refills after a drift).
    package func judge(candidate: MetricTotals, live: MetricTotals?, weightsFinite: Bool, nonFiniteOutputs: Int = 0) -> GateDecision {
        let effective = refillMinHoldout.map {
            PromotionGate(metric: gate.metric, tolerance: gate.tolerance, minHoldout: min($0, gate.minHoldout))
        } ?? gate
        return effective.decide(candidate: candidate, live: live, weightsFinite: weightsFinite, nonFiniteOutputs: nonFiniteOutputs)
    }

    /// A metric drop was judged drift, not regression: the monitor stops comparing with the
    /// pre-promotion level and watches on.
    package mutating func declinedRollback() {
        monitor.driftConfirmed()
        monitor.acknowledge()
    }

    /// A version was promoted; the rollback monitor watches it against the current windowed metric.
    package mutating func promoted(version: String, previous: String?) {
        let level = metrics.windowed
        monitor.promoted(version: version, previous: previous, baseline: level.value(gate.metric), baselineCount: level.count)
    }

    /// The trainer was reloaded from a version (rollback or reload); continue its lineage.
    package mutating func rolledBack(to lineage: Lineage) {
        self.lineage = lineage
        batchesOut = 0  // batches formed before the reload are not trained into this lineage
        monitor.rolledBack()
        blownTrainer.reset()
        adaptation.trainerReloaded()
        postChange.removeAll()
    }

    /// The gate judged a candidate that was written (see ``BlownTrainerWatch``).
    /// - Returns: a reload of live when candidates keep failing on non-finite outputs.
    package mutating func candidateJudged(_ decision: GateDecision, nonFiniteOutputs: Int, holdout: Int) -> RollbackDecision? {
        blownTrainer.judged(decision, nonFiniteOutputs: nonFiniteOutputs, holdout: holdout)
    }
}
