import Foundation
import Tensor

/// Scratch memory shared by every adapter on one base: forward/backward workspaces and the
/// per-step buffers of a training update (summed gradients, the non-finite rollback copy).
///
/// An adapter is data (its parameters and optimizer moments); what a pass needs only while it
/// runs belongs to the threads running it. A pass checks workspaces out, uses them, and gives
/// them back, so the pool holds as many as ran at once (peak concurrency × shards), whatever
/// the number of adapters. A workspace too small for a request is replaced by one holding both,
/// so capacities only grow and the pool does not accumulate sizes.
package final class WorkspacePool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [Workspace] = []
    private var scratch: [Tensor] = []

    package init() {}

    /// `count` workspaces fitting `needs` and `shape`, taken out of the pool until `giveBack`.
    func checkout(_ count: Int, needs: WorkspaceNeeds, shape: WorkspaceShape, config: BertConfig) -> [Workspace] {
        var out: [Workspace] = []
        var grow: [(WorkspaceNeeds, WorkspaceShape)] = []
        lock.withLock {
            while out.count < count, let i = free.firstIndex(where: { $0.fits(needs, shape) }) { out.append(free.remove(at: i)) }
            while out.count + grow.count < count {
                // Replace a too-small free workspace (dropped) by one holding both, or add one.
                let old = free.popLast()
                grow.append((needs.union(old?.capacity ?? needs), shape.union(old?.shape ?? shape)))
            }
        }
        // Allocation (tens of MB for long batches) runs outside the lock.
        return out + grow.map { Workspace(config: config, shape: $0.1, capacity: $0.0) }
    }

    /// Returns workspaces taken by `checkout`.
    func giveBack(_ workspaces: [Workspace]) {
        for ws in workspaces { ws.mixed = nil }
        lock.withLock { free += workspaces }
    }

    /// Runs `body` with a zeroed-on-first-use scratch buffer of at least `count` floats, private
    /// to the caller while `body` runs.
    func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer: Tensor = lock.withLock {
            if let i = scratch.firstIndex(where: { $0.capacity >= count }) { return scratch.remove(at: i) }
            return nil
        } ?? Tensor(shape: [count])
        defer { lock.withLock { scratch.append(buffer) } }
        return try body(buffer.ptr)
    }

    /// Workspaces and scratch buffers currently held (free ones; checked-out ones are in use).
    var idleCount: Int { lock.withLock { free.count + scratch.count } }
}
