import SeededRandom

extension SplitMix64 {
    /// U(−bound, bound) as float (Kaiming-uniform initialization, dropout).
    mutating func uniform(_ bound: Float) -> Float {
        Float(nextUnit() * 2 - 1) * bound
    }
}
