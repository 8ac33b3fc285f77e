import CAdamW

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Kernels {
    /// One AdamW step over a flat parameter buffer, following torch.optim.AdamW:
    /// p ← p·(1 − lr·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
    /// p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + eps).
    ///
    /// Runs in the C kernel (`CAdamW`, 16 lanes where the CPU has AVX-512) with the scalar
    /// loop's operations in its order and no FMA contraction, so every element is bitwise what
    /// the scalar loop gives (`AdamWTests`).
    /// - Parameters:
    ///   - step: the 1-based step count t used for bias correction.
    ///   - gradScale: g is used as g·gradScale (clip_grad_norm_'s factor, applied here instead of
    ///     in a pass of its own; bitwise the same as scaling g first). 1 uses g as it is.
    package static func adamW(
        params p: UnsafeMutablePointer<Float>, grads g: UnsafePointer<Float>,
        m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count n: Int,
        lr: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float, step: Int, gradScale: Float = 1
    ) {
        let bc1 = 1 - Float(pow(Double(beta1), Double(step)))
        let bc2 = 1 - pow(Double(beta2), Double(step))
        slr_adamw(p, g, m, v, n, gradScale, beta1, beta2, eps, lr / bc1, Float(bc2.squareRoot()), 1 - lr * weightDecay)
    }

    /// One read of an adapter's gradients, moments and parameters before its AdamW step: the
    /// gradients' sum of squares (for clip_grad_norm_) and the largest magnitudes, from which
    /// `AdamWScan.staysFinite` decides whether the step needs a rollback copy. Together with
    /// `adamW` that is two passes over the buffers where a norm pass, a scaling pass, a check
    /// pass and the update were four.
    package static func adamWScan(grads g: UnsafePointer<Float>, m: UnsafePointer<Float>, params p: UnsafePointer<Float>,
                                  count n: Int) -> AdamWScan {
        let r = slr_adamw_scan(g, m, p, n)
        return AdamWScan(sumOfSquares: r.sum_squares, maxGrad: r.max_grad, maxMoment: r.max_moment, maxParam: r.max_param,
                         finite: r.finite != 0)
    }
}

/// What `Kernels.adamWScan` read: Σ g² and max |g|, |m|, |p|; `finite` is false when some m or p
/// is NaN or ±inf (a bad g shows in `sumOfSquares`).
package struct AdamWScan: Sendable {
    package var sumOfSquares: Double
    package var maxGrad, maxMoment, maxParam: Float
    package var finite: Bool

    /// True when `Kernels.adamW` with these arguments is sure to leave every parameter finite,
    /// so a caller need not copy parameters and moments aside before it (the copy is what a
    /// non-finite step restores). A cheap sufficient condition, not the exact one: false means
    /// "take the copy and check after", never "it will overflow".
    ///
    /// Why it suffices, for finite p, m and g (v may have overflowed to +inf earlier): the new
    /// moment mᵢ = β₁m + (1−β₁)·s·g is at most M = |β₁|·max|m| + |1−β₁|·s·max|g| up to float
    /// rounding (a few ulps). The denominator √v/√(1−β₂ᵗ) + eps is ≥ eps (or +inf), so
    /// |stepSize·mᵢ/denom| ≤ stepSize·M/eps, and |p·decay| ≤ max|p|·max(|decay|, 1). Requiring
    /// each of 4·stepSize·M/eps, 4·max|p|·max(|decay|, 1) and stepSize·M to be at most half the
    /// largest float (computed in Double) keeps every intermediate and the difference finite
    /// with room for the rounding.
    /// - Parameter gradScale: the clip factor `adamW` will apply to g (0...1).
    package func staysFinite(gradScale s: Float, lr: Float, beta1: Float, eps: Float, weightDecay: Float, step: Int) -> Bool {
        let stepSize = Double(lr / (1 - Float(pow(Double(beta1), Double(step)))))
        let decay = Double(1 - lr * weightDecay)
        guard finite, sumOfSquares.isFinite, eps > 0, stepSize >= 0, stepSize.isFinite, decay.isFinite, s.isFinite, s >= 0
        else { return false }
        let bound = Double(abs(beta1)) * Double(maxMoment) + Double(abs(1 - beta1)) * Double(s) * Double(maxGrad)
        let limit = Double(Float.greatestFiniteMagnitude) / 2
        return 4 * stepSize * bound / Double(eps) <= limit && stepSize * bound <= limit
            && 4 * Double(maxParam) * max(abs(decay), 1) <= limit
    }
}
