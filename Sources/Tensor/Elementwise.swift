#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Elementwise kernels. Shapes in comments: N rows of C columns, row-major.
extension Kernels {
    /// out[r, c] = bias[c]; used to pre-fill a gemm output that then runs with beta = 1.
    /// out is (N, C), bias is (C).
    public static func broadcastRows(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { (out + r * cols).update(from: bias, count: cols) }
    }

    /// out[r, c] += bias[c]. out is (N, C), bias is (C).
    public static func addBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let o = out + r * cols
            for c in 0..<cols { o[c] += bias[c] }
        }
    }

    /// out = a + b (residual add; out may alias a or b).
    public static func add(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { out[i] = a[i] + b[i] }
    }

    /// out = gelu(inp) with the exact erf form: x · ½(1 + erf(x/√2)).
    public static func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count n: Int) {
        let s: Float = 0.70710678118654752
        for i in 0..<n {
            let x = inp[i]
            out[i] = 0.5 * x * (1 + erf(x * s))
        }
    }

    /// dinp = dout · gelu'(inp), gelu'(x) = ½(1 + erf(x/√2)) + x·φ(x). dinp may alias dout.
    public static func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, count n: Int) {
        let s: Float = 0.70710678118654752
        let c: Float = 0.39894228040143268  // 1/√(2π)
        for i in 0..<n {
            let x = inp[i]
            let d = 0.5 * (1 + erf(x * s)) + x * c * exp(-0.5 * x * x)
            dinp[i] = dout[i] * d
        }
    }

    /// out = tanh(inp).
    public static func tanhForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { out[i] = tanh(inp[i]) }
    }

    /// dinp = dout · (1 − out²), from the forward *output*. dinp may alias dout.
    public static func tanhBackward(_ dinp: UnsafeMutablePointer<Float>, _ out: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            let y = out[i]
            dinp[i] = dout[i] * (1 - y * y)
        }
    }

    /// Σ x² accumulated in Double (for gradient-norm clipping).
    public static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var total = 0.0
        var i = 0
        while i < n {
            let end = Swift.min(n, i + 4096)
            while i + 3 < end {
                s0 += x[i] * x[i]; s1 += x[i + 1] * x[i + 1]; s2 += x[i + 2] * x[i + 2]; s3 += x[i + 3] * x[i + 3]
                i += 4
            }
            while i < end { s0 += x[i] * x[i]; i += 1 }
            total += Double(s0) + Double(s1) + Double(s2) + Double(s3)
            s0 = 0; s1 = 0; s2 = 0; s3 = 0
        }
        return total
    }

    /// x *= s.
    public static func scale(_ x: UnsafeMutablePointer<Float>, _ s: Float, count n: Int) {
        for i in 0..<n { x[i] *= s }
    }

    /// True when no element is NaN or ±inf.
    public static func allFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
        var acc: Float = 0
        for i in 0..<n { acc += x[i] * 0 }  // NaN or inf turns the 0 product into NaN
        return !acc.isNaN
    }
}
