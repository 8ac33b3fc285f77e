/// The arithmetic of the frozen matrix products.
///
/// `fp32` is the reference (bit-for-bit what the model always computed). `bf16` stores the frozen
/// weights packed in bf16 and multiplies bf16-rounded activations with fp32 accumulation (the
/// frozen denses forward and the input gradients through them); LoRA A/B, the head, attention,
/// LayerNorm, softmax, loss, gradients and AdamW stay fp32.
package enum ComputePrecision: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case fp32, bf16
    package var description: String { rawValue }
}

/// A requested precision: a concrete one, or `auto` (resolved per machine at run time).
package enum PrecisionSetting: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case fp32, bf16, auto
    package var description: String { rawValue }

    /// bf16 must do at least this many flops per fp32 flop in the probe before `auto` picks it:
    /// the probe's ratio is ~2 where bf16 pays (Zen 4) and ~0.5 where it does not (Intel without
    /// AMX), so 1.3 sits far from both and load noise cannot flip the choice.
    static let autoThreshold = 1.3

    /// What a setting resolved to, and why (logged and journaled by the callers).
    package struct Resolution: Sendable, Equatable {
        package var precision: ComputePrecision
        package var reason: String
    }

    /// Resolves against this machine.
    /// - Throws: `PrecisionError.bf16Unavailable` when `bf16` is asked for explicitly on a CPU
    ///   without AVX512_BF16.
    package func resolve() throws -> Resolution {
        try resolve(available: BF16Support.available, probe: { BF16Support.probe })
    }

    /// Resolves against given capabilities (pure apart from calling `probe`, which runs only for
    /// `auto` on a bf16-capable CPU).
    package func resolve(available: Bool, probe: () -> BF16Support.Probe?) throws -> Resolution {
        switch self {
        case .fp32:
            return Resolution(precision: .fp32, reason: "fp32 requested")
        case .bf16:
            guard available else { throw PrecisionError.bf16Unavailable }
            return Resolution(precision: .bf16, reason: "bf16 requested; CPU reports AVX512_BF16")
        case .auto:
            guard available, let p = probe() else {
                return Resolution(precision: .fp32, reason: "auto: CPU does not report AVX512_BF16")
            }
            let numbers = "bf16 dot \(format(p.bf16GFlops)) vs fp32 FMA \(format(p.fp32GFlops)) GFLOP/s per core, median ratio \(format(p.ratio, 2)), threshold \(Self.autoThreshold)"
            return p.ratio >= Self.autoThreshold
                ? Resolution(precision: .bf16, reason: "auto: bf16 is faster here (\(numbers))")
                : Resolution(precision: .fp32, reason: "auto: CPU reports AVX512_BF16 but bf16 is not faster here (\(numbers))")
        }
    }

    private func format(_ x: Double, _ digits: Int = 1) -> String {
        let p = (0..<digits).reduce(1.0) { r, _ in r * 10 }
        return String(describing: (x * p).rounded() / p)
    }
}

/// A precision that this machine cannot run.
package enum PrecisionError: Error, CustomStringConvertible, Equatable {
    case bf16Unavailable
    package var description: String {
        "precision bf16 needs a CPU with AVX512_BF16 (this one does not report it); use fp32 or auto"
    }
}
