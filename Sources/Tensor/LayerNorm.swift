extension Kernels {
    /// out = (inp − mean) · rstd · gamma + beta per row, biased variance as torch.
    /// inp, out are (N, C); gamma, beta (C); mean, rstd (N) are saved for the backward pass.
    public static func layerNormForward(
        _ out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        _ inp: UnsafePointer<Float>, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        rows: Int, cols: Int, eps: Float
    ) {
        let invC = 1 / Float(cols)
        parallelFor(rows, cost: 2 * cols) { range in
            for r in range {
                let x = inp + r * cols
                let o = out + r * cols
                var s: Float = 0
                for c in 0..<cols { s += x[c] }
                let m = s * invC
                var v: Float = 0
                for c in 0..<cols {
                    let d = x[c] - m
                    v += d * d
                }
                let rs = 1 / (v * invC + eps).squareRoot()
                for c in 0..<cols { o[c] = (x[c] - m) * rs * gamma[c] + beta[c] }
                mean[r] = m
                rstd[r] = rs
            }
        }
    }

    /// Gradient w.r.t. LayerNorm's input only (gamma and beta are frozen here):
    /// dinp = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)), g = dout ⊙ gamma. dinp may alias dout.
    public static func layerNormBackward(
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
                var sg: Float = 0, sgx: Float = 0
                for c in 0..<cols {
                    let g = dy[c] * gamma[c]
                    sg += g
                    sgx += g * (x[c] - m) * rs
                }
                sg *= invC
                sgx *= invC
                for c in 0..<cols {
                    let xh = (x[c] - m) * rs
                    dx[c] = rs * (dy[c] * gamma[c] - sg - xh * sgx)
                }
            }
        }
    }
}
