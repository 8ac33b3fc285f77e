import Foundation

/// A value shared between threads, reachable only while holding its lock.
/// Side effects belong outside `withLock` (return what to do, then do it).
public final class Locked<State>: @unchecked Sendable {
    private let lock = NSLock()
    private var state: State

    public init(_ state: State) { self.state = state }

    @discardableResult
    public func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&state)
    }

    /// A copy of the state, read under the lock.
    public var current: State { withLock { $0 } }
}

/// Runs blocking C calls (commit, flush, watermark queries) off Swift's cooperative
/// pool: each call gets a plain thread from a private dispatch queue.
public enum Blocking {
    private static let queue = DispatchQueue(label: "streamlora.kafka.blocking", attributes: .concurrent)

    public static func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A C handle crossing into a thread closure. librdkafka handles are thread-safe,
/// the compiler just cannot know it.
struct SendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Text of a NUL-terminated error buffer filled in by librdkafka.
func string(fromErrorBuffer buffer: [CChar]) -> String {
    buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
}
