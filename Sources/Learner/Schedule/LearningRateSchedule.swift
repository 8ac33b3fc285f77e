import Foundation

/// Learning-rate schedule: linear warm-up, then constant, linear decay or cosine decay.
///
/// The schedule yields a *multiplier* in `[0, 1]` that scales both the LoRA learning rate
/// and the head learning rate. Warm-up keeps AdamW's first steps — when its second-moment
/// estimates are still noisy — from wrecking a freshly loaded adapter. A stream has no
/// natural end, so decay runs over a configurable horizon (`decaySteps`) and then stays
/// at `minRatio`; the default kind is `constant` (keep learning forever).
///
/// The formulas are those of transformers' `get_constant_schedule_with_warmup`,
/// `get_linear_schedule_with_warmup`, `get_cosine_schedule_with_warmup` and
/// `get_cosine_with_min_lr_schedule_with_warmup` (`num_training_steps` = `decaySteps`),
/// evaluated at the 1-based number of the update being taken — so the very first update
/// uses `1 / warmupSteps`, not 0 — and with progress clamped at the end of the horizon.
struct LearningRateSchedule: Sendable, Equatable {
    /// The shape after warm-up.
    enum Kind: String, Sendable, Equatable, CaseIterable, Codable {
        /// Stay at the base rate.
        case constant
        /// Decrease linearly to `minRatio` at `decaySteps`.
        case linear
        /// Follow a half cosine down to `minRatio` at `decaySteps`.
        case cosine
    }

    /// Shape after warm-up.
    let kind: Kind
    /// Number of warm-up updates (0 = none).
    let warmupSteps: Int
    /// Update number at which decay reaches `minRatio` (counted from the first update, warm-up included).
    let decaySteps: Int
    /// Floor of the multiplier after warm-up, in `[0, 1]`.
    let minRatio: Double

    /// - Precondition: `warmupSteps >= 0`, `decaySteps >= 0`, `0 <= minRatio <= 1`.
    init(kind: Kind = .constant, warmupSteps: Int, decaySteps: Int = 0, minRatio: Double = 0) {
        precondition(warmupSteps >= 0 && decaySteps >= 0, "schedule steps must be >= 0")
        precondition(minRatio >= 0 && minRatio <= 1, "minRatio must be in [0, 1]")
        self.kind = kind
        self.warmupSteps = warmupSteps
        self.decaySteps = decaySteps
        self.minRatio = minRatio
    }

    /// The learning-rate multiplier for update number `step` (1 for the first update).
    func multiplier(step: Int) -> Double {
        let step = max(step, 0)
        if step < warmupSteps {
            return Double(step) / Double(max(1, warmupSteps))
        }
        switch kind {
        case .constant:
            return 1
        case .linear:
            let remaining = Double(max(0, decaySteps - step)) / Double(max(1, decaySteps - warmupSteps))
            return minRatio + (1 - minRatio) * min(1, remaining)
        case .cosine:
            let progress = min(1, Double(step - warmupSteps) / Double(max(1, decaySteps - warmupSteps)))
            let factor = 0.5 * (1 + cos(Double.pi * progress))
            return minRatio + (1 - minRatio) * factor
        }
    }

    /// `base × multiplier(step:)`.
    func learningRate(base: Double, step: Int) -> Double {
        base * multiplier(step: step)
    }
}
