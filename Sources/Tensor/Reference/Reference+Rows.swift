import Foundation

extension Reference {
    package static func softmaxForward(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, scale: Float = 1,
        mask: UnsafePointer<Float>? = nil, rowsPerMask: Int = 1
    ) {
        for r in 0..<rows {
            var z = [Double](repeating: 0, count: cols)
            for c in 0..<cols {
                z[c] = Double(x[r * cols + c]) * Double(scale) + Double(mask?[(r / rowsPerMask) * cols + c] ?? 0)
            }
            let mx = z.max() ?? 0
            let e = z.map { exp($0 - mx) }
            let s = e.reduce(0, +)
            for c in 0..<cols { x[r * cols + c] = Float(e[c] / s) }
        }
    }

    package static func softmaxBackward(
        _ dx: UnsafeMutablePointer<Float>, probs p: UnsafePointer<Float>, dprobs dp: UnsafePointer<Float>,
        rows: Int, cols: Int
    ) {
        for r in 0..<rows {
            // Full Jacobian: dx_i = Σ_j dp_j · p_j (δ_ij − p_i).
            var out = [Double](repeating: 0, count: cols)
            for i in 0..<cols {
                for j in 0..<cols {
                    let pi = Double(p[r * cols + i]), pj = Double(p[r * cols + j])
                    out[i] += Double(dp[r * cols + j]) * pj * ((i == j ? 1 : 0) - pi)
                }
            }
            for i in 0..<cols { dx[r * cols + i] = Float(out[i]) }
        }
    }

    @discardableResult
    package static func crossEntropy(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, weights: UnsafePointer<Float>?,
        rows: Int, classes: Int, dlogits: UnsafeMutablePointer<Float>?
    ) -> Float {
        var loss = 0.0
        for r in 0..<rows {
            let z = (0..<classes).map { Double(logits[r * classes + $0]) }
            let lse = log(z.map { exp($0) }.reduce(0, +))
            let y = Int(labels[r])
            let w = Double(weights?[r] ?? 1)
            loss += w * (lse - z[y]) / Double(rows)
            if let dlogits {
                for c in 0..<classes {
                    dlogits[r * classes + c] = Float(w / Double(rows) * (exp(z[c] - lse) - (c == y ? 1 : 0)))
                }
            }
        }
        return Float(loss)
    }

    package static func layerNormForward(
        _ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        _ inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows: Int, cols: Int, eps: Float
    ) {
        for r in 0..<rows {
            let x = (0..<cols).map { Double(inp[r * cols + $0]) }
            let m = x.reduce(0, +) / Double(cols)
            let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(cols)
            let rs = 1 / (v + Double(eps)).squareRoot()
            for c in 0..<cols { out[r * cols + c] = Float((x[c] - m) * rs * Double(gamma[c]) + Double(beta[c])) }
            mean[r] = Float(m)
            rstd[r] = Float(rs)
        }
    }

    /// Reference LayerNorm input gradient via the full Jacobian of x̂ w.r.t. x (recomputing
    /// mean and rstd from the input itself, ignoring the saved ones).
    package static func layerNormBackward(
        _ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        rows: Int, cols: Int
    ) {
        let n = Double(cols)
        for r in 0..<rows {
            let x = (0..<cols).map { Double(inp[r * cols + $0]) }
            let m = x.reduce(0, +) / n
            let v = x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / n
            _ = v
            let rs = Double(rstd[r])  // 1/√(var + eps), eps being unknown here
            let xh = x.map { ($0 - m) * rs }
            var out = [Double](repeating: 0, count: cols)
            for i in 0..<cols {
                for j in 0..<cols {
                    // ∂x̂_j/∂x_i = rs (δ_ij − 1/n − x̂_i x̂_j / n)
                    let jac = rs * ((i == j ? 1 : 0) - 1 / n - xh[i] * xh[j] / n)
                    out[i] += Double(dout[r * cols + j]) * Double(gamma[j]) * jac
                }
            }
            for i in 0..<cols { dinp[r * cols + i] = Float(out[i]) }
        }
    }

    package static func embeddingSum(
        _ out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, word: UnsafePointer<Float>,
        position: UnsafePointer<Float>, tokenType: UnsafePointer<Float>, batch: Int, seq: Int, cols: Int
    ) {
        for b in 0..<batch {
            for t in 0..<seq {
                for c in 0..<cols {
                    let id = Int(ids[b * seq + t])
                    out[(b * seq + t) * cols + c] = Float(Double(word[id * cols + c]) + Double(position[t * cols + c]) + Double(tokenType[c]))
                }
            }
        }
    }

    package static func meanPoolForward(
        _ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, mask: UnsafePointer<Int32>,
        batch: Int, seq: Int, cols: Int
    ) {
        for b in 0..<batch {
            let n = (0..<seq).filter { mask[b * seq + $0] != 0 }.count
            for c in 0..<cols {
                var s = 0.0
                for t in 0..<seq where mask[b * seq + t] != 0 { s += Double(inp[(b * seq + t) * cols + c]) }
                out[b * cols + c] = Float(s / max(Double(n), 1e-9))
            }
        }
    }

    package static func meanPoolBackward(
        _ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, mask: UnsafePointer<Int32>,
        batch: Int, seq: Int, cols: Int
    ) {
        for b in 0..<batch {
            let n = Double((0..<seq).filter { mask[b * seq + $0] != 0 }.count)
            for t in 0..<seq {
                for c in 0..<cols {
                    dinp[(b * seq + t) * cols + c] = mask[b * seq + t] != 0 ? Float(Double(dout[b * cols + c]) / max(n, 1e-9)) : 0
                }
            }
        }
    }

    package static func adamW(
        params p: UnsafeMutablePointer<Float>, grads g: UnsafePointer<Float>,
        m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count n: Int,
        lr: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, step: Int
    ) {
        let b1 = Double(beta1), b2 = Double(beta2), t = Double(step)
        for i in 0..<n {
            let gi = Double(g[i])
            let mi = b1 * Double(m[i]) + (1 - b1) * gi
            let vi = b2 * Double(v[i]) + (1 - b2) * gi * gi
            m[i] = Float(mi)
            v[i] = Float(vi)
            let mhat = mi / (1 - pow(b1, t))
            let vhat = vi / (1 - pow(b2, t))
            let decayed = Double(p[i]) * (1 - Double(lr) * Double(weightDecay))
            p[i] = Float(decayed - Double(lr) * mhat / (vhat.squareRoot() + Double(eps)))
        }
    }
}
