import Foundation
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
    /// remain, those with nothing unsaved first (no snapshot needed). A worker whose snapshot
    /// fails (or throws) keeps its place (its work is not durable yet), so an eviction never
    /// costs the example being routed its fate. The loop commits after the event
    /// (`commitAfterSnapshots`): committing here would pass the example being routed, which is in
    /// no ledger yet.
    func evictWorkers(keeping name: String) {
        let budget = config.residency.maxAdapters
        guard budget > 0, workers.count > budget else { return }
        let order = workers.filter { $0.key != name }.sorted {
            ($0.value.hasUnsavedWork ? 1 : 0, workerUse[$0.key] ?? 0, $0.key) < ($1.value.hasUnsavedWork ? 1 : 0, workerUse[$1.key] ?? 0, $1.key)
        }.map(\.key)
        for victim in order where workers.count > budget {
            guard let w = workers[victim] else { continue }
            if w.hasUnsavedWork {
                let written: Manifest?
                do {
                    written = try w.snapshot(reason: "evicted by the residency budget (\(budget) adapters)", now: .now)
                } catch {
                    logger.warning("adapter \(victim): kept in memory over the residency budget (\(budget)): its snapshot failed: \(error)")
                    continue
                }
                guard written != nil, !w.hasUnsavedWork else {
                    logger.warning("adapter \(victim): kept in memory over the residency budget (\(budget)): its snapshot did not cover its work")
                    continue
                }
            }
            evictedSnapshots += w.counters.snapshots
            workers[victim] = nil
            workerUse[victim] = nil
            evictedWorkers.insert(victim)
            logger.info("adapter \(victim): evicted (least recently used; \(workers.count) of \(budget) resident, its newest version durable)")
        }
    }

    /// The worker of a known adapter, reloaded from the registry if residency evicted it.
    /// - Throws: `AgentError.unknownAdapter` for an adapter this agent does not train.
    func resident(_ adapter: String) throws -> AdapterWorker {
        if let w = workers[adapter] { return w }
        guard evictedWorkers.contains(adapter) else { throw AgentError.unknownAdapter(adapter) }
        return try worker(adapter)
    }
}
