/// Branch-free scalar exp and erfc, written so LLVM's loop vectorizer turns the kernels that call
/// them into AVX code (libm's erff/expf were a quarter of a training step, and Swift's generic
/// SIMD types were scalarized). Accuracy: exp within ~2 ulp (Cephes polynomial), erfc within
/// 1.2e-7 relative (Numerical Recipes' Chebyshev fit); TensorTests check both against Double.

/// e^x; returns exactly 0 below −87.3 so masked attention columns get probability 0 as in torch.
@inline(__always)
func fastExp(_ input: Float) -> Float {
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

/// erf(x) as a rational function (the single-precision fit used by Eigen and XLA): odd degree-13
/// numerator over even degree-8 denominator, inputs clamped to ±4 where erf is ±1 in float.
/// Absolute error ~1e-7, no exp — the GELU kernels' hot path.
@inline(__always)
func fastErf(_ input: Float) -> Float {
    let x = min(max(input, -4), 4)
    let x2 = x * x
    var p: Float = -2.72614225801306e-10
    p = p * x2 + 2.77068142495902e-08
    p = p * x2 - 2.10102402082508e-06
    p = p * x2 - 5.69250639462346e-05
    p = p * x2 - 7.34990630326855e-04
    p = p * x2 - 2.95459980854025e-03
    p = p * x2 - 1.60960333262415e-02
    p = p * x
    var q: Float = -1.45660718464996e-05
    q = q * x2 - 2.13374055278905e-04
    q = q * x2 - 1.68282697438203e-03
    q = q * x2 - 7.37332916720468e-03
    q = q * x2 - 1.42647390514189e-02
    return p / q
}

/// Φ(x) = ½(1 + erf(x/√2)).
@inline(__always)
func normalCDF(_ x: Float) -> Float {
    0.5 + 0.5 * fastErf(x * 0.70710678118654752)
}
