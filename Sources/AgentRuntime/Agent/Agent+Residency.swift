import Foundation
import Learner
import Registry

/// Residency of trainers: with `residency.max_adapters`, at most that many adapters keep a worker
/// (trainer weights, Adam moments, session) in memory. Taking a new one evicts the least recently
/// used after a durable snapshot of anything it has not saved, so nothing is lost: its manifest
/// holds its weights, offsets and trained-ids digest, and its next example reloads it from the
/// registry exactly as a restart would (redeliveries below its offsets are skipped), Adam moments
/// and step count included (`optimizer.safetensors`). The replay reservoir is not part of a
/// version: it refills from the stream after a reload (README, "Many adapters").
extension Agent {
    /// Evicts least recently used workers (never `name`) until at most `residency.max_adapters`
    /// remain, those with nothing unsaved first (no snapshot needed). One with unsaved work has
    /// what it received trained here, then goes to the eviction writer (`beginEviction`), which
    /// writes its durable snapshot off the learner thread; until that is collected its examples
    /// hold Kafka's commit back, and a worker whose snapshot fails comes back (its work is not
    /// durable yet), so an eviction never costs an example its fate. The loop commits after the
    /// event (`commitAfterSnapshots`): committing here would pass the example being routed,
    /// which is in no ledger yet.
    func evictWorkers(keeping name: String) {
        let budget = config.residency.maxAdapters
        guard budget > 0, workers.count > budget else { return }
        let order = workers.filter { $0.key != name }.sorted {
            ($0.value.hasUnsavedWork ? 1 : 0, workerUse[$0.key] ?? 0, $0.key) < ($1.value.hasUnsavedWork ? 1 : 0, workerUse[$1.key] ?? 0, $1.key)
        }.map(\.key)
        for victim in order where workers.count > budget {
            guard let w = workers[victim] else { continue }
            if w.hasUnsavedWork {
                do {
                    try w.trainPending(now: .now)
                } catch {
                    logger.warning("adapter \(victim): kept in memory over the residency budget (\(budget)): training its last examples failed: \(error)")
                    continue
                }
                beginEviction(w, reason: "evicted by the residency budget (\(budget) adapters)")
                continue
            }
            workers[victim] = nil
            workerUse[victim] = nil
            markEvicted(w)
            logger.info("adapter \(victim): evicted (least recently used; \(workers.count) of \(budget) resident, nothing unsaved)")
        }
    }

    /// `w` is out of memory, everything it received durable: its snapshots stay counted, and its
    /// ledger says which redeliveries it would skip.
    func markEvicted(_ w: AdapterWorker) {
        evictedSnapshots += w.counters.snapshots
        evictedWorkers.insert(w.name)
        evictedLedgers[w.name] = w.session.ledger
    }

    /// Whether a record for `name`, an evicted adapter, is a redelivery its newest durable version
    /// already covers (the skip its reloaded worker would make): then it is counted and the
    /// adapter stays unloaded. Reloading it only to skip the record would evict another adapter,
    /// which the next redelivered record reloads: on a restart with a small budget, every
    /// re-read record cost a reload. Unknown coverage (registry unreadable) loads the adapter.
    func skipsWithoutLoading(_ name: String, partition: Int32, offset: Int64) -> Bool {
        guard workers[name] == nil, evicting[name] == nil, evictedWorkers.contains(name) else { return false }
        if evictedLedgers[name] == nil {
            guard let registry = try? AdapterRegistry(root: registryRoot, adapter: name, create: false),
                  let newest = registry.newestDurable() else { return false }
            evictedLedgers[name] = OffsetLedger(durable: newest.offsets[config.kafka.topic])
        }
        guard evictedLedgers[name]?.isAlreadyApplied(partition: partition, offset: offset) == true else { return false }
        redeliveriesWhileEvicted[name, default: 0] += 1
        return true
    }

    /// The worker of a known adapter, reloaded from the registry if residency evicted it.
    /// - Throws: `AgentError.unknownAdapter` for an adapter this agent does not train.
    func resident(_ adapter: String) throws -> AdapterWorker {
        if let w = workers[adapter] ?? reclaimEvicting(adapter) { return w }
        guard evictedWorkers.contains(adapter) else { throw AgentError.unknownAdapter(adapter) }
        return try worker(adapter)
    }
}
