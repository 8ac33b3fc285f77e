import API
import Foundation
import Learner
import Model
import Registry

/// Snapshot → evaluate on holdout → gate → durable write → live swap; rollback; reloads.
extension AdapterWorker {
    /// Writes a version of the trainer's weights and lets the gate decide whether it goes live.
    /// Everything received is trained first, so the manifest's offsets cover it; a rollback that
    /// training calls for is applied first, and the snapshots it makes due are this one.
    /// - Parameter incident: a drift incident's judgement, which the gate follows instead of the
    ///   holdout (still refusing non-finite weights or outputs).
    /// - Returns: the manifest written, or nil when the write failed (counted, logged, never retried).
    @discardableResult
    func snapshot(reason: String, now: ContinuousClock.Instant, incident: IncidentJudge? = nil) throws -> Manifest? {
        let started = ContinuousClock.now
        defer { counters.snapshotSeconds.observe(Self.seconds(ContinuousClock.now - started)) }
        try trainPending(now: now)

        let contents = session.snapshotContents
        // The agent's low watermark once this snapshot made its examples durable.
        let lowWatermarks = durableBelow(ledgerAfterSnapshot)
        let tensors = trainer.adapterTensors()
        let finite = tensors.allSatisfy { $0.data.allSatisfy(\.isFinite) }
        let holdout = session.holdoutExamples
        let (candidate, nonFiniteOutputs) = try evaluate(holdout) { try trainer.probabilities($0) }
        // "No live version" (after a rollback past the first version) is judged like no live at all.
        let current = try live.serving(name).flatMap { $0.version == nil ? nil : $0 }
        let liveTotals = try current.map { l in try evaluate(holdout, labels: l.labels) { try l.probabilities($0) }.totals }
        let decision = incident.map {
            session.judgeIncident($0, candidate: candidate, weightsFinite: finite, nonFiniteOutputs: nonFiniteOutputs)
        } ?? session.judge(candidate: candidate, live: liveTotals, weightsFinite: finite, nonFiniteOutputs: nonFiniteOutputs)
        let status: VersionStatus = switch decision.verdict {
        case .promote: .live
        case .reject: .rejected
        case .defer: .candidate
        }
        var snapshot = AdapterSnapshot(
            tensors: tensors, config: runtime.peftConfig(for: trainer.lora), parent: parent, baseModelSHA256: runtime.baseSHA256,
            labels: labels, examplesTrained: contents.lineage.examplesTrained, steps: contents.lineage.steps,
            offsets: PartitionOffsets([config.kafka.topic: contents.offsets]),
            trainedIDs: contents.lineage.digest, holdoutMetrics: HoldoutMetrics(candidate.values, live: liveTotals?.values),
            prequentialMetrics: contents.prequential, examplesSkipped: contents.lineage.examplesSkipped)
        snapshot.optimizer = trainer.optimizerState
        if !lowWatermarks.isEmpty { snapshot.durableBelow = PartitionOffsets([config.kafka.topic: lowWatermarks]) }
        let manifest: Manifest
        do {
            manifest = try registry.write(snapshot, status: status, reason: "\(reason); gate: \(decision.reason)")
        } catch {
            session.snapshotFailed(now: now)
            counters.snapshotFailures += 1
            logger.error("adapter \(name): snapshot aborted: \(error)")
            return nil
        }
        session.snapshotSucceeded(contents, now: now)
        saveHoldout()
        parent = manifest.version
        counters.snapshots += 1
        counters.lastSnapshot = SnapshotStatus(version: manifest.version.name, createdAt: manifest.createdAt,
                                               status: manifest.status, examplesTrained: manifest.examplesTrained)
        counters.lastDecision = decision.description
        switch decision.verdict {
        case .promote:
            counters.promotions += 1
            try publish(version: manifest.version, tensors: tensors, config: snapshot.config, labels: labels)
            session.promoted(version: manifest.version.name, previous: current?.version?.name)
            // The trainer goes on unchanged, so the concept detectors keep their windows.
            drift.versionPromoted(adapter: name)
        case .reject:
            counters.rejections += 1
        case .defer:
            break
        }
        logger.info("adapter \(name): version \(manifest.version) \(manifest.status) — \(decision.reason)")
        _ = try? registry.applyRetention(keep: config.snapshot.keepLast)
        if let reload = session.candidateJudged(decision, nonFiniteOutputs: nonFiniteOutputs, holdout: holdout.count) {
            try apply(reload, now: now)
        }
        return manifest
    }

    /// Trains everything received (the waiting group, then the micro-batcher's rest), applying a
    /// rollback that training calls for, so a snapshot taken next covers every arrival.
    func trainPending(now: ContinuousClock.Instant) throws {
        for case .rollback(let decision) in try processGroup(now: now) { try apply(decision, now: now) }
        if let batch = session.flush() { _ = try train(batch, now: now) }
    }

    /// Metric totals of `predict` over holdout samples (batches of 32), and on how many of them
    /// the probabilities were not finite.
    func evaluate(_ samples: [Sample], labels: [String]? = nil,
                  _ predict: (TokenBatch) throws -> [[Float]]) throws -> (totals: MetricTotals, nonFinite: Int) {
        var totals = MetricTotals()
        var nonFinite = 0
        let names = labels ?? self.labels
        var start = 0
        while start < samples.count {
            let chunk = samples[start..<min(start + 32, samples.count)]
            let p = try predict(runtime.batch(chunk.map(\.ids)))
            for (sample, probs) in zip(chunk, p) {
                totals.add(PredictionOutcome(label: sample.label, probabilities: probs, labels: names))
                if !probs.allSatisfy(\.isFinite) { nonFinite += 1 }
            }
            start += 32
        }
        return (totals, nonFinite)
    }

    /// Acts on the rollback monitor's decision: make an earlier version live again (or, with none,
    /// nothing: the regressed version is withdrawn and "no live version" serves), or keep live,
    /// and continue training from it (from a fresh adapter without one) with fresh optimizer state.
    ///
    /// A metric drop is first checked by the paired test (``confirmRegression(_:from:to:)``);
    /// declined, nothing is rolled back. Otherwise the examples trained since the version
    /// returned to are discarded (they caused the incident) and journaled with their count; the
    /// label vocabulary is kept whole.
    func apply(_ decision: RollbackDecision, now: ContinuousClock.Instant) throws {
        let liveNow = try registry.live()?.name
        if decision.isStale(live: liveNow) {
            logger.info("adapter \(name): \(decision) dropped: \(liveNow ?? "no version") is live now and watched instead")
            return
        }
        if decision.trigger == .metricDrop, case .rollBack(let from, let to) = decision.action,
           try !confirmRegression(decision, from: from, to: to) {
            return
        }
        counters.rollbacks += 1
        logger.warning("adapter \(name): \(decision)")
        do {
            let trained = Double(session.lineage.examplesTrained)
            let skipped = Double(session.lineage.examplesSkipped)
            func discarded(since version: Version?) throws -> [String: Double] {
                let kept = try version.map { try registry.manifest($0) }
                let keptTrained = Double(kept?.examplesTrained ?? 0), keptSkipped = Double(kept?.examplesSkipped ?? 0)
                return ["examples_discarded": max(0, trained - keptTrained), "examples_trained": trained,
                        "skipped_discarded": max(0, skipped - keptSkipped)]
                    .merging(decision.numbers) { own, _ in own }
            }
            switch decision.action {
            case .rollBack(let from, let to):
                if let to, let target = Version(to) {
                    _ = try registry.rollback(to: target, reason: "\(decision.trigger.rawValue): \(decision.reason)",
                                              numbers: try discarded(since: target))
                    try restoreTrainer(from: target)
                } else if let from = Version(from) {
                    _ = try registry.clearLive(from, reason: "\(decision.trigger.rawValue): \(decision.reason) (no earlier version)",
                                               numbers: try discarded(since: nil))
                    try restoreTrainer(from: nil)
                }
            case .reloadLive:
                let target = try registry.live()
                let numbers = try discarded(since: target)
                journal(.reload, "\(decision.trigger.rawValue): \(decision.reason); trainer reset to live, "
                        + "\(Int(numbers["examples_discarded"] ?? 0)) examples trained since discarded", numbers: numbers)
                try restoreTrainer(from: target)
            }
            try publishLive()
        } catch {
            // The incident is acknowledged even though acting on it failed: learning goes on from
            // the trainer as it is, and the monitor watches again instead of staying tripped.
            session.rolledBack(to: session.lineage)
            throw error
        }
        drift.modelChanged(adapter: name)
    }

    /// Loads `version` (nil: a fresh adapter) into a new trainer, keeping the label vocabulary.
    ///
    /// The saved classifier has rows for its own labels, a prefix of ours. The rows of labels
    /// learned since are carried over from the trainer being replaced (a fresh row would forget
    /// them), and a snapshot is made due so that a version knowing them serves, not one that
    /// predicts none of them.
    func restoreTrainer(from version: Version?) throws {
        if let version {
            let loaded = try registry.load(version, optimizer: true)
            let previous = trainer
            trainer = try runtime.model(of: loaded.snapshot, labels: labels.count)
            let known = loaded.snapshot.labels.count
            if labels.count > known, previous.labelCount >= labels.count {
                trainer.copyClassifierRows(known..<labels.count, from: previous)
                let kept = labels[known...]
                let due = DueSnapshot.labelsKept("rollback to \(version) kept \(kept.count) label(s) learned since (\(kept.joined(separator: ", ")))")
                snapshotDue = due
                logger.info("adapter \(name): \(due.reason)")
            }
            session.rolledBack(to: .init(loaded.manifest))
            parent = version
        } else {
            trainer = try runtime.makeModel(labels: max(labels.count, 1))
            session.rolledBack(to: .init())
            parent = nil
        }
    }

    /// Publishes the registry's live version as the in-process live model. With nothing live
    /// after something was (a rollback past the first version), "no live version" replaces it,
    /// so the withdrawn version stops answering.
    func publishLive() throws {
        guard let version = try registry.live() else {
            if live.liveVersion(name) != nil { live.publish(try .nothingLive(adapter: name, runtime: runtime)) }
            return
        }
        if live.liveVersion(name) == version { return }
        let loaded = try registry.load(version)
        try publish(version: version, tensors: loaded.snapshot.tensors, config: loaded.snapshot.config, labels: loaded.snapshot.labels)
    }

    private func publish(version: Version, tensors: [NamedTensor], config: PEFTLoRAConfig, labels: [String]) throws {
        live.publish(try LiveAdapter(adapter: name, version: version, labels: labels, tensors: tensors, config: config,
                                     runtime: runtime))
    }

    /// Notices a promotion or rollback made from outside (the CLI) and continues from it.
    func followExternalChanges() throws {
        guard let version = try registry.live(), live.liveVersion(name) != version else { return }
        logger.info("adapter \(name): live changed outside this process to \(version); continuing from it")
        try restoreTrainer(from: version)
        try publishLive()
    }

    /// A duration as fractional seconds, for histograms.
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

extension AdapterWorker {
    /// The version the journal's latest act rolled back to (`.some(nil)`: cleared to the base
    /// model) when no snapshot was written after it; nil when the newest version is the lineage.
    static func rollbackSinceLastSnapshot(_ registry: AdapterRegistry) -> Version?? {
        let acts: Set<JournalEntry.Event> = [.snapshot, .rollback, .clearLive]
        guard let last = (try? registry.journal())?.last(where: { acts.contains($0.event) }) else { return nil }
        switch last.event {
        case .rollback: return .some(last.version)
        case .clearLive: return .some(nil)
        default: return nil
        }
    }
}
