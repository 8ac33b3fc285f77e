import Foundation

/// The chi-square distribution's upper tail, for p-values of G and chi-square tests.
///
/// `P(X > x)` for `X ~ χ²(k)` is the regularized upper incomplete gamma function
/// `Q(k/2, x/2)`, computed as in *Numerical Recipes* §6.2: the power series below `a + 1`,
/// Lentz's continued fraction above it. Relative accuracy ~1e-12, also deep in the tail
/// (p = 1e-30), which matters because Holm multiplies small p-values by the number of tests.
/// The fixtures compare it with `scipy.stats.chi2.sf`.
enum ChiSquare {
    /// Upper-tail probability `P(X > x)` of a chi-square variable with `degreesOfFreedom` (> 0).
    static func survival(_ x: Double, degreesOfFreedom: Double) -> Double {
        precondition(degreesOfFreedom > 0, "degrees of freedom must be > 0, got \(degreesOfFreedom)")
        guard x > 0 else { return 1 }
        guard x.isFinite else { return 0 }
        return regularizedUpperGamma(a: degreesOfFreedom / 2, x: x / 2)
    }

    /// Q(a, x) = Γ(a, x) / Γ(a).
    static func regularizedUpperGamma(a: Double, x: Double) -> Double {
        if x < a + 1 { return max(0, 1 - lowerSeries(a: a, x: x)) }
        return upperContinuedFraction(a: a, x: x)
    }

    /// P(a, x) by its series Σ xⁿ / (a (a+1) … (a+n)) · e^{-x} x^a / Γ(a).
    private static func lowerSeries(a: Double, x: Double) -> Double {
        var term = 1 / a, sum = term, ap = a
        for _ in 0..<10_000 {
            ap += 1
            term *= x / ap
            sum += term
            if abs(term) < abs(sum) * 1e-16 { break }
        }
        return sum * exp(-x + a * log(x) - lgamma(a))
    }

    /// Q(a, x) by its continued fraction (modified Lentz).
    private static func upperContinuedFraction(a: Double, x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return exp(-x + a * log(x) - lgamma(a)) * h
    }
}
