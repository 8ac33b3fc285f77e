import Synchronization

/// A value shared between threads, reachable only while holding its lock: a `Mutex` (the one
/// lock type of the package) in a box, for state that closures and threads share by reference.
/// A class that owns its state keeps a `Mutex` property instead.
/// Side effects belong outside `withLock` (return what to do, then do it).
package final class Locked<State: Sendable>: Sendable {
    private let mutex: Mutex<State>

    package init(_ state: State) { mutex = Mutex(state) }

    @discardableResult
    package func withLock<R: Sendable, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        try mutex.withLock { (state: inout sending State) throws(E) -> sending R in try body(&state) }
    }

    /// A copy of the state, read under the lock.
    package var current: State { withLock { $0 } }
}
