import Foundation
import Testing
@testable import Tensor

private let counts = [1, 7, 64, 1000, 4099]

@Suite struct ElementwiseTests {
    @Test(arguments: counts)
    func geluForwardBackward(n: Int) {
        let x = randomArray(n, seed: 10, scale: 6), dy = randomArray(n, seed: 11)
        let fwd = twin(x) { p, fast in
            let src = Array(UnsafeBufferPointer(start: p, count: n))
            (fast ? Kernels.geluForward : Reference.geluForward)(p, src, n)
        }
        #expect(relativeError(fwd.fast, fwd.ref) < 1e-5)
        let bwd = twin(dy) { p, fast in (fast ? Kernels.geluBackward : Reference.geluBackward)(p, x, p, n) }
        #expect(relativeError(bwd.fast, bwd.ref) < 1e-5)
    }

    @Test func geluKnownValues() {
        // torch.nn.functional.gelu(torch.tensor([-1., 0., 1., 2.])) (approximate='none')
        var out = [Float](repeating: 0, count: 4)
        Kernels.geluForward(&out, [-1, 0, 1, 2], count: 4)
        let expected: [Float] = [-0.15865526, 0, 0.8413447, 1.9544997]
        #expect(relativeError(out, expected) < 1e-6)
    }

    /// The rational erf must hold across the whole range in absolute terms (float erf itself
    /// saturates at ±1 beyond |x/√2| ≈ 4, so far-tail GELU values below ~1e-7 are flushed to 0).
    @Test func geluAcrossRange() {
        let x = stride(from: Float(-30), through: 30, by: 0.01).map { $0 }
        let n = x.count
        let fwd = twin(x) { p, fast in
            let src = Array(UnsafeBufferPointer(start: p, count: n))
            (fast ? Kernels.geluForward : Reference.geluForward)(p, src, n)
        }
        var worst: Float = 0
        for i in 0..<n { worst = max(worst, abs(fwd.fast[i] - fwd.ref[i]) / max(1, abs(fwd.ref[i]))) }
        #expect(worst <= 1e-6, "max error of gelu relative to max(1, |gelu|): \(worst)")
        let ones = [Float](repeating: 1, count: n)
        let bwd = twin(ones) { p, fast in (fast ? Kernels.geluBackward : Reference.geluBackward)(p, x, p, n) }
        var worstGrad: Float = 0
        for i in 0..<n { worstGrad = max(worstGrad, abs(bwd.fast[i] - bwd.ref[i])) }
        #expect(worstGrad <= 5e-7, "max abs error of gelu': \(worstGrad)")
    }

    @Test func fastExpMatchesFoundation() {
        for x in stride(from: Float(-100), through: 88, by: 0.37) {
            let v = fastExp(x)
            let ref = Float(Foundation.exp(Double(x)))
            #expect(abs(v - ref) <= 3e-7 * ref || (x < -87.3 && v == 0), "exp(\(x)) = \(v), want \(ref)")
        }
    }

    @Test(arguments: counts)
    func tanhForwardBackward(n: Int) {
        let x = randomArray(n, seed: 12, scale: 4), dy = randomArray(n, seed: 13)
        let fwd = twin(x) { p, fast in
            let src = Array(UnsafeBufferPointer(start: p, count: n))
            (fast ? Kernels.tanhForward : Reference.tanhForward)(p, src, n)
        }
        #expect(relativeError(fwd.fast, fwd.ref) < 1e-6)
        let y = fwd.ref
        let bwd = twin(dy) { p, fast in (fast ? Kernels.tanhBackward : Reference.tanhBackward)(p, y, p, n) }
        #expect(relativeError(bwd.fast, bwd.ref) < 1e-6)
    }

    @Test(arguments: [(1, 1), (5, 3), (13, 384)])
    func biasAndResidual(rows: Int, cols: Int) {
        let bias = randomArray(cols, seed: 14), x = randomArray(rows * cols, seed: 15), r = randomArray(rows * cols, seed: 16)
        let add = twin(x) { p, fast in (fast ? Kernels.addBias : Reference.addBias)(p, bias, rows, cols) }
        #expect(relativeError(add.fast, add.ref) < 1e-7)
        let bc = twin(x) { p, fast in (fast ? Kernels.broadcastRows : Reference.broadcastRows)(p, bias, rows, cols) }
        #expect(bc.fast == bc.ref && bc.fast[(rows - 1) * cols] == bias[0])
        let res = twin(x) { p, fast in (fast ? Kernels.add : Reference.add)(p, p, r, rows * cols) }
        #expect(relativeError(res.fast, res.ref) < 1e-7)
    }

    @Test(arguments: counts)
    func sumOfSquaresAndScale(n: Int) {
        let x = randomArray(n, seed: 17), m = randomArray(n, seed: 19, scale: 3), p = randomArray(n, seed: 20, scale: 5)
        let scan = Kernels.adamWScan(grads: x, m: m, params: p, count: n)
        let s = x.withUnsafeBufferPointer { Reference.sumOfSquares($0.baseAddress!, n) }
        #expect(abs(scan.sumOfSquares - s) <= 1e-5 * s)
        #expect(scan.finite && scan.maxGrad == x.map(abs).max()! && scan.maxMoment == m.map(abs).max()! && scan.maxParam == p.map(abs).max()!)
        let sc = twin(x) { p, fast in (fast ? Kernels.scale : Reference.scale)(p, 0.3, n) }
        #expect(relativeError(sc.fast, sc.ref) < 1e-6)
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func allFiniteDetects(bad: Float) {
        var x = randomArray(1001, seed: 18)
        #expect(Kernels.allFinite(x, x.count) && Reference.allFinite(x, x.count))
        x[777] = bad
        #expect(!Kernels.allFinite(x, x.count) && !Reference.allFinite(x, x.count))
    }
}
