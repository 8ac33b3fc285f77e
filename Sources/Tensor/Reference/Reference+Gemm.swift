/// Naive reference kernels: obviously-correct loops (accumulating in `Double`) that the fast
/// `Kernels` are tested against. Never used on a hot path.
package enum Reference {
    package static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(x) * Double(y)
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * s + old)
            }
        }
    }

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
