import Tensor

/// Matrix-multiply entry points of the forward/backward passes: forward to `Kernels` and count
/// 2·m·n·k flops per workspace (one per shard, so counting needs no synchronization), so
/// benchmarks report the work actually done (skipped backward branches are not counted).
extension Workspace {
    @inline(__always)
    func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        flops += 2 * Double(m) * Double(n) * Double(k)
        Kernels.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                     beta: beta, c: c, ldc: ldc)
    }

    /// A product of one LoRA branch over `rows` token rows: `Kernels.smallGemm` up to
    /// `lowRankRows` rows (one adapter's run in a cross-adapter step, where a BLAS call costs more
    /// than its arithmetic), `Kernels.gemm` beyond.
    @inline(__always)
    func lowRankGemm(
        rows: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard rows <= Self.lowRankRows else {
            return gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                        beta: beta, c: c, ldc: ldc)
        }
        flops += 2 * Double(m) * Double(n) * Double(k)
        Kernels.smallGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: c, ldc: ldc)
    }

    /// Token rows up to which a LoRA branch uses `Kernels.smallGemm` (three examples of the
    /// Debian stream's ~20 tokens).
    static let lowRankRows = 64

    /// The bf16 kernel on a packing, read as op(B) or its transpose.
    @inline(__always)
    func gemmBF16(m: Int, a: UnsafePointer<Float>, lda: Int, b: PackedBF16Matrix, transposed: Bool, beta: Float,
                  c: UnsafeMutablePointer<Float>, ldc: Int) {
        flops += 2 * Double(m) * Double(b.n) * Double(b.k)
        Kernels.gemmBF16(m: m, a: a, lda: lda, b: b, transposed: transposed, beta: beta, c: c, ldc: ldc)
    }

    @inline(__always)
    func gemmBatched(
        outer: Int, inner: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, strideA: BatchStride,
        b: UnsafePointer<Float>, ldb: Int, strideB: BatchStride,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: BatchStride
    ) {
        flops += 2 * Double(outer * inner) * Double(m) * Double(n) * Double(k)
        Kernels.gemmBatched(outer: outer, inner: inner, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                            a: a, lda: lda, strideA: strideA, b: b, ldb: ldb, strideB: strideB,
                            beta: beta, c: c, ldc: ldc, strideC: strideC)
    }
}

extension BertLoRAModel {
    /// Floating-point operations of all matrix products since the last `resetFlops()`.
    package var matmulFlops: Double { flopCount }

    package func resetFlops() { flopCount = 0 }
}
