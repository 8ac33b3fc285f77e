import Testing
@testable import Tensor

/// Odd sizes on purpose: BLAS kernels have edge paths for remainders.
private let shapes: [(Int, Int, Int)] = [(1, 1, 1), (3, 5, 7), (17, 1, 9), (33, 65, 31), (64, 48, 127)]

@Suite struct GemmTests {
    @Test(arguments: shapes, [(false, false), (false, true), (true, false), (true, true)])
    func gemmMatchesReference(shape: (Int, Int, Int), trans: (Bool, Bool)) {
        let (m, n, k) = shape
        let (ta, tb) = trans
        let a = randomArray(m * k, seed: 1), b = randomArray(k * n, seed: 2)
        let c0 = randomArray(m * n, seed: 3)
        let lda = ta ? m : k, ldb = tb ? k : n
        for beta: Float in [0, 1] {
            let (fast, ref) = twin(c0) { c, isFast in
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        let f = isFast ? Kernels.gemm : Reference.gemm
                        f(ta, tb, m, n, k, 0.5, ap.baseAddress!, lda, bp.baseAddress!, ldb, beta, c, n)
                    }
                }
            }
            #expect(relativeError(fast, ref) < 1e-5, "m=\(m) n=\(n) k=\(k) transA=\(ta) transB=\(tb) beta=\(beta)")
        }
    }

    /// Attention-style batch: per (batch, head) slices of [B, T, H] with leading dimension H.
    @Test(arguments: [(2, 3, 5, 4), (1, 4, 7, 3), (3, 2, 9, 8)])
    func batchedHeadsMatchReference(dims: (Int, Int, Int, Int)) {
        let (batch, heads, seq, d) = dims
        let h = heads * d
        let q = randomArray(batch * seq * h, seed: 4), k = randomArray(batch * seq * h, seed: 5)
        let strideQ = BatchStride(outer: seq * h, inner: d)
        let strideS = BatchStride(outer: heads * seq * seq, inner: seq * seq)
        let (fast, ref) = twin([Float](repeating: 0, count: batch * heads * seq * seq)) { s, isFast in
            q.withUnsafeBufferPointer { qp in
                k.withUnsafeBufferPointer { kp in
                    let f = isFast ? Kernels.gemmBatched : Reference.gemmBatched
                    f(batch, heads, false, true, seq, seq, d, 0.25, qp.baseAddress!, h, strideQ,
                      kp.baseAddress!, h, strideQ, 0, s, seq, strideS)
                }
            }
        }
        #expect(relativeError(fast, ref) < 1e-5)
        // And one element by hand, so the reference itself is pinned: S[b=last, head=last, 0, 0].
        let b = batch - 1, hd = heads - 1
        var dot: Float = 0
        for i in 0..<d { dot += q[b * seq * h + hd * d + i] * k[b * seq * h + hd * d + i] }
        #expect(abs(ref[b * heads * seq * seq + hd * seq * seq] - 0.25 * dot) < 1e-5)
    }

    @Test func gemmKnownValues() {
        // [[1,2],[3,4]] · [[5,6],[7,8]] = [[19,22],[43,50]]
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
        var c = [Float](repeating: 0, count: 4)
        Kernels.gemm(transA: false, transB: false, m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
        #expect(c == [19, 22, 43, 50])
    }
}

@Suite struct BLASRuntimeTests {
    /// On a CPU with AVX2 + FMA, OpenBLAS must not be left on its SSE3 fallback kernel.
    @Test func usesAVXKernelWhenAvailable() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let core = BLASRuntime.coreName
        #expect(!core.isEmpty && core != "unknown")
        if cpuinfo.contains(" avx2 ") && cpuinfo.contains(" fma ") {
            #expect(!["Prescott", "Core2", "Penryn", "Nehalem", "Dunnington", "Atom"].contains(core), "OpenBLAS core \(core)")
        }
    }
}
