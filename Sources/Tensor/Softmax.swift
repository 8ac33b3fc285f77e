#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Kernels {
    /// In place: x[r, :] = softmax(scale · x[r, :] + mask[r / rowsPerMask, :]).
    ///
    /// For attention, x is (B·NH·T, T) scores and mask is (B, T) additive ((1 − m)·min as
    /// transformers builds it), so `rowsPerMask = NH·T`. Pass `mask: nil` for no mask.
    package static func softmaxForward(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, scale: Float = 1,
        mask: UnsafePointer<Float>? = nil, rowsPerMask: Int = 1
    ) {
        parallelFor(rows, cost: 4 * cols) { range in
            for r in range {
                let row = x + r * cols
                if let mask {
                    let m = mask + (r / rowsPerMask) * cols
                    for c in 0..<cols { row[c] = row[c] * scale + m[c] }
                } else if scale != 1 {
                    for c in 0..<cols { row[c] *= scale }
                }
                // Reductions with explicit partials and a separate exp loop: a float reduction
                // fused into the exp loop would keep LLVM from vectorizing it.
                let mx = rowMax(row, cols)
                for c in 0..<cols { row[c] = fastExp(row[c] - mx) }
                let inv = 1 / rowSum(row, cols)
                for c in 0..<cols { row[c] *= inv }
            }
        }
    }

    /// dx = p ⊙ (dp − Σ dp⊙p) per row; the gradient w.r.t. softmax's input. dx may alias dp.
    /// p, dp, dx are (N, C).
    package static func softmaxBackward(
        _ dx: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, dprobs dp: UnsafePointer<Float>,
        rows: Int, cols: Int
    ) {
        parallelFor(rows, cost: cols) { range in
            for r in range {
                let o = r * cols
                let dot = rowDot(p + o, dp + o, cols)
                for c in 0..<cols { dx[o + c] = p[o + c] * (dp[o + c] - dot) }
            }
        }
    }

    /// Mean softmax cross-entropy with optional per-example weights; also writes dlogits.
    ///
    /// loss = (1/N) Σᵢ wᵢ · (−log softmax(logitsᵢ)[yᵢ]); dlogits = (wᵢ/N)(softmax − onehot).
    /// logits, dlogits are (N, K); labels (N); weights (N) or nil for all ones.
    /// - Returns: the loss, accumulated in Double.
    @discardableResult
    package static func crossEntropy(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, weights: UnsafePointer<Float>?,
        rows: Int, classes: Int, dlogits: UnsafeMutablePointer<Float>?
    ) -> Float {
        var loss = 0.0
        let invN = 1 / Float(rows)
        for r in 0..<rows {
            let l = logits + r * classes
            var mx = -Float.infinity
            for c in 0..<classes where l[c] > mx { mx = l[c] }
            var sum: Float = 0
            for c in 0..<classes { sum += exp(l[c] - mx) }
            let y = Int(labels[r])
            let w = weights?[r] ?? 1
            loss += Double(w) * Double(log(sum) + mx - l[y])
            if let dlogits {
                let d = dlogits + r * classes
                let inv = 1 / sum
                let g = w * invN
                for c in 0..<classes { d[c] = g * exp(l[c] - mx) * inv }
                d[y] -= g
            }
        }
        return Float(loss / Double(rows))
    }
}

/// max of n floats with four independent partials (vectorizable).
@inline(__always)
func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0
    var i = 0
    while i + 4 <= n {
        m0 = max(m0, x[i]); m1 = max(m1, x[i + 1]); m2 = max(m2, x[i + 2]); m3 = max(m3, x[i + 3])
        i += 4
    }
    while i < n { m0 = max(m0, x[i]); i += 1 }
    return max(max(m0, m1), max(m2, m3))
}

/// Sum of n floats with eight independent partials (vectorizable; order differs from a serial sum
/// only by float rounding).
@inline(__always)
func rowSum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0, s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
    var i = 0
    while i + 8 <= n {
        s0 += x[i]; s1 += x[i + 1]; s2 += x[i + 2]; s3 += x[i + 3]
        s4 += x[i + 4]; s5 += x[i + 5]; s6 += x[i + 6]; s7 += x[i + 7]
        i += 8
    }
    while i < n { s0 += x[i]; i += 1 }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
}
