import API

// The journal's `numbers` stay a flat map: an event log carries whatever numbers explain that
// event. Metrics enter it under these names (`holdout.accuracy`, `prequential.window_accuracy`, …),
// which `ops/bench/decisions_report.py` and the journal tests read.

extension HoldoutMetrics {
    /// `holdout.examples|accuracy|log_loss` and the live version's as `holdout.live_…`.
    var journalNumbers: [String: Double] {
        var out = candidate.journalNumbers(prefix: "holdout.")
        if let live { out.merge(live.journalNumbers(prefix: "holdout.live_")) { a, _ in a } }
        return out
    }
}

extension PrequentialSummary {
    /// `prequential.examples|accuracy|log_loss`, `prequential.window` and the window's as `prequential.window_…`.
    var journalNumbers: [String: Double] {
        var out = cumulative.journalNumbers(prefix: "prequential.")
        out.merge(windowed.journalNumbers(prefix: "prequential.window_")) { a, _ in a }
        out["prequential.window"] = Double(window)
        return out
    }
}

extension MetricValues {
    fileprivate func journalNumbers(prefix: String) -> [String: Double] {
        var out = [prefix + "examples": Double(count)]
        out[prefix + "accuracy"] = accuracy
        out[prefix + "log_loss"] = logLoss
        return out
    }
}
