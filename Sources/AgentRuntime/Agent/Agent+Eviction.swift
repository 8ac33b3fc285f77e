import Dispatch
import Learner
import Threads

/// A worker being evicted: the learner thread trained everything it had received, then handed it
/// to the eviction writer, which snapshots it (gate, durable write, swap) off the learning path,
/// so many adapters leaving the residency budget at once do not stall learning. Until `finish`,
/// the writer alone touches the worker; the learner keeps only what it captured at the hand-off.
final class Eviction: @unchecked Sendable {
    let worker: AdapterWorker
    /// The worker's offsets at the hand-off: its examples not yet durable hold Kafka's commit back
    /// (`commitDurable`) until the snapshot is written and the learner has collected it.
    let ledger: OffsetLedger
    private let outcome = Locked<Bool?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ worker: AdapterWorker) {
        self.worker = worker
        ledger = worker.session.ledger
    }

    /// Writer thread: the snapshot ended; `covered` when it made all of the worker's work durable.
    func finish(covered: Bool) {
        outcome.withLock { $0 = covered }
        done.signal()
    }

    /// Whether the snapshot covered the work; nil while it runs.
    var covered: Bool? { outcome.current }

    /// Waits for the snapshot to end, then says whether it covered the work.
    func wait() -> Bool {
        done.wait()
        done.signal()
        return outcome.current ?? false
    }
}

extension Agent {
    /// Learner thread: hands `w` (everything it received trained) to the eviction writer and
    /// takes it out of `workers`. The writer snapshots it; `collectEvictions` then completes the
    /// eviction, or puts the worker back when the snapshot did not cover its work.
    func beginEviction(_ w: AdapterWorker, reason: String) {
        // Its `durable_below`, taken here on the learner thread: the agent's low watermark once
        // the snapshot made what it received durable (it receives nothing more until it is back).
        let floor = lowWatermarks(replacing: w.name, with: w.ledgerAfterSnapshot)
        w.durableBelow = { _ in floor }
        let eviction = Eviction(w)
        evicting[w.name] = eviction
        workers[w.name] = nil
        workerUse[w.name] = nil
        let gate = beforeEvictionSnapshot, logger = logger
        evictionWriter.async {
            gate?(eviction.worker.name)
            let w = eviction.worker
            do {
                eviction.finish(covered: try w.snapshot(reason: reason, now: .now) != nil && !w.hasUnsavedWork)
            } catch {
                logger.warning("adapter \(w.name): eviction snapshot failed: \(error)")
                eviction.finish(covered: false)
            }
        }
    }

    /// Learner thread: completes the evictions whose snapshots ended (all of them, waiting, with
    /// `waiting`): a covered worker is evicted (reloaded from the registry on demand), an
    /// uncovered one is resident again (its work is not durable yet; a later eviction retries).
    func collectEvictions(waiting: Bool = false) {
        for (name, eviction) in evicting.sorted(by: { $0.key < $1.key }) {
            guard let covered = waiting ? eviction.wait() : eviction.covered else { continue }
            evicting[name] = nil
            let w = eviction.worker
            if covered {
                markEvicted(w)
                logger.info("adapter \(name): evicted (least recently used; \(workers.count) of \(config.residency.maxAdapters) resident, its newest version durable)")
            } else {
                logger.warning("adapter \(name): kept in memory over the residency budget (\(config.residency.maxAdapters)): its snapshot did not cover its work")
                attachLowWatermarks(w)
                workers[name] = w
            }
        }
    }

    /// Learner thread: the worker of `name` back from the eviction writer (waiting for its
    /// snapshot), when one is being evicted: its state is what its snapshot made durable (or
    /// more, when the snapshot failed), so it goes on training as it is.
    func reclaimEvicting(_ name: String) -> AdapterWorker? {
        guard let eviction = evicting.removeValue(forKey: name) else { return nil }
        _ = eviction.wait()
        attachLowWatermarks(eviction.worker)
        workers[name] = eviction.worker
        return eviction.worker
    }
}
