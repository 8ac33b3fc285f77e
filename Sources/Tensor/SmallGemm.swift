import CLowRank

extension Kernels {
    /// `C = alpha · op(A) · op(B) + beta · C` (row-major, as `gemm`) for the products of one
    /// adapter's low-rank branch over a few rows: (rows × in)·Aᵀ, (rows × r)·Bᵀ and their
    /// backward products, where one dimension is the rank (4–16) and another a few tokens.
    ///
    /// At those sizes a `cblas_sgemm` call costs more in dispatch, packing and edge handling than
    /// in arithmetic, and a cross-adapter step makes dozens of them per adapter. The C kernel
    /// (`CLowRank`, AVX-512 or AVX2 + FMA at run time) builds each output row in vector
    /// registers. With `beta == 0`, C is not read (BLAS semantics). Summation order differs from
    /// BLAS, so results agree to rounding (`SmallGemmTests` check it against `Reference.gemm`).
    package static func smallGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        slr_gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}
