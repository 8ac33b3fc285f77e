extension Reference {
    /// bf16 rounding, round-to-nearest-even on the bit pattern (NaN stays NaN).
    package static func bf16(_ x: Float) -> Float {
        if x.isNaN { return x }
        let u = x.bitPattern
        let rounded = (u &+ 0x7fff &+ ((u >> 16) & 1)) & 0xffff_0000
        return Float(bitPattern: rounded)
    }

    /// `C = alpha · bf16(A) · bf16(op(B)) + beta · C` accumulated in `Double`: the naive twin of
    /// `Kernels.gemmBF16` (whose op(B) is the packed form of the same `b`, `ldb`, `transB`).
    package static func gemmBF16(
        m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, transB: Bool, beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    s += Double(bf16(a[i * lda + p])) * Double(bf16(y))
                }
                let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * s + old)
            }
        }
    }
}

extension Reference {
    /// Naive twin of `Kernels.embeddingSum(…, word: BF16Rows, …)`: element by element in Double.
    package static func embeddingSum(
        _ out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, word: BF16Rows,
        position: UnsafePointer<Float>, tokenType: UnsafePointer<Float>, batch: Int, seq: Int, cols: Int
    ) {
        for b in 0..<batch {
            for t in 0..<seq {
                let id = Int(ids[b * seq + t])
                for c in 0..<cols {
                    out[(b * seq + t) * cols + c] = Float(Double(word[id, c]) + Double(position[t * cols + c]) + Double(tokenType[c]))
                }
            }
        }
    }
}
