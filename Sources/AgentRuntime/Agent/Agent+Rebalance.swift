import Threads
import Foundation
import Learner
import Logging
import Registry
import Stream

/// Handing adapters over between agents of one consumer group (DESIGN §9): on revoke, snapshot
/// and release; on assign, load from the shared registry.
extension Agent {
    /// How long the poll thread waits in a revoke callback for the handover snapshot and commit.
    /// A snapshot evaluates the holdout buffer twice and writes the version; the group's other
    /// partitions keep flowing meanwhile (cooperative rebalancing), and the rebalance timeout
    /// (`max.poll.interval.ms`, 5 min by default) is far away.
    static let revokeWait = DispatchTimeInterval.seconds(15)

    /// Learner thread: serves the rebalance notices posted since the last call, in order.
    /// Called before every event, so no record of a newly assigned partition is handled before
    /// its adapters were reconciled with the registry.
    func serveRebalances() {
        for notice in rebalances.take() { serve(notice) }
    }

    /// Learner thread: acts on one notice. A revocation the poll thread stopped waiting for is
    /// already released to the next owner, so it is treated as lost.
    func serve(_ notice: RebalanceHandoff.Notice) {
        // Partitions change hands only with every adapter's state settled here.
        collectEvictions(waiting: true)
        switch notice {
        case .assigned(let partitions, let recorded):
            guarded("assignment of partitions \(partitions.sorted())") { try followRegistry(partitions) }
            for (tp, start) in recorded { assignedStarts[tp.partition] = start }
            mirrorRegistryOffsets(recorded)
        case .revoked(let revocation):
            let partitions = revocation.partitions.filter { $0.topic == config.kafka.topic }.map(\.partition)
            if revocation.claim() {
                handOver(partitions, committing: Set(revocation.partitions))
                revocation.finish()
            } else {
                release(partitions, discarding: true)
            }
        case .lost(let partitions):
            release(partitions, discarding: true)
        }
        publishStatus()
    }

    /// Commits, without waiting, the `recorded` starts of newly assigned partitions (what the
    /// registry's newest durable manifests cover, as the assignment read them), so Kafka mirrors
    /// the manifests at once — even when the previous owner's handover commit did not land (the
    /// coordinator refuses commits while the group rebalances).
    func mirrorRegistryOffsets(_ recorded: [TopicPartition: Int64]) {
        guard !recorded.isEmpty else { return }
        do {
            _ = try pipeline.consumer.commitAsync(recorded)
        } catch {
            logger.warning("commit of the registry's offsets for assigned partitions failed (the next snapshot commits again): \(error)")
        }
    }

    /// Snapshots every adapter holding un-snapshotted work of `partitions`, commits the offsets
    /// its manifests now cover (while the revoke callback still accepts commits for them), and
    /// releases the adapters that have no other partition here.
    func handOver(_ partitions: [Int32], committing handedOver: Set<TopicPartition>) {
        let revoked = Set(partitions)
        for w in workers.values.sorted(by: { $0.name < $1.name }) where w.hasUnsavedWork(in: revoked) {
            guarded("handover snapshot of \(w.name)") {
                try w.snapshot(reason: "revoke of partitions \(partitions.sorted())", now: .now)
            }
        }
        commitDurable(handingOver: handedOver)
        release(partitions, discarding: false)
    }

    /// Forgets `partitions`: their consumed positions, and the adapters that knew them and no
    /// partition this member still owns (recreated from the registry if they come back).
    /// - Parameter discarding: the partitions are gone without a handover (session timeout, broker
    ///   down); work on them not yet durable is dropped on purpose (the next owner redoes it from
    ///   the newest manifest). Their adapters keep serving predictions: nobody demonstrably owns
    ///   them yet, so they become read-only followers of the registry's `LIVE` (DESIGN §9) —
    ///   unless `kafka.lost_partitions` is `stop`. After a clean handover the new owner serves
    ///   them, and this agent stops.
    func release(_ partitions: [Int32], discarding: Bool) {
        let gone = Set(partitions)
        for p in gone { consumed[p] = nil; assignedStarts[p] = nil }
        let owned = pipeline.consumer.assignment.filter { $0.topic == config.kafka.topic }.map(\.partition)
        for (name, w) in workers {
            guard gone.contains(where: w.knows), !owned.contains(where: w.knows) else { continue }
            if w.hasUnsavedWork {
                let why = discarding ? "partitions lost" : "snapshot failed"
                logger.warning("adapter \(name): released with work not yet durable (\(why)); the next owner redoes it from the newest durable version")
            }
            workers[name] = nil
            if discarding, config.kafka.lostPartitions == .serve, live.isServed(name) {
                // Still served from its live version; `tick` follows LIVE changes made by whoever trains it now.
                followers[name] = w
                logger.info("adapter \(name): training stopped (partitions \(gone.filter(w.knows).sorted()) lost); still serving its live version")
                continue
            }
            live.remove(name)
            drift.remove(adapter: name)
            let partitions = gone.filter(w.knows).sorted()
            logger.info(discarding
                ? "adapter \(name): released (partitions \(partitions) lost; kafka.lost_partitions: stop, so no longer served)"
                : "adapter \(name): released (its partitions \(partitions) are no longer ours)")
        }
    }

    /// Reloads every adapter the shared registry knows further on `partitions` than this
    /// agent does (another agent trained them meanwhile), so it continues that lineage instead
    /// of retraining; adapters not loaded here are loaded on their first example anyway.
    func followRegistry(_ partitions: [Int32]) throws {
        let topic = config.kafka.topic
        for name in workers.keys.sorted() {
            guard let w = workers[name], let newest = w.registry.newestDurable() else { continue }
            let offsets = newest.offsets[topic]
            let behind = partitions.filter { p in (offsets[p] ?? 0) > (w.session.ledger.applied[p] ?? 0) }
            guard !behind.isEmpty else { continue }
            guard !w.hasUnsavedWork else {
                // The adapter spans partitions owned by several agents: lineages diverge; keep ours.
                logger.warning("adapter \(name): version \(newest.version) is ahead on partitions \(behind.sorted()), but work here is not yet durable; continuing this lineage")
                continue
            }
            workers[name] = nil
            _ = try worker(name)
            logger.info("adapter \(name): reloaded version \(newest.version) (ahead on partitions \(behind.sorted()))")
        }
    }

    /// Where newly assigned partitions start, from the newest durable manifests in the shared
    /// registry (read from disk on the poll thread: another agent may have written them since
    /// this one loaded its adapters): per partition, the lowest next offset over the manifests
    /// that know it, lowered to the highest `durable_below` they record. An example trained but
    /// not durable at a kill -9 holds every later manifest's `durable_below` at or below it (it
    /// was in its adapter's ledger when they were written), so it is read again even when its
    /// adapter's manifest does not know the partition — the lowest offsets alone may be past it.
    /// Without a `durable_below` below them (nothing was pending) the start is the lowest
    /// offsets, as before. Partitions no manifest knows start at `unrecorded` (earliest by
    /// default), never at a group offset: an outside client may have committed one (§6).
    static func durableStarts(of partitions: [TopicPartition], topic: String, registryRoot: URL,
                              unrecorded: PipelineConfig.KafkaSettings.UnrecordedStart) -> [TopicPartition: Int64] {
        let wanted = partitions.filter { $0.topic == topic }
        guard !wanted.isEmpty else { return [:] }
        var lowestOffsets: [TopicPartition: Int64] = [:], highestDurableBelow: [TopicPartition: Int64] = [:]
        for name in AdapterRegistry.adapters(in: registryRoot) {
            guard let registry = try? AdapterRegistry(root: registryRoot, adapter: name, create: false),
                  let newest = registry.newestDurable() else { continue }
            let offsets = newest.offsets[topic], below = newest.durableBelow?[topic] ?? [:]
            for tp in wanted {
                if let next = offsets[tp.partition] { lowestOffsets[tp] = min(lowestOffsets[tp] ?? next, next) }
                if let floor = below[tp.partition] { highestDurableBelow[tp] = max(highestDurableBelow[tp] ?? floor, floor) }
            }
        }
        var starts = lowestOffsets.merging(highestDurableBelow) { lowest, floor in min(lowest, floor) }
        for tp in wanted where starts[tp] == nil {
            starts[tp] = unrecorded == .earliest ? KafkaConsumer.beginning : KafkaConsumer.end
        }
        return starts
    }

    /// Poll thread: `partition`'s log ends before the offset its manifests recorded. The partition
    /// stays paused (the consumer did that); the alarm shows in the status, `/readyz` and metrics.
    static func logBehindStart(_ tp: TopicPartition, start: Int64, high: Int64, alarms: Locked<[Int32: String]>, logger: Logger) {
        let reason = "the log ends at offset \(high) but the registry's manifests recorded \(start) (topic recreated or truncated?); paused"
        logger.error("partition \(tp.partition): \(reason)")
        alarms.withLock { $0[tp.partition] = reason }
    }
}

extension AdapterWorker {
    /// Whether anything of `partitions` arrived since the last durable snapshot.
    func hasUnsavedWork(in partitions: Set<Int32>) -> Bool {
        partitions.contains { session.ledger.firstUndurable[$0] != nil || firstWaitingOffset($0) != nil }
    }

    /// Whether records of `partition` are in this adapter's state (durable or not) or waiting.
    func knows(_ partition: Int32) -> Bool {
        session.ledger.applied[partition] != nil || session.ledger.pending[partition] != nil
            || firstWaitingOffset(partition) != nil
    }
}
