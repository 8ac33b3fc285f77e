extension Kernels {
    /// out[b, t] = word[ids[b, t]] + position[t] + type[0]: BERT's summed embeddings with all
    /// token types zero. out is (B, T, C); ids (B, T); word (V, C); position (P, C); type (·, C).
    package static func embeddingSum(
        _ out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, word: UnsafePointer<Float>,
        position: UnsafePointer<Float>, tokenType: UnsafePointer<Float>, batch: Int, seq: Int, cols: Int
    ) {
        for b in 0..<batch {
            for t in 0..<seq {
                let o = out + (b * seq + t) * cols
                let w = word + Int(ids[b * seq + t]) * cols
                let p = position + t * cols
                for c in 0..<cols { o[c] = w[c] + p[c] + tokenType[c] }
            }
        }
    }

    /// Masked mean over the sequence: out[b] = Σₜ m[b,t]·inp[b,t] / max(Σₜ m[b,t], 1e-9)
    /// (sentence-transformers' mean pooling). inp (B, T, C); mask (B, T); out (B, C).
    package static func meanPoolForward(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, mask: UnsafePointer<Int32>,
        batch: Int, seq: Int, cols: Int
    ) {
        for b in 0..<batch {
            let o = out + b * cols
            o.update(repeating: 0, count: cols)
            var n: Float = 0
            for t in 0..<seq where mask[b * seq + t] != 0 {
                n += 1
                let x = inp + (b * seq + t) * cols
                for c in 0..<cols { o[c] += x[c] }
            }
            let inv = 1 / Swift.max(n, 1e-9)
            for c in 0..<cols { o[c] *= inv }
        }
    }

    /// Gradient of `meanPoolForward`: dinp[b,t] = m[b,t] · dout[b] / Σₜ m[b,t] (written, not added).
    package static func meanPoolBackward(
        _ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, mask: UnsafePointer<Int32>,
        batch: Int, seq: Int, cols: Int
    ) {
        for b in 0..<batch {
            var n: Float = 0
            for t in 0..<seq where mask[b * seq + t] != 0 { n += 1 }
            let inv = 1 / Swift.max(n, 1e-9)
            for t in 0..<seq {
                let d = dinp + (b * seq + t) * cols
                if mask[b * seq + t] != 0 {
                    for c in 0..<cols { d[c] = dout[b * cols + c] * inv }
                } else {
                    d.update(repeating: 0, count: cols)
                }
            }
        }
    }
}
