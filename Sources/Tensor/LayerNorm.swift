extension Kernels {
    /// out = (inp − mean) · rstd · gamma + beta per row, biased variance as torch.
    /// inp, out are (N, C); gamma, beta (C); mean, rstd (N) are saved for the backward pass.
    package static func layerNormForward(
        _ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        _ inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows: Int, cols: Int, eps: Float
    ) {
        let invC = 1 / Float(cols)
        parallelFor(rows, cost: 2 * cols) { range in
            for r in range {
                let x = inp + r * cols
                let o = out + r * cols
                let m = rowSum(x, cols) * invC
                let rs = 1 / (rowSquaredDeviation(x, m, cols) * invC + eps).squareRoot()
                for c in 0..<cols { o[c] = (x[c] - m) * rs * gamma[c] + beta[c] }
                mean[r] = m
                rstd[r] = rs
            }
        }
    }

    /// Gradient w.r.t. LayerNorm's input only (gamma and beta are frozen here):
    /// dinp = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)), g = dout ⊙ gamma. dinp may alias dout.
    package static func layerNormBackward(
        _ dinp: UnsafeMutablePointer<Float>, _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>,
        mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        rows: Int, cols: Int
    ) {
        let invC = 1 / Float(cols)
        parallelFor(rows, cost: 2 * cols) { range in
            for r in range {
                let x = inp + r * cols
                let dy = dout + r * cols
                let dx = dinp + r * cols
                let m = mean[r], rs = rstd[r]
                let sg = rowDot(dy, gamma, cols) * invC
                let sgx = rowDotCentered(dy, gamma, x, m, cols) * rs * invC
                for c in 0..<cols {
                    let xh = (x[c] - m) * rs
                    dx[c] = rs * (dy[c] * gamma[c] - sg - xh * sgx)
                }
            }
        }
    }
}

/// Σ (x − m)² with eight partials (vectorizable).
@inline(__always)
func rowSquaredDeviation(_ x: UnsafePointer<Float>, _ m: Float, _ n: Int) -> Float {
    var s = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        for j in 0..<8 {
            let d = x[i + j] - m
            s[j] += d * d
        }
        i += 8
    }
    var tail: Float = 0
    while i < n { tail += (x[i] - m) * (x[i] - m); i += 1 }
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])) + tail
}

/// Σ a·b with eight partials.
@inline(__always)
func rowDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        for j in 0..<8 { s[j] += a[i + j] * b[i + j] }
        i += 8
    }
    var tail: Float = 0
    while i < n { tail += a[i] * b[i]; i += 1 }
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])) + tail
}

/// Σ a·b·(x − m) with eight partials.
@inline(__always)
func rowDotCentered(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ m: Float, _ n: Int) -> Float {
    var s = SIMD8<Float>()
    var i = 0
    while i + 8 <= n {
        for j in 0..<8 { s[j] += a[i + j] * b[i + j] * (x[i + j] - m) }
        i += 8
    }
    var tail: Float = 0
    while i < n { tail += a[i] * b[i] * (x[i] - m); i += 1 }
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])) + tail
}
