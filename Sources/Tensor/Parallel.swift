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
        if chunks <= 1 {
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
