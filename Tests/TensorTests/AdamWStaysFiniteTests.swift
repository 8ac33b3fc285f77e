import Testing
import Foundation
@testable import Tensor

/// `AdamWScan.staysFinite` (from `Kernels.adamWScan`) lets a training step skip the rollback
/// copy of parameters and moments, so it must never say "finite" when `adamW` would overflow;
/// and it must say so for ordinary training values, or the copy is never skipped.
struct AdamWStaysFiniteTests {
    /// Random magnitudes from 1e-6 to 1e38 (either sign) and hyper-parameters from ordinary to
    /// absurd: whenever the check passes, every parameter after `adamW` is finite. Both outcomes
    /// must occur, including steps that do overflow, or the test proves nothing.
    @Test func aPassingCheckMeansAFiniteUpdate() {
        var rng = SeededRNG(41)
        func wide() -> Float {
            Float.random(in: -1...1, using: &rng) * Float(pow(10.0, Double.random(in: -6...38, using: &rng)))
        }
        var passed = 0, overflowed = 0, refused = 0
        for trial in 0..<600 {
            let n = 1 + trial % 41  // exercises the 16- and 32-lane loops and the tails
            let typical = trial % 3 == 0
            var p = (0..<n).map { _ in typical ? Float.random(in: -0.5...0.5, using: &rng) : wide() }
            var m = (0..<n).map { _ in typical ? Float.random(in: -0.1...0.1, using: &rng) : wide() }
            var v = (0..<n).map { _ in typical ? Float.random(in: 0...0.01, using: &rng) : abs(wide()) }
            let g = (0..<n).map { _ in typical ? Float.random(in: -1...1, using: &rng) : wide() }
            let lr: Float = typical ? 1e-3 : [1e-3, 1, 1e20, 1e36][trial % 4]
            let eps: Float = typical ? 1e-8 : [1e-8, 1e-30, 1e-3][trial % 3]
            let wd: Float = [0, 0.01, -1e30][trial % 3]
            let step = 1 + trial % 5
            let clip: Float = [1, 0.5, 1e-3][trial % 3]  // clip_grad_norm_'s factor, applied inside adamW
            let safe = Kernels.adamWScan(grads: g, m: m, params: p, count: n)
                .staysFinite(gradScale: clip, lr: lr, beta1: 0.9, eps: eps, weightDecay: wd, step: step)
            Kernels.adamW(params: &p, grads: g, m: &m, v: &v, count: n, lr: lr, beta1: 0.9, beta2: 0.999, eps: eps,
                          weightDecay: wd, step: step, gradScale: clip)
            let finite = p.allSatisfy(\.isFinite)
            #expect(!safe || finite, "trial \(trial): check passed, update overflowed")
            if safe { passed += 1 } else { refused += 1 }
            if !finite { overflowed += 1 }
        }
        #expect(passed > 100 && refused > 100 && overflowed > 50, "passed \(passed), refused \(refused), overflowed \(overflowed)")
    }

    /// Ordinary training values pass (the common case takes no copy); a non-finite gradient,
    /// moment or parameter does not.
    @Test func ordinaryValuesPassNonFiniteDoNot() {
        let n = 1001
        let p = randomArray(n, seed: 42), g = randomArray(n, seed: 43, scale: 10), m = randomArray(n, seed: 44, scale: 0.1)
        func check(_ p: [Float], _ g: [Float], _ m: [Float]) -> Bool {
            Kernels.adamWScan(grads: g, m: m, params: p, count: n)
                .staysFinite(gradScale: 1, lr: 1e-3, beta1: 0.9, eps: 1e-8, weightDecay: 0.01, step: 1)
        }
        #expect(check(p, g, m))
        for bad in [Float.nan, .infinity, -.infinity] {
            var pb = p, gb = g, mb = m
            pb[n - 1] = bad; gb[7] = bad; mb[500] = bad
            #expect(!check(pb, g, m) && !check(p, gb, m) && !check(p, g, mb), "\(bad)")
        }
    }
}
