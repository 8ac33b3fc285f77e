import Foundation
import Testing
@testable import Tensor

/// `Kernels.adamW` runs in C (`CAdamW`), 16 lanes at a time where the CPU has AVX-512. It must
/// round every element exactly as the scalar loop of torch's formula does (no FMA contraction,
/// no reassociation), with clip_grad_norm_'s factor applied on the fly exactly as scaling the
/// gradients first would: the golden tests' agreement with PEFT rests on it, and so does a
/// cross-adapter step equalling each adapter's own step.
struct AdamWTests {
    /// The scalar loop, in Float, in torch.optim.AdamW's order of operations.
    static func scalar(_ p: inout [Float], _ g: [Float], _ m: inout [Float], _ v: inout [Float], lr: Float, beta1: Float,
                       beta2: Float, eps: Float, weightDecay: Float, step: Int) {
        let stepSize = lr / (1 - Float(pow(Double(beta1), Double(step))))
        let bc2Sqrt = Float((1 - pow(Double(beta2), Double(step))).squareRoot())
        let decay = 1 - lr * weightDecay
        for i in p.indices {
            let mi = beta1 * m[i] + (1 - beta1) * g[i]
            let vi = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
            m[i] = mi
            v[i] = vi
            p[i] = p[i] * decay - stepSize * mi / (vi.squareRoot() / bc2Sqrt + eps)
        }
    }

    /// Lengths that exercise the 16-lane loop, its tail, and a tail alone; several steps so the
    /// moments are not zero.
    @Test(arguments: [1, 15, 16, 17, 100, 4099])
    func bitwiseTheScalarLoop(n: Int) {
        var p = randomArray(n, seed: 51), m = randomArray(n, seed: 52, scale: 0.1)
        var v = randomArray(n, seed: 53, scale: 0.01).map { abs($0) }
        var ps = p, ms = m, vs = v
        for step in 1...3 {
            let g = randomArray(n, seed: 54 + UInt64(step), scale: 2)
            Kernels.adamW(params: &p, grads: g, m: &m, v: &v, count: n, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8,
                          weightDecay: 0.01, step: step)
            Self.scalar(&ps, g, &ms, &vs, lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: step)
        }
        #expect(p.bitPatterns == ps.bitPatterns && m.bitPatterns == ms.bitPatterns && v.bitPatterns == vs.bitPatterns)
        #expect(p != randomArray(n, seed: 51), "the update changed nothing")
    }

    /// `gradScale: s` is bitwise the update on gradients scaled by s first (the old clip pass).
    @Test(arguments: [Float(0.37), 1e-3])
    func gradScaleIsScalingFirst(s: Float) {
        let n = 1001
        let g = randomArray(n, seed: 61, scale: 5)
        var p = randomArray(n, seed: 62), m = randomArray(n, seed: 63, scale: 0.1), v = randomArray(n, seed: 64, scale: 0.01).map { abs($0) }
        var ps = p, ms = m, vs = v
        Kernels.adamW(params: &p, grads: g, m: &m, v: &v, count: n, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8,
                      weightDecay: 0.01, step: 2, gradScale: s)
        Self.scalar(&ps, g.map { $0 * s }, &ms, &vs, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 2)
        #expect(p.bitPatterns == ps.bitPatterns && m.bitPatterns == ms.bitPatterns && v.bitPatterns == vs.bitPatterns)
        var pu = randomArray(n, seed: 62), mu = randomArray(n, seed: 63, scale: 0.1), vu = randomArray(n, seed: 64, scale: 0.01).map { abs($0) }
        Kernels.adamW(params: &pu, grads: g, m: &mu, v: &vu, count: n, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8,
                      weightDecay: 0.01, step: 2)
        #expect(mu.bitPatterns != m.bitPatterns, "the scale was not applied")
    }
}

extension Array where Element == Float {
    fileprivate var bitPatterns: [UInt32] { map(\.bitPattern) }
}
