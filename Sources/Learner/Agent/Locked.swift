import Foundation

/// A value behind a lock, for the few pieces of state the learner thread shares with
/// HTTP handlers and Kafka callbacks. Keep critical sections short; do work outside.
public final class LockedValue<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    public var current: Value { withLock { $0 } }
}
