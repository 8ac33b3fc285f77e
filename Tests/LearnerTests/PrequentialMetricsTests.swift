import API
import SeededRandom
import Foundation
import Model
import Testing
@testable import Learner

// Reference numbers from scikit-learn 1.9.1:
//
//   import numpy as np
//   from sklearn.metrics import log_loss, accuracy_score
//   labels = ["neg", "neu", "pos"]
//   y = ["pos","neg","pos","neu","neu","pos","neg","neg","pos","neu"]
//   P = np.array([[0.1,0.2,0.7],[0.6,0.3,0.1],[0.3,0.3,0.4],[0.2,0.5,0.3],[0.5,0.25,0.25],
//                 [0.05,0.05,0.9],[0.34,0.33,0.33],[0.2,0.6,0.2],[0.1,0.45,0.45],[0.3,0.4,0.3]])
//   pred = [labels[int(np.argmax(p))] for p in P]
//   log_loss(y, P, labels=labels)                 # 0.8371639358814497
//   log_loss(y[-4:], P[-4:], labels=labels)       # 1.100761500474489
//   accuracy_score(y, pred), accuracy_score(y[-4:], pred[-4:])   # 0.7, 0.5

private let labels = ["neg", "neu", "pos"]
private let truth = ["pos", "neg", "pos", "neu", "neu", "pos", "neg", "neg", "pos", "neu"]
private let probabilities: [[Double]] = [
    [0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.3, 0.3, 0.4], [0.2, 0.5, 0.3], [0.5, 0.25, 0.25],
    [0.05, 0.05, 0.9], [0.34, 0.33, 0.33], [0.2, 0.6, 0.2], [0.1, 0.45, 0.45], [0.3, 0.4, 0.3],
]
private let predicted = ["pos", "neg", "pos", "neu", "neg", "pos", "neg", "neu", "neu", "neu"]

private func outcomes() -> [PredictionOutcome] {
    truth.indices.map { i in
        PredictionOutcome(label: truth[i], predicted: predicted[i],
                          probabilityOfLabel: probabilities[i][labels.firstIndex(of: truth[i])!])
    }
}

@Suite struct PrequentialMetricsTests {
    @Test func cumulativeMatchesSklearn() throws {
        var metrics = PrequentialMetrics(window: 500)
        for outcome in outcomes() { metrics.record(outcome) }
        #expect(metrics.cumulative.count == 10)
        #expect(try #require(metrics.cumulative.accuracy) == 0.7)
        #expect(abs(try #require(metrics.cumulative.logLoss) - 0.8371639358814497) < 1e-12)
    }

    @Test func windowMatchesSklearnOnTheLastFour() throws {
        var metrics = PrequentialMetrics(window: 4)
        for outcome in outcomes() { metrics.record(outcome) }
        #expect(metrics.windowed.count == 4)
        #expect(try #require(metrics.windowed.accuracy) == 0.5)
        #expect(abs(try #require(metrics.windowed.logLoss) - 1.100761500474489) < 1e-12)
        #expect(metrics.windowLabelCounts == ["neg": 2, "pos": 1, "neu": 1])  // y[-4:] = neg, neg, pos, neu
        #expect(metrics.labelCounts == ["pos": 4, "neg": 3, "neu": 3])
    }

    @Test func emptyMetricsHaveNoValues() {
        let metrics = PrequentialMetrics(window: 10)
        #expect(metrics.cumulative.accuracy == nil)
        #expect(metrics.snapshot.windowed.logLoss == nil)
        #expect(metrics.snapshot.cumulative.count == 0)
    }

    /// Hand computation: window 3 over correct = [1,0,1,1,0], p(label) = [.9,.2,.8,.6,.1].
    /// After all five, the window holds the last three: accuracy 2/3,
    /// log-loss (−ln .8 − ln .6 − ln .1) / 3 = (0.22314 + 0.51083 + 2.30259) / 3 = 1.01218.
    @Test func windowedHandComputation() throws {
        var metrics = PrequentialMetrics(window: 3)
        let steps: [(Bool, Double)] = [(true, 0.9), (false, 0.2), (true, 0.8), (true, 0.6), (false, 0.1)]
        for (correct, p) in steps {
            metrics.record(PredictionOutcome(label: "a", predicted: correct ? "a" : "b", probabilityOfLabel: p))
        }
        #expect(try #require(metrics.windowed.accuracy) == 2.0 / 3.0)
        let expected = (-log(0.8) - log(0.6) - log(0.1)) / 3
        #expect(abs(try #require(metrics.windowed.logLoss) - expected) < 1e-12)
        #expect(abs(expected - 1.01218) < 1e-5)
        #expect(try #require(metrics.cumulative.accuracy) == 0.6)
    }

    /// The running window sums must not drift from a direct computation over a long stream.
    @Test func windowStaysExactOverLongStreams() throws {
        var metrics = PrequentialMetrics(window: 500)
        var rng = SplitMix64(seed: 11)
        var history: [(Bool, Double)] = []
        for _ in 0..<20_123 {
            let p = 0.001 + 0.998 * rng.nextUnit()
            let correct = rng.nextUnit() < 0.7
            history.append((correct, p))
            metrics.record(PredictionOutcome(label: "x", predicted: correct ? "x" : "y", probabilityOfLabel: p))
        }
        let tail = history.suffix(500)
        let accuracy = Double(tail.filter(\.0).count) / 500
        let loss = tail.map { -log($0.1) }.reduce(0, +) / 500
        #expect(try #require(metrics.windowed.accuracy) == accuracy)
        #expect(abs(try #require(metrics.windowed.logLoss) - loss) < 1e-9)
    }

    @Test func unseenLabelIsClampedNotInfinite() {
        #expect(MetricTotals.loss(probabilityOfLabel: 0) == -log(1e-15))
        #expect(MetricTotals.loss(probabilityOfLabel: .nan) == -log(1e-15))
        #expect(MetricTotals.loss(probabilityOfLabel: 1) == 0)
        let outcome = PredictionOutcome(label: "new", predicted: nil, probabilityOfLabel: 0)
        #expect(!outcome.isCorrect)
        #expect(abs(outcome.loss - 34.538776394910684) < 1e-9)  // -math.log(1e-15)
    }

    @Test func snapshotEncodesWithSnakeCaseKeys() throws {
        var metrics = PrequentialMetrics(window: 4)
        for outcome in outcomes() { metrics.record(outcome) }
        let data = try JSONEncoder().encode(metrics.snapshot)
        let text = try #require(String(data: data, encoding: .utf8))
        #expect(text.contains("\"windowed\":{") && text.contains("\"log_loss\":"))
        #expect(text.contains("\"label_counts\""))
        let decoded = try JSONDecoder().decode(PrequentialSummary.self, from: data)
        #expect(decoded == metrics.snapshot)
    }
}

@Suite struct PrequentialResumeTests {
    @Test func resumesCumulativeTotalsFromASnapshot() throws {
        var before = PrequentialMetrics(window: 4)
        for outcome in outcomes() { before.record(outcome) }
        let data = try JSONEncoder().encode(before.snapshot)
        var after = PrequentialMetrics(window: 4, resuming: try JSONDecoder().decode(PrequentialSummary.self, from: data))
        #expect(after.cumulative.count == 10 && after.cumulative.correct == 7)
        #expect(abs(try #require(after.cumulative.logLoss) - 0.8371639358814497) < 1e-12)
        #expect(after.windowed == before.windowed)
        #expect(after.labelCounts == ["pos": 4, "neg": 3, "neu": 3])
        after.record(PredictionOutcome(label: "neg", predicted: "neg", probabilityOfLabel: 1))
        #expect(try #require(after.cumulative.accuracy) == 8.0 / 11.0)
        #expect(after.labelCounts["neg"] == 4)
    }
}

@Suite struct PredictionOutcomeTests {
    @Test func fromProbabilitiesMatchesSklearnPath() throws {
        // The same ten rows as above, as Float softmax outputs: totals must equal sklearn's numbers.
        var totals = MetricTotals()
        for (row, label) in zip(probabilities, truth) {
            totals.add(PredictionOutcome(label: label, probabilities: row.map(Float.init), labels: labels))
        }
        #expect(totals.accuracy == 0.7)
        #expect(abs(try #require(totals.logLoss) - 0.8371639358814497) < 1e-6)  // Float inputs
    }

    @Test func tiesTakeTheFirstLikeNumpy() {
        let outcome = PredictionOutcome(label: "pos", probabilities: [0.1, 0.45, 0.45] as [Double], labels: labels)
        #expect(outcome.predicted == "neu")
        #expect(outcome.probabilityOfLabel == 0.45)
    }

    @Test func unknownLabelAndEmptyVocabulary() {
        let unseen = PredictionOutcome(label: "new", probabilities: [0.2, 0.8] as [Double], labels: ["a", "b"])
        #expect(unseen.predicted == "b" && unseen.probabilityOfLabel == 0)
        let empty = PredictionOutcome(label: "a", probabilities: [Double](), labels: [])
        #expect(empty.predicted == nil && !empty.isCorrect)
    }

    /// The resumed window's totals age out at their mean rate: after `window` new outcomes the
    /// window holds exactly those outcomes.
    @Test func resumedWindowAgesOut() throws {
        var before = PrequentialMetrics(window: 4)
        for outcome in outcomes() { before.record(outcome) }  // window: 2 of 4 correct
        var after = PrequentialMetrics(window: 4, resuming: before.snapshot)
        #expect(after.windowed.count == 4 && after.windowed.correct == 2)
        let right = PredictionOutcome(label: "pos", predicted: "pos", probabilityOfLabel: 1)
        after.record(right)
        // 3 carried at 0.5 (1.5 correct, rounded to 2) + 1 new correct.
        #expect(after.windowed.count == 4 && after.windowed.correct == 3)
        let carriedLoss = try #require(before.windowed.logLoss)
        #expect(abs(try #require(after.windowed.logLoss) - 0.75 * carriedLoss) < 1e-12)
        for _ in 0..<3 { after.record(right) }
        #expect(after.windowed == MetricTotals(count: 4, correct: 4, lossSum: 0))
        after.record(PredictionOutcome(label: "pos", predicted: "neg", probabilityOfLabel: 0.5))
        #expect(after.windowed.count == 4 && after.windowed.correct == 3)
    }

    /// A shorter window than the persisted one keeps at most `window` of it.
    @Test func resumedWindowIsBoundedByTheNewWindow() {
        var before = PrequentialMetrics(window: 8)
        for outcome in outcomes() { before.record(outcome) }
        let after = PrequentialMetrics(window: 3, resuming: before.snapshot)
        #expect(after.windowed.count == 3)
    }
}
