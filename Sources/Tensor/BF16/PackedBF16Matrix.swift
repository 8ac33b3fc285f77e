import CBFloat16

/// A frozen right-hand matrix op(B) (k × n) rounded to bf16 once and packed into the panel layout
/// the AVX512-BF16 kernel streams (half the bytes of fp32). Immutable after init, so one packing
/// is shared read-only by every thread and adapter.
public final class PackedBF16Matrix: @unchecked Sendable {
    /// Inner dimension (rows of op(B)).
    public let k: Int
    /// Output columns (columns of op(B)).
    public let n: Int
    /// Packed elements, 64-byte aligned.
    let storage: UnsafeMutablePointer<UInt16>
    /// Number of `UInt16` elements in `storage` (panels are padded to 64 columns, k to even).
    public let count: Int

    /// Packs op(B) from fp32.
    /// - Parameters:
    ///   - transposed: false: op(B)[p][j] = b[p·ldb + j]; true: op(B)[p][j] = b[j·ldb + p], i.e. a
    ///     row-major (n, k) weight used as Wᵀ (the forward pass x·Wᵀ).
    public init(k: Int, n: Int, from b: UnsafePointer<Float>, ldb: Int, transposed: Bool) {
        precondition(k >= 0 && n >= 0, "negative dimension \(k)×\(n)")
        self.k = k
        self.n = n
        count = Int(slbf16_packed_count(k, n))
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 32) * 2, alignment: 64)
        storage = raw.bindMemory(to: UInt16.self, capacity: max(count, 32))
        slbf16_pack(k, n, b, ldb, transposed ? 1 : 0, storage)
    }

    /// The forward operand of a row-major (out, in) weight W: op(B) = Wᵀ, k = in, n = out.
    public convenience init(forwardOf w: UnsafePointer<Float>, out: Int, in inF: Int) {
        self.init(k: inF, n: out, from: w, ldb: inF, transposed: true)
    }

    /// The input-gradient operand of a row-major (out, in) weight W: op(B) = W, k = out, n = in
    /// (dX = dY·W).
    public convenience init(backwardOf w: UnsafePointer<Float>, out: Int, in inF: Int) {
        self.init(k: out, n: inF, from: w, ldb: inF, transposed: false)
    }

    deinit { storage.deallocate() }

    /// Bytes held (for memory reports).
    public var byteCount: Int { count * 2 }
}

extension Kernels {
    /// `C (m × n) = alpha · bf16(A) · op(B) + beta · C` with op(B) pre-packed: A (m × k, row
    /// stride `lda`) is rounded to bf16 (nearest-even), products accumulate in fp32.
    /// Single-threaded (callers shard by examples).
    /// - Precondition: `BF16Support.available` (otherwise the CPU would fault on the instructions).
    public static func gemmBF16(
        m: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: PackedBF16Matrix,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(BF16Support.available, "bf16 gemm called on a CPU without AVX512_BF16")
        slbf16_gemm(m, b.n, b.k, alpha, a, lda, b.storage, beta, c, ldc)
    }
}
