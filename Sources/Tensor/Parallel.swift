import Dispatch
import Foundation

extension Kernels {
    /// Workers for the elementwise kernels: one per core. (OpenBLAS parallelizes the gemms; without
    /// this the other core only spins while GELU, softmax and LayerNorm run.)
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Splits 0..<count into contiguous chunks run concurrently on GCD's worker threads (never on
    /// Swift's cooperative pool); small jobs run inline. `cost` is the work per item in floats.
    @inline(__always)
    static func parallelFor(_ count: Int, cost: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = min(workers, count * cost / 16_384)
        if chunks <= 1 || inShard {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks, hi = count * (c + 1) / chunks
                box.value(lo..<hi)
            }
        }
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`; the chunks touch disjoint memory.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

#if canImport(Glibc)
import Glibc
#endif
import COpenBLAS

/// Marks threads that run one shard of a data-parallel step: kernels on them stay serial.
private let serialKernelsKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

extension Kernels {
    /// Threads to use by default: the cores this process may run on.
    package static var defaultThreads: Int { workers }

    /// True on a thread currently running a shard (then `parallelFor` runs inline).
    static var inShard: Bool { pthread_getspecific(serialKernelsKey) != nil }

    /// Runs `body(shard)` for `count` shards concurrently, each on its own worker thread with
    /// single-threaded BLAS and serial kernels, and returns when all are done. With one shard the
    /// body runs on the calling thread, and BLAS and the kernels use `threads` threads.
    ///
    /// OpenBLAS's thread count is process-wide: concurrent users of this function in one process
    /// stay correct but may see each other's setting.
    package static func forEachShard(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        BLASRuntime.configure()
        if count <= 1 {
            openblas_set_num_threads(Int32(max(1, threads)))
            body(0)
            return
        }
        openblas_set_num_threads(1)
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendable(body)
            DispatchQueue.concurrentPerform(iterations: count) { shard in
                pthread_setspecific(serialKernelsKey, UnsafeRawPointer(bitPattern: 1))
                box.value(shard)
                pthread_setspecific(serialKernelsKey, nil)
            }
        }
    }
}
