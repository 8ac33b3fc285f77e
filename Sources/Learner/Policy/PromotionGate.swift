/// The gate between a candidate version and the live one.
///
/// A candidate becomes live only if its holdout metric is at least the live version's
/// minus `tolerance` (for log-loss: at most live plus `tolerance`) and all its weights are
/// finite, and so are its outputs on the holdout (finite weights that blew up — an absurd
/// learning rate — overflow in the forward pass). Those are the only non-finite values that can
/// fail a candidate: a train step whose loss was non-finite was skipped and changed nothing. Both versions must have been evaluated on the *same* holdout examples (the
/// holdout buffer at decision time). The tolerance lets a stream keep moving forward
/// when candidate and live are statistically tied, instead of freezing on an old version.
///
/// Pure: it compares numbers and explains itself; the caller writes the journal entry,
/// marks the version and swaps `LIVE`.
package struct PromotionGate: Sendable, Equatable {
    /// Metric compared.
    let metric: QualityMetric
    /// Allowed regression, ≥ 0, in the metric's units.
    let tolerance: Double
    /// Fewer holdout examples than this make the comparison noise: the candidate is deferred.
    let minHoldout: Int

    /// Slack for floating-point rounding in `live − tolerance`.
    static let epsilon = 1e-12

    init(metric: QualityMetric, tolerance: Double, minHoldout: Int) {
        precondition(tolerance >= 0, "tolerance must be >= 0")
        precondition(minHoldout >= 0, "minHoldout must be >= 0")
        self.metric = metric
        self.tolerance = tolerance
        self.minHoldout = minHoldout
    }

    /// Judges a candidate.
    /// - Parameters:
    ///   - candidate: the candidate's outcomes on the holdout buffer.
    ///   - live: the live version's outcomes on the same examples, or `nil` when no version is live yet.
    ///   - weightsFinite: whether every candidate weight is finite.
    ///   - nonFiniteOutputs: holdout examples on which the candidate's probabilities were not finite.
    /// - Returns: promote, reject or defer, with a reason that quotes the numbers.
    func decide(candidate: MetricTotals, live: MetricTotals?, weightsFinite: Bool,
                       nonFiniteOutputs: Int = 0) -> GateDecision {
        guard weightsFinite else {
            return GateDecision(verdict: .reject, reason: "candidate has non-finite weights",
                                candidateValue: candidate.value(metric), liveValue: live?.value(metric))
        }
        guard nonFiniteOutputs == 0 else {
            return GateDecision(
                verdict: .reject,
                reason: "candidate's outputs are non-finite on \(nonFiniteOutputs) of \(candidate.count) holdout examples",
                candidateValue: candidate.value(metric), liveValue: live?.value(metric))
        }
        guard let live else {
            return GateDecision(verdict: .promote, reason: "no live version yet; first finite candidate",
                                candidateValue: candidate.value(metric), liveValue: nil)
        }
        guard candidate.count >= max(minHoldout, 1),
              let candidateValue = candidate.value(metric),
              let liveValue = live.value(metric)
        else {
            return GateDecision(
                verdict: .defer,
                reason: "holdout has \(candidate.count) examples < min_holdout \(max(minHoldout, 1)); candidate kept unjudged",
                candidateValue: candidate.value(metric), liveValue: live.value(metric))
        }
        let name = "holdout \(metric.displayName) \(formatFixed(candidateValue, 3))"
        let suffix = " on \(candidate.count) holdout examples"
        let tol = formatSetting(tolerance)
        if metric.higherIsBetter {
            let passes = candidateValue + Self.epsilon >= liveValue - tolerance
            let reason = passes
                ? "\(name) ≥ live \(formatFixed(liveValue, 3)) − \(tol)\(suffix)"
                : "\(name) < live \(formatFixed(liveValue, 3)) − \(tol)\(suffix)"
            return GateDecision(verdict: passes ? .promote : .reject, reason: reason,
                                candidateValue: candidateValue, liveValue: liveValue)
        } else {
            let passes = candidateValue - Self.epsilon <= liveValue + tolerance
            let reason = passes
                ? "\(name) ≤ live \(formatFixed(liveValue, 3)) + \(tol)\(suffix)"
                : "\(name) > live \(formatFixed(liveValue, 3)) + \(tol)\(suffix)"
            return GateDecision(verdict: passes ? .promote : .reject, reason: reason,
                                candidateValue: candidateValue, liveValue: liveValue)
        }
    }
}

/// The gate's verdict on one candidate.
package struct GateDecision: Sendable, Equatable, CustomStringConvertible {
    /// What happens to the candidate.
    package enum Verdict: String, Sendable, Equatable, Codable {
        /// Write `LIVE`, journal `promote`.
        case promote
        /// Mark the version `rejected` (kept on disk), journal `reject` with the reason.
        case reject
        /// Too little holdout evidence: keep the version as `candidate`; a later one will be judged.
        case `defer`
    }

    package let verdict: Verdict
    /// Human-readable explanation quoting the numbers, for the journal and the manifest.
    package let reason: String
    /// The candidate's holdout metric, when computable.
    let candidateValue: Double?
    /// The live version's holdout metric, when there is one.
    let liveValue: Double?

    package var description: String { "\(verdict.rawValue): \(reason)" }
}
