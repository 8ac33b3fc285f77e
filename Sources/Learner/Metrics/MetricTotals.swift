import API
import Foundation

/// Running totals of classification outcomes: the building block of prequential,
/// windowed and holdout metrics.
///
/// Log-loss is the mean negative natural log of the probability the model gave the
/// true label, with the probability clamped to at least ``MetricTotals/minProbability``
/// (a label the model has never seen has probability 0, which would be an infinite loss).
package struct MetricTotals: Sendable, Equatable, Codable {
    /// Probabilities are clamped to this floor before taking the log (sklearn's historic `eps`).
    static let minProbability = 1e-15

    /// Number of outcomes added.
    package private(set) var count: Int = 0
    /// Number of correct predictions.
    private(set) var correct: Int = 0
    /// Sum of per-example losses.
    private(set) var lossSum: Double = 0

    package init() {}

    /// Restores totals persisted as counts (e.g. from a manifest's ``PrequentialSummary``).
    /// - Precondition: `0 <= correct <= count`.
    package init(count: Int, correct: Int, lossSum: Double) {
        precondition(count >= 0 && correct >= 0 && correct <= count, "invalid totals \(correct)/\(count)")
        self.count = count
        self.correct = correct
        self.lossSum = lossSum
    }

    /// The loss of one prediction: `−ln(max(p, 1e-15))`; non-finite `p` counts as 0.
    package static func loss(probabilityOfLabel p: Double) -> Double {
        let clamped = p.isFinite ? min(max(p, minProbability), 1) : minProbability
        return -Foundation.log(clamped)
    }

    /// Adds one outcome.
    /// - Parameters:
    ///   - correct: whether the arg-max prediction equalled the true label.
    ///   - loss: the example's loss (see ``loss(probabilityOfLabel:)``).
    package mutating func add(correct isCorrect: Bool, loss: Double) {
        count += 1
        if isCorrect { correct += 1 }
        lossSum += loss
    }

    /// Adds one prediction (e.g. a candidate's or the live version's on a holdout example).
    package mutating func add(_ outcome: PredictionOutcome) {
        add(correct: outcome.isCorrect, loss: outcome.loss)
    }

    /// Removes an outcome previously added (used by sliding windows).
    package mutating func remove(correct isCorrect: Bool, loss: Double) {
        precondition(count > 0, "remove from empty MetricTotals")
        count -= 1
        if isCorrect { correct -= 1 }
        lossSum -= loss
        if count == 0 { lossSum = 0 }
    }

    /// Fraction correct, or `nil` before the first outcome.
    package var accuracy: Double? {
        count > 0 ? Double(correct) / Double(count) : nil
    }

    /// Mean log-loss, or `nil` before the first outcome.
    package var logLoss: Double? {
        count > 0 ? lossSum / Double(count) : nil
    }

    /// Count, accuracy and log-loss as the API and the manifest carry them.
    package var values: MetricValues {
        MetricValues(count: count, accuracy: accuracy, logLoss: logLoss)
    }

    /// The value of `metric` over these totals, or `nil` when empty.
    package func value(_ metric: QualityMetric) -> Double? {
        switch metric {
        case .accuracy: return accuracy
        case .logLoss: return logLoss
        }
    }
}

/// The quality metric a gate or rollback decision is based on.
package enum QualityMetric: String, Sendable, Equatable, Codable, CaseIterable {
    /// Fraction of correct predictions; higher is better.
    case accuracy
    /// Mean negative log-likelihood of the true label; lower is better.
    case logLoss = "log_loss"

    /// Whether larger values mean a better model.
    var higherIsBetter: Bool { self == .accuracy }

    /// The name used in reason strings ("accuracy", "log-loss").
    var displayName: String {
        switch self {
        case .accuracy: return "accuracy"
        case .logLoss: return "log-loss"
        }
    }
}
