import Foundation
import Learner
import Stream
import Registry

extension Agent {
    /// The learner thread's loop: wait for an event or the nearest deadline, serve rebalance
    /// notices, handle the event, run due work, drain commands; on stop, snapshot everything
    /// and commit.
    func learn() {
        while !stopRequested.current {
            let now = ContinuousClock.now
            var wait = Duration.milliseconds(100)
            for w in workers.values { if let d = w.nextDeadline { wait = min(wait, max(.zero, d - now)) } }
            let deadline = Date(timeIntervalSinceNow: Double(wait.components.attoseconds) / 1e18 + Double(wait.components.seconds))
            let polled = pipeline.next(waitingUntil: deadline)
            // Before the event: it may belong to a partition assigned since the last one.
            serveRebalances()
            switch polled {
            case .element(let event):
                guarded("event at \(event.origin)") { try handle(event) }
            case .timedOut:
                break
            case .closed:
                stopRequested.withLock { $0 = true }
            }
            guarded("tick") { try tick() }
            collectEvictions()
            commitAfterSnapshots()
            drainMailbox()
        }
        shutdown()
    }

    /// Runs `body`; an error is logged and counted, and the loop goes on (the process stays up).
    func guarded(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch {
            logger.error("learner: \(what): \(error)")
            published.withLock { $0.errors += 1; $0.lastError = "\(what): \(error)" }
        }
    }

    func handle(_ event: IngestEvent) throws {
        let origin = event.origin
        guard origin.topic == config.kafka.topic else { return }
        // Taken from the buffer before its partition was revoked: the next owner handles it.
        guard pipeline.owns(origin) else { return }
        // Taken once routed: until its adapter has it (a worker created for it may evict others,
        // whose snapshots record `lowWatermarks`), the record is in no ledger and no group.
        defer { consumed[origin.partition] = max(consumed[origin.partition] ?? 0, origin.nextOffset) }
        switch event {
        case .example(let example, _):
            guard let text = example.text else {
                // The decoder dead-letters features-only records (`unsupported_input`); one that
                // still arrives here is a bug, made loud and counted rather than silently dropped.
                logger.error("learner: a features-only example at \(origin) passed the decoder")
                published.withLock { $0.unsupportedInputs += 1 }
                return
            }
            let name = example.adapter ?? config.routing.defaultAdapter
            if skipsWithoutLoading(name, partition: origin.partition, offset: origin.offset) { return }
            try worker(name).handle(text, label: example.label, id: example.id, weight: example.weight,
                                    partition: origin.partition, offset: origin.offset, now: .now)
        case .deadLettered:
            deadLettered += 1
            deadLetterLedger.receive(partition: origin.partition, offset: origin.offset)
            deadLetterLedger.apply(partition: origin.partition, offset: origin.offset)
            deadLetterLedger.markDurable(deadLetterLedger.snapshotOffsets)
        }
    }

    func tick() throws {
        let now = ContinuousClock.now
        trainDueGroups(now: now)
        for w in workers.values { try w.tick(now: now) }
        if now - lastExternalCheck > .seconds(2) {
            lastExternalCheck = now
            for w in workers.values { try w.followExternalChanges() }
            for w in followers.values { try w.followExternalChanges() }
        }
        publishStatus()
    }

    /// Commits once after any durable snapshot since the last commit, however it was triggered
    /// (timer, example count inside an event, handover), so Kafka follows the manifests.
    func commitAfterSnapshots() {
        let written = workers.values.reduce(evictedSnapshots) { $0 + $1.counters.snapshots }
        guard written != snapshotsSeen else { return }
        snapshotsSeen = written
        commitDurable(waiting: false)
    }

    /// Commits, for the partitions this member still owns (and those it is `handingOver` inside
    /// a revoke callback), the positions that every adapter's durable manifest covers (Kafka
    /// mirrors the manifests; it is never ahead).
    /// - Parameter waiting: wait for the coordinator's answer (handover and shutdown, where the
    ///   commit must land before the partitions go); the learner loop does not wait, so a frozen
    ///   broker never stops it from publishing status or serving.
    func commitDurable(handingOver: Set<TopicPartition> = [], waiting: Bool = true) {
        var positions = lowWatermarks()
        // Owned partitions not read in this run: where their manifests say (the start position,
        // the lowest over every adapter's manifest — not only the workers resident now).
        let owned = pipeline.consumer.assignment.union(handingOver).filter { $0.topic == config.kafka.topic }.map(\.partition)
        let ledgers = adapterLedgers()
        for p in owned where positions[p] == nil {
            let covered = ledgers.compactMap({ $0.durable[p] }) + [assignedStarts[p]].compactMap { $0 }
            if let start = covered.min() { positions[p] = start }
        }
        var offsets: [TopicPartition: Int64] = [:]
        for (partition, next) in positions {
            let tp = TopicPartition(config.kafka.topic, partition)
            if pipeline.owns(tp) || handingOver.contains(tp) { offsets[tp] = next }
        }
        guard !offsets.isEmpty else { return }
        do {
            if waiting { _ = try pipeline.consumer.commitSyncRetrying(offsets) } else { _ = try pipeline.consumer.commitAsync(offsets) }
            published.withLock { $0.committed = Dictionary(uniqueKeysWithValues: offsets.map { (String($0.key.partition), $0.value) }) }
        } catch {
            // The manifests stay the truth; the next snapshot commits again.
            logger.warning("commit failed (manifests remain the source of truth): \(error)")
        }
    }

    /// Per partition read in this run: the consumer's next offset, held back to the first record
    /// some adapter received but has not made durable (its ledger, or its arrivals not in the
    /// ledger yet: waiting for the prediction, or held out in a group taken for a step) and to an
    /// unacknowledged dead letter. Every record below it that this agent took is durable: what
    /// Kafka may be committed to, and what a snapshot records as `durable_below`.
    /// - Parameters:
    ///   - name, ledger: the snapshotting worker's ledger as its snapshot leaves it (its own
    ///     examples durable), in place of the one it has now.
    func lowWatermarks(replacing name: String? = nil, with ledger: OffsetLedger? = nil) -> [Int32: Int64] {
        var positions = OffsetLedger.commitPositions(consumed: consumed,
                                                     ledgers: adapterLedgers(replacing: name, with: ledger) + [deadLetterLedger])
        for (partition, var next) in positions {
            for w in workers.values { if let first = w.firstWaitingOffset(partition) { next = min(next, first) } }
            positions[partition] = next
        }
        return positions
    }

    /// The offset ledger of every adapter in memory: each resident worker's (`name`'s replaced
    /// by `ledger`, when given), and each worker being evicted with its ledger as it was handed
    /// over (nothing newer of it is durable; `Agent+Eviction`).
    func adapterLedgers(replacing name: String? = nil, with ledger: OffsetLedger? = nil) -> [OffsetLedger] {
        workers.map { $0.key == name ? ledger ?? $0.value.session.ledger : $0.value.session.ledger } + evicting.values.map(\.ledger)
    }

    /// Final batch, a snapshot of every adapter with new examples, a commit, and the consumer closed.
    func shutdown() {
        // From here on revocations are not waited for (this snapshots and commits everything);
        // the ones already posted are served, so no poll thread waits in vain.
        for notice in rebalances.close() { serve(notice) }
        collectEvictions(waiting: true)
        for w in workers.values {
            guarded("final snapshot of \(w.name)") {
                guard w.hasUnsavedWork else { return }
                try w.snapshot(reason: "shutdown", now: .now)
            }
        }
        commitDurable()
        publishStatus()
        pipeline.stopSync()
        logger.info("learner stopped")
    }
}
