/// Branch-free scalar exp and erfc, written so LLVM's loop vectorizer turns the kernels that call
/// them into AVX code (libm's erff/expf were a quarter of a training step, and Swift's generic
/// SIMD types were scalarized). Accuracy: exp within ~2 ulp (Cephes polynomial), erfc within
/// 1.2e-7 relative (Numerical Recipes' Chebyshev fit); TensorTests check both against Double.

/// e^x; returns exactly 0 below −87.3 so masked attention columns get probability 0 as in torch.
@inline(__always)
public func fastExp(_ input: Float) -> Float {
    let x = min(max(input, -87.3), 88.7)
    // Round x·log2(e) with the 1.5·2²³ trick: after the add, the low mantissa bits hold k.
    let magic: Float = 12582912
    let t = x * 1.44269504088896341 + magic
    let k = t - magic
    let r = x - k * 0.693359375 + k * 2.12194440e-4
    var p: Float = 1.9875691500e-4
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * r * r + r + 1
    let ki = Int32(bitPattern: t.bitPattern) &- 0x4B40_0000
    let scale = Float(bitPattern: UInt32(bitPattern: (ki &+ 127) &<< 23))
    let y = p * scale
    return input < -87.3 ? 0 : y
}

/// erfc(z) for z ≥ 0.
@inline(__always)
func erfcNonNegative(_ z: Float) -> Float {
    let t = 1 / (1 + 0.5 * z)
    var p: Float = 0.17087277
    p = p * t - 0.82215223
    p = p * t + 1.48851587
    p = p * t - 1.13520398
    p = p * t + 0.27886807
    p = p * t - 0.18628806
    p = p * t + 0.09678418
    p = p * t + 0.37409196
    p = p * t + 1.00002368
    p = p * t - 1.26551223
    return t * fastExp(p - z * z)
}

/// Φ(x) = ½ erfc(−x/√2), via erfc of |x| for full relative accuracy in the lower tail.
@inline(__always)
func normalCDF(_ x: Float) -> Float {
    let y = 0.5 * erfcNonNegative(abs(x) * 0.70710678118654752)
    return x >= 0 ? 1 - y : y
}
