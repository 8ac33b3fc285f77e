#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise kernels. Shapes in comments: N rows of C columns, row-major.
extension Kernels {
    /// out[r, c] = bias[c]; used to pre-fill a gemm output that then runs with beta = 1.
    /// out is (N, C), bias is (C).
    package static func broadcastRows(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { (out + r * cols).update(from: bias, count: cols) }
    }

    /// out[r, c] += bias[c]. out is (N, C), bias is (C).
    static func addBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let o = out + r * cols
            for c in 0..<cols { o[c] += bias[c] }
        }
    }

    /// out = a + b (residual add; out may alias a or b).
    package static func add(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { out[i] = a[i] + b[i] }
    }

    /// out = gelu(inp) with the exact erf form: x · Φ(x) = x · ½(1 + erf(x/√2)). out may alias inp.
    package static func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count n: Int) {
        parallelFor(n, cost: 4) { range in
            for i in range {
                let x = inp[i]
                out[i] = x * normalCDF(x)
            }
        }
    }

    /// dinp = dout · gelu'(inp), gelu'(x) = Φ(x) + x·φ(x). dinp may alias dout.
    package static func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, count n: Int) {
        parallelFor(n, cost: 6) { range in
            // Two passes per block through a stack buffer: the derivative loop then has no
            // possible aliasing and vectorizes; the product loop is trivial.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 256) { tmp in
                let d = tmp.baseAddress!
                var i = range.lowerBound
                while i < range.upperBound {
                    let len = min(256, range.upperBound - i)
                    let x = inp + i
                    for j in 0..<len {
                        let v = x[j]
                        d[j] = normalCDF(v) + v * 0.39894228040143268 * fastExp(-0.5 * v * v)
                    }
                    for j in 0..<len { dinp[i + j] = dout[i + j] * d[j] }
                    i += len
                }
            }
        }
    }

    /// out = tanh(inp).
    package static func tanhForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { out[i] = tanh(inp[i]) }
    }

    /// dinp = dout · (1 − out²), from the forward *output*. dinp may alias dout.
    package static func tanhBackward(_ dinp: UnsafeMutablePointer<Float>, _ out: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            let y = out[i]
            dinp[i] = dout[i] * (1 - y * y)
        }
    }

    /// x *= s.
    package static func scale(_ x: UnsafeMutablePointer<Float>, _ s: Float, count n: Int) {
        for i in 0..<n { x[i] *= s }
    }

    /// True when no element is NaN or ±inf.
    package static func allFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
        var acc: Float = 0
        for i in 0..<n { acc += x[i] * 0 }  // NaN or inf turns the 0 product into NaN
        return !acc.isNaN
    }
}
