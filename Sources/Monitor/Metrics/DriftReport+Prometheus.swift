extension DriftReport {
    /// Appends this report's metrics (all labelled `adapter="<name>"`) to an exposition.
    ///
    /// Several adapters' reports can go into one `PrometheusText`; samples of a family stay
    /// together. Statistics that are not computable yet are omitted rather than exported as 0,
    /// so an alert rule never fires on a warming-up adapter.
    ///
    /// Families: `streamlora_drift_examples_total`, `…_reference_examples`, `…_current_examples`,
    /// `…_label_js_divergence`, `…_label_psi`, `…_label_p_value`, `…_input_psi{feature}`,
    /// `…_input_p_value{feature}` (Holm-adjusted),
    /// `…_detections_total{detector,signal}`, `…_detector_estimation{detector,signal}`,
    /// `…_detector_width{detector,signal}`, `…_last_detection_index{detector,signal}`,
    /// `…_severity{scope}` (0 ok, 1 warn, 2 alert).
    package func appendMetrics(to text: inout PrometheusText) throws {
        let a = ["adapter": adapter]
        try text.counter("streamlora_drift_examples_total", help: "Examples observed by the drift monitor.",
                         labels: a, value: Double(examplesSeen))
        try text.gauge("streamlora_drift_reference_examples", help: "Examples in the drift reference window.",
                       labels: a, value: Double(reference.examples))
        try text.gauge("streamlora_drift_current_examples", help: "Examples in the sliding current window.",
                       labels: a, value: Double(currentExamples))
        if let label {
            try text.gauge("streamlora_drift_label_js_divergence",
                           help: "Jensen-Shannon divergence (base 2) of the label distribution, reference vs current.",
                           labels: a, value: label.jsDivergence)
            try text.gauge("streamlora_drift_label_psi",
                           help: "Population stability index of the label distribution, reference vs current.",
                           labels: a, value: label.psi)
            if let p = label.pValue {
                try text.gauge("streamlora_drift_label_p_value",
                               help: "p-value of the G-test of label homogeneity, reference vs current.",
                               labels: a, value: p)
            }
        }
        for f in input?.features ?? [] {
            try text.gauge("streamlora_drift_input_psi",
                           help: "Population stability index of an input feature, reference vs current.",
                           labels: a.merging(["feature": f.feature]) { $1 }, value: f.psi)
        }
        for f in input?.features ?? [] {
            guard let p = f.adjustedPValue else { continue }
            try text.gauge("streamlora_drift_input_p_value",
                           help: "Holm-adjusted p-value of the G-test of an input feature's bins, reference vs current.",
                           labels: a.merging(["feature": f.feature]) { $1 }, value: p)
        }
        for d in concept.detectors {
            let l = a.merging(["detector": d.name, "signal": d.signal]) { $1 }
            try text.counter("streamlora_drift_detections_total", help: "Concept drift detections.",
                             labels: l, value: Double(d.detections))
            try text.gauge("streamlora_drift_detector_estimation",
                           help: "Detector mean estimate of the monitored signal.", labels: l, value: d.estimation)
            try text.gauge("streamlora_drift_detector_width",
                           help: "Values in the detector window (ADWIN) or since its reset (Page-Hinkley).",
                           labels: l, value: Double(d.width))
            if let last = d.lastDetectionIndex {
                try text.gauge("streamlora_drift_last_detection_index",
                               help: "Stream index of the detector's last detection.", labels: l, value: Double(last))
            }
        }
        let scopes: [(String, DriftSeverity)] = [
            ("label", label?.severity ?? .ok), ("input", input?.severity ?? .ok),
            ("concept", concept.severity), ("overall", severity),
        ]
        for (scope, s) in scopes {
            try text.gauge("streamlora_drift_severity", help: "Drift severity: 0 ok, 1 warn, 2 alert.",
                           labels: a.merging(["scope": scope]) { $1 }, value: Double(s.level))
        }
    }
}
