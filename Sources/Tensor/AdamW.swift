#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Kernels {
    /// One AdamW step over a flat parameter buffer, following torch.optim.AdamW:
    /// p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
    /// p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + eps).
    /// - Parameter step: the 1-based step count t used for bias correction.
    package static func adamW(
        params p: UnsafeMutablePointer<Float>, grads g: UnsafePointer<Float>,
        m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count n: Int,
        lr: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, step: Int
    ) {
        let bc1 = 1 - Float(pow(Double(beta1), Double(step)))
        let bc2 = 1 - pow(Double(beta2), Double(step))
        let stepSize = lr / bc1
        let bc2Sqrt = Float(bc2.squareRoot())
        let decay = 1 - lr * weightDecay
        for i in 0..<n {
            let gi = g[i]
            let mi = beta1 * m[i] + (1 - beta1) * gi
            let vi = beta2 * v[i] + (1 - beta2) * gi * gi
            m[i] = mi
            v[i] = vi
            let denom = vi.squareRoot() / bc2Sqrt + eps
            p[i] = p[i] * decay - stepSize * mi / denom
        }
    }
}

