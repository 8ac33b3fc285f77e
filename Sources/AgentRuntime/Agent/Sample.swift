import Foundation
import Learner
import Model
import Monitor
import Registry

/// A tokenized example as the learner keeps it (in the batcher, the holdout buffer and the
/// replay reservoir): token ids are computed once on arrival.
struct Sample: Sendable {
    let ids: [Int32]
    let label: String
    let weight: Float
    let oovRate: Double
}

extension PrequentialSnapshot {
    /// The snapshot flattened into the manifest's `prequential_metrics` numbers.
    var manifestNumbers: [String: Double] {
        var out: [String: Double] = ["examples": Double(examples), "window": Double(window),
                                     "window_examples": Double(windowExamples)]
        out["accuracy"] = accuracy
        out["log_loss"] = logLoss
        out["window_accuracy"] = windowAccuracy
        out["window_log_loss"] = windowLogLoss
        for (label, n) in labelCounts { out["label_count." + label] = Double(n) }
        return out
    }

    /// Reads back what ``manifestNumbers`` wrote; nil when the manifest has none.
    init?(manifestNumbers n: [String: Double]) {
        guard let examples = n["examples"] else { return nil }
        var counts: [String: Int] = [:]
        for (key, value) in n where key.hasPrefix("label_count.") {
            counts[String(key.dropFirst("label_count.".count))] = Int(value)
        }
        self.init(examples: Int(examples), accuracy: n["accuracy"], logLoss: n["log_loss"],
                  window: Int(n["window"] ?? 0), windowExamples: Int(n["window_examples"] ?? 0),
                  windowAccuracy: n["window_accuracy"], windowLogLoss: n["window_log_loss"], labelCounts: counts)
    }
}

extension MetricTotals {
    /// Holdout numbers for a manifest, prefixed (`accuracy`, `log_loss`, `examples`).
    func manifestNumbers(prefix: String = "") -> [String: Double] {
        var out = [prefix + "examples": Double(count)]
        out[prefix + "accuracy"] = accuracy
        out[prefix + "log_loss"] = logLoss
        return out
    }
}

extension AdapterSession.Lineage {
    /// The lineage a manifest records.
    init(_ manifest: Manifest) {
        self.init(digest: manifest.trainedIDs, examplesTrained: manifest.examplesTrained, steps: manifest.steps,
                  examplesSkipped: manifest.examplesSkipped ?? 0)
    }
}
