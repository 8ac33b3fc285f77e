/// Notices a trainer whose weights are finite but so large that its forward pass overflows (an
/// absurd learning rate: one step moves the LoRA factors to ~1e30), and sends it back to live.
///
/// Such a trainer never recovers by itself: every later step's loss is non-finite, so the guard
/// skips it, and its weights stay finite, so no non-finite-weights rule reloads it. What shows is
/// the gate refusing every candidate because its holdout outputs are non-finite. After
/// ``reloadAfter`` such refusals in a row the trainer is reloaded from live.
///
/// Calibration: between two candidates the learner trains at least one step (a snapshot is due
/// only with examples pending), and a sane step moves each weight by about the learning rate
/// (AdamW's update is normalized; gradients are clipped), so one hard batch can cost at most the
/// candidate it lands in, and a trainer that recovers resets the count with its next candidate.
/// On every other stream in the tests and benchmarks non-finite outputs never occur at all: the
/// count is 0 there, so any K ≥ 2 separates one bad candidate from a trainer that stays blown up;
/// 3 leaves a margin.
package struct BlownTrainerWatch: Sendable, Equatable {
    /// Consecutive refusals for non-finite holdout outputs that reload the trainer (K).
    package static let reloadAfter = 3
    /// Refusals for non-finite holdout outputs since the last other verdict.
    package private(set) var consecutive = 0

    package init() {}

    /// Records the gate's verdict on a written candidate.
    /// - Parameters:
    ///   - decision: the gate's decision.
    ///   - nonFiniteOutputs: holdout examples on which the candidate's outputs were not finite.
    ///   - holdout: holdout examples evaluated.
    /// - Returns: a reload of live after ``reloadAfter`` refusals in a row, with the numbers.
    package mutating func judged(_ decision: GateDecision, nonFiniteOutputs: Int, holdout: Int) -> RollbackDecision? {
        guard decision.verdict == .reject, nonFiniteOutputs > 0 else {
            consecutive = 0
            return nil
        }
        consecutive += 1
        guard consecutive >= Self.reloadAfter else { return nil }
        let count = consecutive
        consecutive = 0
        return RollbackDecision(
            trigger: .nonFiniteOutputs, action: .reloadLive,
            reason: "\(count) candidates in a row rejected for non-finite holdout outputs (the last on \(nonFiniteOutputs) of "
                + "\(holdout) examples): the trainer's weights overflow the forward pass",
            numbers: ["consecutive_rejections": Double(count), "non_finite_outputs": Double(nonFiniteOutputs),
                      "holdout_examples": Double(holdout)])
    }

    /// The trainer was replaced (rollback or reload): its history no longer counts.
    package mutating func reset() { consecutive = 0 }
}
