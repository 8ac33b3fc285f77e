import COpenBLAS

/// Fast kernels. Every function here has a naive twin with the same signature in `Reference`,
/// and `TensorTests` compare the two on random shapes. Matrices are row-major.
package enum Kernels {
    /// Sets OpenBLAS's thread count for this process.
    package static func setThreads(_ n: Int) {
        BLASRuntime.configure()
        openblas_set_num_threads(Int32(n))
    }

    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, with `op` a transpose when requested.
    ///
    /// `op(A)` is m×k, `op(B)` is k×n, `C` is m×n. `lda`, `ldb`, `ldc` are the row strides of the
    /// stored matrices (so a head's slice of a [T, H] activation is passed with `ld = H`).
    package static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        _ = BLASRuntime.ready
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// A batch of `outer × inner` independent gemms at fixed strides, e.g. (batch, head) pairs of
    /// attention where a head's `Q` starts at `b·T·H + h·d` inside one [B, T, H] buffer.
    package static func gemmBatched(
        outer: Int, inner: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, strideA: BatchStride,
        b: UnsafePointer<Float>, ldb: Int, strideB: BatchStride,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, strideC: BatchStride
    ) {
        for o in 0..<outer {
            for i in 0..<inner {
                gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                     a: a + o * strideA.outer + i * strideA.inner, lda: lda,
                     b: b + o * strideB.outer + i * strideB.inner, ldb: ldb, beta: beta,
                     c: c + o * strideC.outer + i * strideC.inner, ldc: ldc)
            }
        }
    }
}

/// Element offsets between consecutive matrices of a two-level gemm batch.
package struct BatchStride: Sendable, Equatable {
    package var outer: Int
    package var inner: Int
    package init(outer: Int, inner: Int) {
        self.outer = outer
        self.inner = inner
    }
}
