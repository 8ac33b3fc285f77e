import Foundation
import Monitor
import Registry
import Stream
import Threads

/// The live adapter of every adapter name, swapped atomically: a prediction takes one
/// reference under the lock and then works only with that version, so concurrent predictions
/// each see exactly one version, never a mix.
///
/// Residency: with a `capacity`, at most that many live versions stay in memory; publishing or
/// loading one more evicts the least recently used. A live version is always durable in the
/// registry (it is published only after `LIVE` names it), so eviction needs no snapshot, and
/// `serving(_:)` loads any adapter of the registry that is not resident on demand (LoRAX's
/// bounded cache): an evicted one, or one never loaded in this process. Adapters `remove`d
/// (another agent owns them) are not loaded.
package final class LiveAdapters: Sendable {
    private struct Slot {
        var live: LiveAdapter
        var used: UInt64
    }

    private struct State {
        var slots: [String: Slot] = [:]
        /// Evicted for room, with the version that was live.
        var evicted: [String: Version?] = [:]
        /// Removed because another agent owns them: not loaded on demand.
        var removed: Set<String> = []
        var clock: UInt64 = 0
        var loads = Histogram(bounds: LiveAdapters.loadBounds)
        var evictions = 0
    }

    private let state = Locked(State())
    /// Most live versions held; nil: unbounded.
    package let capacity: Int?
    /// Builds the registry's live version of an adapter (read, verify, build), off any lock; nil
    /// when the registry has no such adapter.
    private let load: (@Sendable (String) throws -> LiveAdapter?)?

    /// Histogram bounds of the load time (registry read + checksum verification + build).
    static let loadBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]

    /// - Parameters:
    ///   - capacity: most live versions held in memory (nil or 0: unbounded).
    ///   - load: how an evicted adapter's live version is rebuilt from the registry.
    package init(capacity: Int? = nil, load: (@Sendable (String) throws -> LiveAdapter?)? = nil) {
        self.capacity = capacity.flatMap { $0 > 0 ? $0 : nil }
        self.load = load
    }

    func publish(_ live: LiveAdapter) {
        state.withLock { s in
            s.evicted[live.adapter] = nil
            s.removed.remove(live.adapter)
            Self.insert(live, into: &s, capacity: capacity)
        }
    }

    /// The resident live version (no load: for the learner's own bookkeeping).
    package func current(_ adapter: String) -> LiveAdapter? {
        state.withLock { s in
            guard var slot = s.slots[adapter] else { return nil }
            s.clock += 1
            slot.used = s.clock
            s.slots[adapter] = slot
            return slot.live
        }
    }

    /// The live version to serve: resident, or loaded from the registry (the load time is
    /// recorded). Nil for an adapter the registry does not have or that another agent owns.
    /// - Throws: when the registry's live version cannot be read or built.
    package func serving(_ adapter: String) throws -> LiveAdapter? {
        if let live = current(adapter) { return live }
        guard let load, !state.withLock({ $0.removed.contains(adapter) }) else { return nil }
        let started = ContinuousClock.now
        guard let loaded = try load(adapter) else { return nil }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        return state.withLock { s in
            s.loads.observe(seconds)
            // A version published while this one loaded is newer: keep it.
            if let published = s.slots[adapter] { return published.live }
            guard !s.removed.contains(adapter) else { return loaded }  // removed meanwhile: answer, do not keep
            s.evicted[adapter] = nil
            Self.insert(loaded, into: &s, capacity: capacity)
            return loaded
        }
    }

    /// Stops serving `adapter` here (another agent owns it now).
    func remove(_ adapter: String) {
        state.withLock { s in
            s.slots[adapter] = nil
            s.evicted[adapter] = nil
            s.removed.insert(adapter)
        }
    }

    /// Adapters served here from memory, resident or evicted (not the ones never loaded).
    package var names: [String] { state.withLock { Array(Set($0.slots.keys).union($0.evicted.keys)).sorted() } }

    /// Whether `adapter` is served here (resident or evicted).
    func isServed(_ adapter: String) -> Bool { state.withLock { $0.slots[adapter] != nil || $0.evicted[adapter] != nil } }

    /// The version `adapter` serves, resident or evicted, without loading it (nil: none live or
    /// not served here). For bookkeeping that compares versions, not for predicting.
    package func liveVersion(_ adapter: String) -> Version? {
        state.withLock { s in s.slots[adapter].map { $0.live.version } ?? s.evicted[adapter] ?? nil }
    }
    /// Live versions in memory now.
    var residentCount: Int { state.withLock { $0.slots.count } }
    /// Loads of evicted adapters so far, by duration.
    var loadSeconds: Histogram { state.withLock { $0.loads } }
    var evictions: Int { state.withLock { $0.evictions } }

    private static func insert(_ live: LiveAdapter, into s: inout State, capacity: Int?) {
        s.clock += 1
        s.slots[live.adapter] = Slot(live: live, used: s.clock)
        guard let capacity else { return }
        while s.slots.count > capacity, let oldest = s.slots.min(by: { $0.value.used < $1.value.used })?.key {
            s.evicted[oldest] = s.slots[oldest]?.live.version
            s.slots[oldest] = nil
            s.evictions += 1
        }
    }
}
