import API
import Monitor

/// One prequential observation: the model predicted *before* it trained on the example.
package struct PredictionOutcome: Sendable, Equatable {
    /// The example's true label.
    package var label: String
    /// The model's arg-max label (`nil` when the model has no labels yet).
    package var predicted: String?
    /// Probability the model assigned to `label` (0 for a label it has never seen).
    var probabilityOfLabel: Double

    package init(label: String, predicted: String?, probabilityOfLabel: Double) {
        self.label = label
        self.predicted = predicted
        self.probabilityOfLabel = probabilityOfLabel
    }

    /// Builds the outcome from the model's class probabilities.
    /// - Parameters:
    ///   - label: the true label.
    ///   - probabilities: softmax output, one per entry of `labels`.
    ///   - labels: the adapter's label vocabulary, in head order.
    /// The prediction is the arg-max (the first one on ties, as `numpy.argmax`); a label not in
    /// the vocabulary yet has probability 0.
    package init<P: BinaryFloatingPoint>(label: String, probabilities: [P], labels: [String]) {
        precondition(probabilities.count == labels.count,
                     "\(probabilities.count) probabilities for \(labels.count) labels")
        var best: Int?
        for index in probabilities.indices {
            if let current = best, !(probabilities[index] > probabilities[current]) { continue }
            best = index
        }
        let trueIndex = labels.firstIndex(of: label)
        self.init(label: label, predicted: best.map { labels[$0] },
                  probabilityOfLabel: trueIndex.map { Double(probabilities[$0]) } ?? 0)
    }

    /// Whether the prediction was right.
    package var isCorrect: Bool { predicted == label }
    /// The example's log-loss.
    package var loss: Double { MetricTotals.loss(probabilityOfLabel: probabilityOfLabel) }
}

/// Test-then-train ("prequential") metrics of one adapter: cumulative and over a
/// sliding window of the last `window` examples, plus label-distribution counts.
///
/// Every example is first predicted by the current model, then (unless held out)
/// trained on, so each prediction is on unseen data — an honest online estimate
/// without a separate test set. The window shows the *current* quality, which the
/// rollback monitor and the concept-drift detectors care about; the cumulative
/// numbers are the long-run average.
package struct PrequentialMetrics: Sendable {
    private struct Sample: Sendable {
        var label: String
        var correct: Bool
        var loss: Double
    }

    /// Size of the sliding window.
    let window: Int
    /// Totals over the whole stream.
    package private(set) var cumulative = MetricTotals()
    /// Totals over the last `window` outcomes (including what is left of a resumed window).
    package var windowed: MetricTotals {
        guard carried.count > 0 else { return recent }
        return MetricTotals(count: recent.count + carried.count,
                            correct: recent.correct + min(carried.count, Int(carried.correct.rounded())),
                            lossSum: recent.lossSum + carried.lossSum)
    }
    /// Count of each true label over the whole stream.
    private(set) var labelCounts: [String: Int] = [:]
    /// Count of each true label over the window.
    private(set) var windowLabelCounts: [String: Int] = [:]

    private var samples: BoundedBuffer<Sample>
    private var evictionsSinceResum = 0
    /// Totals of the outcomes recorded by this process that are in the window.
    private var recent = MetricTotals()
    /// The window a previous run persisted (only its totals are known), aged out at its mean
    /// rate as new outcomes arrive: after `window` new outcomes nothing of it is left.
    private var carried = (count: 0, correct: 0.0, lossSum: 0.0)

    /// - Parameter window: sliding-window length, ≥ 1 (500 by default in pipelines).
    init(window: Int) {
        self.window = window
        samples = BoundedBuffer(capacity: window)
    }

    /// Records one prequential outcome.
    mutating func record(_ outcome: PredictionOutcome) {
        let sample = Sample(label: outcome.label, correct: outcome.isCorrect, loss: outcome.loss)
        cumulative.add(correct: sample.correct, loss: sample.loss)
        recent.add(correct: sample.correct, loss: sample.loss)
        if carried.count > 0, samples.count + carried.count >= window {
            // The oldest of the window is in the carried block: remove one average outcome of it.
            let share = 1 / Double(carried.count)
            carried = (carried.count - 1, carried.correct * (1 - share), carried.lossSum * (1 - share))
        }
        labelCounts[sample.label, default: 0] += 1
        windowLabelCounts[sample.label, default: 0] += 1
        if let evicted = samples.append(sample) {
            recent.remove(correct: evicted.correct, loss: evicted.loss)
            let left = windowLabelCounts[evicted.label, default: 0] - 1
            windowLabelCounts[evicted.label] = left > 0 ? left : nil
            evictionsSinceResum += 1
            // Subtracting floats accumulates rounding error; re-sum once per window length.
            if evictionsSinceResum >= window {
                resumWindow()
            }
        }
    }

    /// A serializable view for manifests, `/metrics` and `/v1/status`.
    package var snapshot: PrequentialSummary {
        PrequentialSummary(cumulative: cumulative.values, windowed: windowed.values, window: window, labelCounts: labelCounts)
    }

    /// Continues the metrics of a previous run (from the newest manifest) so that `/metrics`
    /// and the dashboard do not restart from zero after a restart. The cumulative totals
    /// continue exactly; of the window only its totals were persisted, so it resumes from
    /// them and ages them out at their mean rate as new outcomes arrive (exact again after
    /// `window` new outcomes).
    /// - Parameters:
    ///   - window: sliding-window length, ≥ 1.
    ///   - snapshot: the persisted metrics.
    init(window: Int, resuming snapshot: PrequentialSummary) {
        self.init(window: window)
        let count = max(snapshot.cumulative.count, 0)
        let correct = min(count, max(0, Int(((snapshot.cumulative.accuracy ?? 0) * Double(count)).rounded())))
        cumulative = MetricTotals(count: count, correct: correct, lossSum: (snapshot.cumulative.logLoss ?? 0) * Double(count))
        labelCounts = snapshot.labelCounts
        let kept = min(max(snapshot.windowed.count, 0), window)
        if kept > 0, let accuracy = snapshot.windowed.accuracy, let loss = snapshot.windowed.logLoss, accuracy.isFinite, loss.isFinite {
            carried = (kept, min(max(accuracy, 0), 1) * Double(kept), loss * Double(kept))
        }
    }

    private mutating func resumWindow() {
        var fresh = MetricTotals()
        for sample in samples.elements {
            fresh.add(correct: sample.correct, loss: sample.loss)
        }
        recent = fresh
        evictionsSinceResum = 0
    }
}
