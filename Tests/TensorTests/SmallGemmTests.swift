import Testing
@testable import Tensor

/// `Kernels.smallGemm` (the low-rank branch's products over a few rows) against the naive
/// reference: the shapes a LoRA pair of rank 4, 8 or 16 makes over 1–64 token rows, odd sizes
/// for the eight-lane and four-row remainders, padded leading dimensions, and every transpose pair.
@Suite struct SmallGemmTests {
    /// (m, n, k): u = x·Aᵀ (rows, r, in), out += u·Bᵀ (rows, out, r), dB (out, r, rows),
    /// du (rows, r, out), dA (r, in, rows), dx (rows, in, r), plus odd ones.
    static let shapes: [(Int, Int, Int)] = [
        (20, 8, 384), (20, 384, 8), (384, 8, 20), (8, 384, 20),
        (1, 4, 384), (64, 16, 1536), (40, 1536, 16), (7, 130, 9), (5, 70, 40), (3, 5, 7), (17, 9, 33), (1, 1, 1), (9, 13, 31),
        // narrow C over four rows at a time with a remainder of rows, and an odd k
        (23, 8, 97), (6, 4, 31), (13, 16, 3),
    ]

    @Test(arguments: shapes, [(false, false), (false, true), (true, false), (true, true)])
    func matchesReference(shape: (Int, Int, Int), trans: (Bool, Bool)) {
        let (m, n, k) = shape
        let (ta, tb) = trans
        // Leading dimensions wider than the matrices, as slices of a workspace are.
        let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2
        let a = randomArray((ta ? k : m) * lda, seed: 11), b = randomArray((tb ? n : k) * ldb, seed: 12)
        for beta: Float in [0, 1] {
            // With beta 0, C must not be read: NaN there would otherwise poison the result.
            let c0 = beta == 0 ? [Float](repeating: .nan, count: m * ldc) : randomArray(m * ldc, seed: 13)
            let (fast, ref) = twin(c0) { c, isFast in
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        let f = isFast ? Kernels.smallGemm : Reference.gemm
                        f(ta, tb, m, n, k, 0.5, ap.baseAddress!, lda, bp.baseAddress!, ldb, beta, c, ldc)
                    }
                }
            }
            let inside = { (c: [Float]) in (0..<m).flatMap { i in c[(i * ldc)..<(i * ldc + n)] } }
            #expect(inside(ref).allSatisfy(\.isFinite) && inside(ref).contains { $0 != 0 })
            #expect(relativeError(inside(fast), inside(ref)) < 1e-5, "m=\(m) n=\(n) k=\(k) transA=\(ta) transB=\(tb) beta=\(beta)")
            // The padding between rows is never written.
            for i in 0..<m {
                for j in n..<ldc where i * ldc + j < c0.count {
                    #expect(fast[i * ldc + j].bitPattern == c0[i * ldc + j].bitPattern, "padding at (\(i), \(j)) written")
                }
            }
        }
    }
}
