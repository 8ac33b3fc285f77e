import CBFloat16

/// What this CPU offers for bf16 compute, read once at run time (cpuid + OS zmm state).
package enum BF16Support {
    /// AVX512F/BW/VL + AVX512_BF16 with zmm state enabled: the bf16 kernels can run.
    package static let available: Bool = slbf16_supported() != 0
    /// The CPU reports AMX-BF16 (the kernels here do not use tiles; reported for logs).
    static let amxReported: Bool = slbf16_amx_reported() != 0

    /// Result of the throughput probe behind `precision: auto`.
    package struct Probe: Sendable, Equatable, Codable {
        /// Median over rounds of bf16 dot-product flop rate / fp32 FMA flop rate.
        var ratio: Double
        /// Best single-core rates seen (GFLOP/s), register-only loops.
        var bf16GFlops: Double
        var fp32GFlops: Double
        init(ratio: Double, bf16GFlops: Double, fp32GFlops: Double) {
            self.ratio = ratio
            self.bf16GFlops = bf16GFlops
            self.fp32GFlops = fp32GFlops
        }
    }

    /// Measures, once per process (~10 ms), how fast `vdpbf16ps` runs against fp32 FMA on this
    /// core; nil without AVX512_BF16.
    package static let probe: Probe? = {
        guard available else { return nil }
        var b = 0.0, f = 0.0
        let ratio = slbf16_probe(7, 40_000, &b, &f)
        return Probe(ratio: ratio, bf16GFlops: b, fp32GFlops: f)
    }()
}
