import CBFloat16
import COpenBLAS
import Dispatch

/// A frozen right-hand matrix op(B) (k × n) rounded to bf16 once and packed into the panel layout
/// the AVX512-BF16 kernel streams (half the bytes of fp32). Immutable after init, so one packing
/// is shared read-only by every thread and adapter.
package final class PackedBF16Matrix: @unchecked Sendable {
    /// Inner dimension (rows of op(B)).
    package let k: Int
    /// Output columns (columns of op(B)).
    package let n: Int
    /// Packed elements, 64-byte aligned.
    let storage: UnsafeMutablePointer<UInt16>
    /// Number of `UInt16` elements in `storage` (panels are padded to 64 columns, k to even).
    package let count: Int

    /// Packs op(B) from fp32.
    /// - Parameters:
    ///   - transposed: false: op(B)[p][j] = b[p·ldb + j]; true: op(B)[p][j] = b[j·ldb + p], i.e. a
    ///     row-major (n, k) weight used as Wᵀ (the forward pass x·Wᵀ).
    package init(k: Int, n: Int, from b: UnsafePointer<Float>, ldb: Int, transposed: Bool) {
        precondition(k >= 0 && n >= 0, "negative dimension \(k)×\(n)")
        self.k = k
        self.n = n
        count = Int(slbf16_packed_count(k, n))
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 32) * 2, alignment: 64)
        storage = raw.bindMemory(to: UInt16.self, capacity: max(count, 32))
        slbf16_pack(k, n, b, ldb, transposed ? 1 : 0, storage)
    }

    /// The forward operand of a row-major (out, in) weight W: op(B) = Wᵀ, k = in, n = out.
    package convenience init(forwardOf w: UnsafePointer<Float>, out: Int, in inF: Int) {
        self.init(k: inF, n: out, from: w, ldb: inF, transposed: true)
    }

    deinit { storage.deallocate() }

    /// Bytes held (for memory reports).
    package var byteCount: Int { count * 2 }
}

extension PackedBF16Matrix {
    /// The packed bf16 values back in fp32 (exact): op(B) (k × n) row-major, or its transpose
    /// (n × k) with `transposed`, the inverse of the packing's own `transposed` flag. For merging
    /// and export, where fp32 values of a weight stored only in bf16 are needed.
    package func unpack(transposed: Bool) -> [Float] {
        [Float](unsafeUninitializedCapacity: k * n) { buf, initialized in
            slbf16_unpack(k, n, storage, transposed ? 1 : 0, buf.baseAddress!, transposed ? k : n)
            initialized = k * n
        }
    }
}

extension Kernels {
    /// `C (m × n) = alpha · bf16(A) · op(B) + beta · C` from one packing: op(B) is the packed
    /// matrix (k × n) itself, or its transpose with `transposed` (then k = `b.n`, n = `b.k`). A
    /// frozen weight W (out, in) packed once for the forward product x·Wᵀ thus also serves the
    /// input gradient dy·W. A (m × k, row stride `lda`) is rounded to bf16 (nearest-even),
    /// products accumulate in fp32.
    ///
    /// Threads follow fp32's rule: on a shard thread of a data-parallel step the product runs
    /// serially; otherwise it splits its 64-column blocks over as many threads as OpenBLAS is set
    /// to use (what `forEachShard` sets for a one-shard step), so a single example uses the
    /// runtime's threads in bf16 as in fp32. Every column is computed by the same code whatever
    /// the split, so the result does not depend on the thread count.
    /// - Parameter threads: override of the thread count (tests).
    /// - Precondition: `BF16Support.available` (otherwise the CPU would fault on the instructions).
    package static func gemmBF16(
        m: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: PackedBF16Matrix, transposed: Bool = false,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, threads: Int? = nil
    ) {
        precondition(BF16Support.available, "bf16 gemm called on a CPU without AVX512_BF16")
        let n = transposed ? b.k : b.n, k = transposed ? b.n : b.k
        let blocks = slbf16_column_blocks(n)
        let wanted = threads ?? (inShard ? 1 : Int(openblas_get_num_threads()))
        // Below ~1M multiply-adds per thread the hand-off costs more than it saves.
        let chunks = min(wanted, blocks, m * n * k >> 20)
        let trans: Int32 = transposed ? 1 : 0
        if chunks <= 1 {
            slbf16_gemm_blocks(m, n, k, alpha, a, lda, b.storage, trans, 0, blocks, beta, c, ldc)
            return
        }
        let box = UnsafeSendable((a, c))
        DispatchQueue.concurrentPerform(iterations: chunks) { t in
            let (a, c) = box.value
            slbf16_gemm_blocks(m, n, k, alpha, a, lda, b.storage, trans, blocks * t / chunks, blocks * (t + 1) / chunks,
                               beta, c, ldc)
        }
    }
}
