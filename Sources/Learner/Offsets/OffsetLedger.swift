/// One adapter's view of Kafka offsets: what its persisted state already contains, what
/// it has received but not yet made durable, and which redeliveries to skip.
///
/// §6 promises that after a crash every example counts exactly once relative to the
/// persisted state. Several adapters share a partition (keys hash to partitions), and each
/// snapshots on its own schedule, so no single "next offset" is right for everyone. The
/// ledger keeps, per partition:
/// - `durable`: next offset (last + 1) covered by the adapter's newest durable snapshot —
///   persisted in its manifest; messages below it are skipped on redelivery;
/// - `applied`: next offset whose effect is in the adapter's in-memory state (trained, or
///   evaluated as holdout); becomes `durable` when a snapshot is written;
/// - `pending`: offsets received but not yet applied (waiting in the micro-batcher), in order.
///
/// Kafka may be committed only up to the low watermark over all adapters (see
/// ``commitPositions(consumed:ledgers:)``); after a restart the consumer resumes from the
/// committed position (or the beginning when there is none) and every adapter skips what
/// its manifest already covers — so nothing is lost and nothing is trained twice.
package struct OffsetLedger: Sendable, Equatable {
    /// Next offsets covered by the newest durable snapshot (from its manifest).
    package private(set) var durable: [Int32: Int64]
    /// Next offsets whose effect is in memory.
    package private(set) var applied: [Int32: Int64]
    /// Offsets received but not yet applied, per partition, ascending.
    package private(set) var pending: [Int32: [Int64]] = [:]
    /// First offset per partition received since the last durable snapshot (applied or not).
    package private(set) var firstUndurable: [Int32: Int64] = [:]

    /// - Parameter durable: the next offsets stored in the adapter's newest durable manifest (empty for a new adapter).
    package init(durable: [Int32: Int64] = [:]) {
        self.durable = durable
        self.applied = durable
    }

    /// Whether the message at `offset` is already reflected in this adapter's state and must be skipped.
    package func isAlreadyApplied(partition: Int32, offset: Int64) -> Bool {
        if let next = applied[partition], offset < next { return true }
        if let waiting = pending[partition], let last = waiting.max(), offset <= last { return true }
        return false
    }

    /// A message for this adapter arrived (call after ``isAlreadyApplied(partition:offset:)`` said no).
    /// Holdout examples and dropped ones may be ``apply(partition:offset:)``-ed right after.
    package mutating func receive(partition: Int32, offset: Int64) {
        pending[partition, default: []].append(offset)
        // Not always in offset order: a group's held-out arrivals are received after its
        // training arrivals, so the first undurable offset is the lowest received, not the first.
        firstUndurable[partition] = min(firstUndurable[partition] ?? offset, offset)
    }

    /// The message's effect is now in memory (its batch was trained, or it was evaluated as holdout).
    /// Holdout examples are applied at once and so may overtake training examples still batched.
    package mutating func apply(partition: Int32, offset: Int64) {
        if var waiting = pending[partition], let index = waiting.firstIndex(of: offset) {
            waiting.remove(at: index)
            pending[partition] = waiting.isEmpty ? nil : waiting
        }
        applied[partition] = max(applied[partition] ?? 0, offset + 1)
    }

    /// Offsets to store in the manifest of a snapshot taken now: the applied ones, held back
    /// to the first example still waiting in the batcher (a snapshot must never claim an
    /// example its weights do not contain). Holdout examples past that point are evaluated
    /// again after a restart, which only re-counts them in the prequential metrics.
    package var snapshotOffsets: [Int32: Int64] {
        var result = applied
        for (partition, waiting) in pending {
            if let first = waiting.min(), let next = result[partition], first < next {
                result[partition] = max(first, durable[partition] ?? 0)
            }
        }
        return result
    }

    /// The snapshot carrying `offsets` (from ``snapshotOffsets``) is durable.
    package mutating func markDurable(_ offsets: [Int32: Int64]) {
        for (partition, next) in offsets {
            durable[partition] = max(durable[partition] ?? 0, next)
        }
        firstUndurable = [:]
        for (partition, next) in applied where (durable[partition] ?? 0) < next {
            // Applied after the snapshot was captured: still undurable from there on.
            firstUndurable[partition] = durable[partition] ?? 0
        }
        for (partition, waiting) in pending {
            if let first = waiting.min() {
                firstUndurable[partition] = min(firstUndurable[partition] ?? first, first)
            }
        }
    }

    // Rollback note: after a rollback the ledger is left as is. Examples already applied were
    // consumed and counted; the rollback discards their training on purpose, and Kafka does not
    // redeliver them. Examples still pending in the batcher are trained into the new lineage.

    /// Positions Kafka may be committed to: per partition, the consumer's next offset,
    /// held back to the first offset some adapter received but has not made durable.
    /// - Parameters:
    ///   - consumed: next offset (last polled + 1) per partition.
    ///   - ledgers: every adapter's ledger on this agent.
    package static func commitPositions<Ledgers: Sequence>(consumed: [Int32: Int64], ledgers: Ledgers) -> [Int32: Int64]
    where Ledgers.Element == OffsetLedger {
        var result = consumed
        for ledger in ledgers {
            for (partition, first) in ledger.firstUndurable {
                if let current = result[partition] { result[partition] = min(current, first) }
            }
        }
        return result
    }
}
