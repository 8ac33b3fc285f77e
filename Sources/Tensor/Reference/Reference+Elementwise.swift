import Foundation

extension Reference {
    package static func broadcastRows(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { for c in 0..<cols { out[r * cols + c] = bias[c] } }
    }

    static func addBias(_ out: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
        for r in 0..<rows { for c in 0..<cols { out[r * cols + c] = out[r * cols + c] + bias[c] } }
    }

    package static func add(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { out[i] = Float(Double(a[i]) + Double(b[i])) }
    }

    package static func geluForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            let x = Double(inp[i])
            out[i] = Float(x * 0.5 * erfc(-x / 2.0.squareRoot()))  // erfc: no cancellation in the lower tail
        }
    }

    package static func geluBackward(_ dinp: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n {
            let x = Double(inp[i])
            let cdf = 0.5 * erfc(-x / 2.0.squareRoot())
            let pdf = exp(-x * x / 2) / (2 * Double.pi).squareRoot()
            dinp[i] = Float(Double(dout[i]) * (cdf + x * pdf))
        }
    }

    package static func tanhForward(_ out: UnsafeMutablePointer<Float>, _ inp: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { out[i] = Float(tanh(Double(inp[i]))) }
    }

    package static func tanhBackward(_ dinp: UnsafeMutablePointer<Float>, _ out: UnsafePointer<Float>, _ dout: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { dinp[i] = Float(Double(dout[i]) * (1 - Double(out[i]) * Double(out[i]))) }
    }

    package static func sumOfSquares(_ x: UnsafePointer<Float>, _ n: Int) -> Double {
        var s = 0.0
        for i in 0..<n { s += Double(x[i]) * Double(x[i]) }
        return s
    }

    package static func scale(_ x: UnsafeMutablePointer<Float>, _ s: Float, count n: Int) {
        for i in 0..<n { x[i] = Float(Double(x[i]) * Double(s)) }
    }

    package static func allFinite(_ x: UnsafePointer<Float>, _ n: Int) -> Bool {
        for i in 0..<n where !x[i].isFinite { return false }
        return true
    }
}
