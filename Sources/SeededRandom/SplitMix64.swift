/// A small seeded pseudo-random generator (SplitMix64, Steele/Lea/Flood 2014).
///
/// Adapter initialization and dropout (Model), replay sampling (Learner) and drift projections
/// (Monitor) need randomness that is
/// reproducible from a seed and identical on every platform and Swift version.
/// `SystemRandomNumberGenerator` is not seedable, and the standard library's `random(in:using:)`
/// algorithms are not promised to stay fixed, so bounded draws use ``next(below:)`` instead.
package struct SplitMix64: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's entire state.
    package private(set) var state: UInt64

    /// - Parameter seed: any value; equal seeds give equal sequences.
    package init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-shift with rejection).
    /// - Precondition: `bound > 0`.
    package mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be > 0")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// A uniform `Double` in `[0, 1)` from the top 53 bits.
    package mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
