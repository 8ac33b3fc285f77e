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
        // Eight lanes at a time with the scalar loop's operations in its order, so every element
        // is bitwise what the scalar loop gives (the pointers may alias as far as the compiler
        // knows, so it would not vectorize the scalar loop itself).
        var i = 0
        while i + 8 <= n {
            let gi = Lanes.load(g + i)
            let mi = beta1 * Lanes.load(m + i) + (1 - beta1) * gi
            let vi = beta2 * Lanes.load(v + i) + (1 - beta2) * gi * gi
            Lanes.store(mi, m + i)
            Lanes.store(vi, v + i)
            let denom = vi.squareRoot() / bc2Sqrt + eps
            Lanes.store(Lanes.load(p + i) * decay - stepSize * mi / denom, p + i)
            i += 8
        }
        while i < n {
            let gi = g[i]
            let mi = beta1 * m[i] + (1 - beta1) * gi
            let vi = beta2 * v[i] + (1 - beta2) * gi * gi
            m[i] = mi
            v[i] = vi
            let denom = vi.squareRoot() / bc2Sqrt + eps
            p[i] = p[i] * decay - stepSize * mi / denom
            i += 1
        }
    }

    /// True when `adamW` with these arguments is sure to leave every parameter finite, so a
    /// caller need not copy parameters and moments aside before it (the copy is what a
    /// non-finite step restores). A cheap sufficient condition, not the exact one: false means
    /// "take the copy and check after", never "it will overflow".
    ///
    /// Why it suffices, for finite p, m and g (v may have overflowed to +inf earlier): the new
    /// moment mᵢ = β₁m + (1−β₁)g, computed as `adamW` computes it, is checked against
    /// L = max·eps / (4·stepSize) (as "mᵢ·(max/L) does not overflow"); the denominator
    /// √v/√(1−β₂ᵗ) + eps is ≥ eps (or +inf), so |stepSize·mᵢ/denom| ≲ max/4; and |p·decay| ≲ max/4
    /// by the same test on p. Their difference stays below max (the factor 4 absorbs rounding).
    /// Only multiplies and adds per element, in eight lanes: no sqrt or division.
    package static func adamWStaysFinite(
        params p: UnsafePointer<Float>, grads g: UnsafePointer<Float>, m: UnsafePointer<Float>, count n: Int,
        lr: Float, beta1: Float, eps: Float, weightDecay: Float, step: Int
    ) -> Bool {
        let stepSize = lr / (1 - Float(pow(Double(beta1), Double(step))))
        let decay = 1 - lr * weightDecay
        let mScale = 4 * stepSize / eps, pScale = 4 * Swift.max(abs(decay), 1)
        guard eps > 0, stepSize >= 0, mScale.isFinite, pScale.isFinite else { return false }
        // x·0 is 0 for finite x and NaN for ±inf or NaN: a scaled value that overflowed poisons
        // its lane's sum.
        var lanes = Lanes()
        var i = 0
        while i + 8 <= n {
            let mi = beta1 * Lanes.load(m + i) + (1 - beta1) * Lanes.load(g + i)
            lanes += (mi * mScale) * 0 + (Lanes.load(p + i) * pScale) * 0
            i += 8
        }
        var tail: Float = 0
        while i < n {
            let mi = beta1 * m[i] + (1 - beta1) * g[i]
            tail += (mi * mScale) * 0 + (p[i] * pScale) * 0
            i += 1
        }
        return !(lanes.sum() + tail).isNaN
    }
}

/// Eight floats loaded from and stored to unaligned memory: the flat-buffer kernels' SIMD unit.
typealias Lanes = SIMD8<Float>

extension SIMD8 where Scalar == Float {
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }

    @inline(__always)
    static func store(_ x: Self, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: x, as: Self.self) }
}
