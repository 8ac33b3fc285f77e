import Synchronization
import Tensor

/// Scratch memory shared by every adapter on one base: forward/backward workspaces and the
/// per-step buffers of a training update (summed gradients, the non-finite rollback copy).
///
/// An adapter is data (its parameters and optimizer moments); what a pass needs only while it
/// runs belongs to the threads running it. A pass checks workspaces out, uses them, and gives
/// them back, so the pool holds as many as ran at once (peak concurrency × shards), whatever
/// the number of adapters. A workspace too small for a request is replaced by one holding both,
/// so capacities only grow and the pool does not accumulate sizes.
package final class WorkspacePool: Sendable {
    private struct State {
        var free: [Idle<Workspace>] = []
        var scratch: [Idle<Tensor>] = []
    }

    /// A buffer while the pool holds it. Buffers are not `Sendable` (they are mutable memory), but
    /// one pass owns a buffer from checkout to give-back and the pool holds only idle ones, so
    /// handing one between threads through the pool is safe; this is the only place that claims it.
    private struct Idle<Buffer>: @unchecked Sendable {
        let buffer: Buffer
    }

    private let state = Mutex(State())

    package init() {}

    /// `count` workspaces fitting `needs` and `shape`, taken out of the pool until `giveBack`.
    func checkout(_ count: Int, needs: WorkspaceNeeds, shape: WorkspaceShape, config: BertConfig) -> [Workspace] {
        let (out, grow) = state.withLock { s in
            var out: [Workspace] = []
            var grow: [(WorkspaceNeeds, WorkspaceShape)] = []
            while out.count < count, let i = s.free.firstIndex(where: { $0.buffer.fits(needs, shape) }) {
                out.append(s.free.remove(at: i).buffer)
            }
            while out.count + grow.count < count {
                // Replace a too-small free workspace (dropped) by one holding both, or add one.
                let old = s.free.popLast()?.buffer
                grow.append((needs.union(old?.capacity ?? needs), shape.union(old?.shape ?? shape)))
            }
            return (out.map(Idle.init), grow)
        }
        // Allocation (tens of MB for long batches) runs outside the lock.
        return out.map(\.buffer) + grow.map { Workspace(config: config, shape: $0.1, capacity: $0.0) }
    }

    /// Returns workspaces taken by `checkout`.
    func giveBack(_ workspaces: [Workspace]) {
        for ws in workspaces { ws.mixed = nil }
        let idle = workspaces.map(Idle.init)
        state.withLock { $0.free += idle }
    }

    /// Runs `body` with a zeroed-on-first-use scratch buffer of at least `count` floats, private
    /// to the caller while `body` runs.
    func withScratch<R>(_ count: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let buffer: Tensor = state.withLock { s -> Idle<Tensor>? in
            if let i = s.scratch.firstIndex(where: { $0.buffer.capacity >= count }) { return s.scratch.remove(at: i) }
            return nil
        }?.buffer ?? Tensor(shape: [count])
        defer {
            let idle = Idle(buffer: buffer)
            state.withLock { $0.scratch.append(idle) }
        }
        return try body(buffer.ptr)
    }

    /// Workspaces and scratch buffers currently held (free ones; checked-out ones are in use).
    var idleCount: Int { state.withLock { $0.free.count + $0.scratch.count } }
}
