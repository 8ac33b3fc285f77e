import Foundation

/// The one way blocking work (librdkafka calls, file I/O, socket waits, a benchmark's loop)
/// leaves Swift's cooperative pool: each call gets a thread of its own, started at once. A thread
/// per call rather than a concurrent dispatch queue: on Linux such a queue gets few worker threads
/// (about one per core), and in a busy process calls waited seconds for one.
package enum Blocking {
    /// Runs `body` on a new thread (8 MiB stack, as the learner's) and resumes with its result.
    /// - Parameter name: the thread's name, seen in debuggers and `top -H`.
    /// - Throws: what `body` throws.
    package static func run<R: Sendable, E: Error>(_ name: String = "streamlora.blocking",
                                                  _ body: @escaping @Sendable () throws(E) -> R) async throws(E) -> R {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<R, E>, Never>) in
            let thread = Thread {
                do throws(E) { continuation.resume(returning: .success(try body())) } catch { continuation.resume(returning: .failure(error)) }
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
        return try result.get()
    }
}
