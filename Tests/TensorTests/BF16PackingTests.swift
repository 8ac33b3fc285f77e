import Testing
@testable import Tensor

/// One bf16 packing per frozen weight: the kernel reads it as op(B) (forward, x·Wᵀ) or transposed
/// (input gradient, dy·W), splits columns over threads, and the packing unpacks exactly. Needs a
/// CPU with AVX512_BF16 (the project's machines have it); elsewhere these fail with a clear message.
@Suite struct BF16PackingTests {
    /// (m, n, k) of the product; odd n and k exercise the pair padding the transposed read must
    /// see as zeros, n > 64 the column blocks, k > 64 the packing's own column blocks.
    static let shapes: [(Int, Int, Int)] = [(1, 1, 1), (5, 17, 3), (7, 64, 33), (13, 130, 31), (6, 65, 128), (9, 40, 1536), (20, 384, 97)]

    /// C = A · W with W (k × n) packed for x·Wᵀ (as the model packs every dense), read transposed.
    @Test(arguments: shapes)
    func transposedReadMatchesReference(shape: (Int, Int, Int)) throws {
        try #require(BF16Support.available, "this CPU lacks AVX512_BF16; the bf16 kernel cannot run here")
        let (m, n, k) = shape
        let a = randomArray(m * k, seed: 41), w = randomArray(k * n, seed: 42), c0 = randomArray(m * n, seed: 43)
        let packed = w.withUnsafeBufferPointer { PackedBF16Matrix(forwardOf: $0.baseAddress!, out: k, in: n) }
        for beta: Float in [0, 1] {
            let (fast, ref) = twin(c0) { c, isFast in
                a.withUnsafeBufferPointer { ap in
                    w.withUnsafeBufferPointer { wp in
                        if isFast {
                            Kernels.gemmBF16(m: m, alpha: 0.5, a: ap.baseAddress!, lda: k, b: packed, transposed: true, beta: beta, c: c, ldc: n)
                        } else {
                            Reference.gemmBF16(m: m, n: n, k: k, alpha: 0.5, a: ap.baseAddress!, lda: k, b: wp.baseAddress!,
                                               ldb: n, transB: false, beta: beta, c: c, ldc: n)
                        }
                    }
                }
            }
            #expect(relativeError(fast, ref) < 1e-5, "m=\(m) n=\(n) k=\(k) beta=\(beta)")
        }
    }

    /// Splitting the column blocks over threads computes every column with the same code, so the
    /// result is bitwise the single-threaded one, in both orientations.
    @Test(arguments: [false, true])
    func threadsDoNotChangeTheResult(transposed: Bool) throws {
        try #require(BF16Support.available, "this CPU lacks AVX512_BF16; the bf16 kernel cannot run here")
        let m = 64, n = 320, k = 384  // 7.9 M multiply-adds: large enough to split three ways
        let a = randomArray(m * k, seed: 51), w = randomArray(k * n, seed: 52)
        let packed = w.withUnsafeBufferPointer {
            transposed ? PackedBF16Matrix(forwardOf: $0.baseAddress!, out: k, in: n)
                       : PackedBF16Matrix(forwardOf: $0.baseAddress!, out: n, in: k)
        }
        let results = [1, 2, 3].map { threads in
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in
                c.withUnsafeMutableBufferPointer {
                    Kernels.gemmBF16(m: m, a: ap.baseAddress!, lda: k, b: packed, transposed: transposed, c: $0.baseAddress!, ldc: n,
                                     threads: threads)
                }
            }
            return c
        }
        #expect(results[0].contains { $0 != 0 })
        #expect(results[1] == results[0] && results[2] == results[0])
    }

    /// Unpacking returns exactly the bf16-rounded weight, in the layout it was packed from.
    @Test(arguments: [(1, 1), (3, 5), (64, 64), (65, 130), (97, 31)])
    func unpackIsTheRoundedWeight(out: Int, inFeatures: Int) throws {
        let w = randomArray(out * inFeatures, seed: 61, scale: 10)
        let packed = w.withUnsafeBufferPointer { PackedBF16Matrix(forwardOf: $0.baseAddress!, out: out, in: inFeatures) }
        #expect(packed.unpack(transposed: true) == w.map(Reference.bf16))
        // Untransposed: op(B) = Wᵀ (in × out).
        let wt = (0..<(inFeatures * out)).map { i in w[(i % out) * inFeatures + i / out] }
        #expect(packed.unpack(transposed: false) == wt.map(Reference.bf16))
    }

    /// The embedding sum over a bf16 word table against its naive twin, and the table holds the
    /// rounded values.
    @Test func embeddingSumWithBF16WordTable() {
        let vocab = 50, cols = 37, batch = 3, seq = 5
        let word = randomArray(vocab * cols, seed: 71), pos = randomArray(seq * cols, seed: 72), type = randomArray(cols, seed: 73)
        let table = word.withUnsafeBufferPointer { BF16Rows($0.baseAddress!, rows: vocab, cols: cols) }
        #expect(table[3, 4] == Reference.bf16(word[3 * cols + 4]) && table.byteCount == vocab * cols * 2)
        let ids = (0..<(batch * seq)).map { Int32(($0 * 7) % vocab) }
        let (fast, ref) = twin([Float](repeating: .nan, count: batch * seq * cols)) { out, isFast in
            (isFast ? Kernels.embeddingSum : Reference.embeddingSum)(out, ids, table, pos, type, batch, seq, cols)
        }
        #expect(relativeError(fast, ref) < 1e-6)
    }
}
