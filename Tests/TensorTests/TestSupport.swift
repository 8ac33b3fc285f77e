@testable import Tensor

/// Deterministic SplitMix64 so failures reproduce.
struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomArray(_ n: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SeededRNG(seed)
    return (0..<n).map { _ in Float.random(in: -scale...scale, using: &rng) }
}

/// max|a − b| / max(max|b|, tiny): the per-tensor relative error used across the test suites.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    var diff: Float = 0, mag: Float = 0
    for i in a.indices {
        diff = max(diff, abs(a[i] - b[i]))
        mag = max(mag, abs(b[i]))
    }
    return diff / max(mag, 1e-12)
}

/// Runs `body` on two equal copies of `values` (fast, reference) and returns both results.
func twin(_ values: [Float], _ body: (UnsafeMutablePointer<Float>, Bool) -> Void) -> (fast: [Float], ref: [Float]) {
    var f = values, r = values
    f.withUnsafeMutableBufferPointer { body($0.baseAddress!, true) }
    r.withUnsafeMutableBufferPointer { body($0.baseAddress!, false) }
    return (f, r)
}
