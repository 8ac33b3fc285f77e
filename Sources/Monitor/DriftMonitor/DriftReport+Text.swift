import Foundation

extension DriftReport {
    /// A compact human summary for `streamlora drift` (scripts use `--json`):
    ///
    ///     sentiment: ALERT  examples 2400  reference frozen 400/400 at #399  current 300/300
    ///       label    ALERT  G 41.20 df 3 p 1.2e-08 < 0.001  js 0.1250  psi 2.5000  new [spam]  missing [neg]
    ///       input    WARN   token_length psi 0.0500 p 0.41 ok, projection_0 psi 0.2000 p 0.004 warn (Holm)
    ///       concept  ALERT  adwin/error 2 (last #1599: 0.2100 > 0.1300, est 0.3750, width 768) warn; …
    var textSummary: String {
        var lines: [String] = []
        var head = "\(adapter): \(severity.tag)  examples \(examplesSeen)  reference \(reference.state) "
            + "\(reference.examples)/\(reference.target)"
        if let at = reference.frozenAtIndex { head += " at #\(at)" }
        head += "  current \(currentExamples)/\(currentCapacity)"
        lines.append(head)

        if let label {
            var line = "  label    \(label.severity.tag)  "
            if let test = label.test {
                line += "G \(String(format: "%.2f", test.statistic)) df \(test.degreesOfFreedom) p \(pValue(test.pValue))"
                if let threshold = label.threshold { line += " \(test.pValue < threshold ? "<" : "≥") \(pValue(threshold))" }
                line += "  "
            }
            line += "js \(fixed(label.jsDivergence))  psi \(fixed(label.psi))"
            if !label.newLabels.isEmpty { line += "  new [\(label.newLabels.joined(separator: ", "))]" }
            if !label.missingLabels.isEmpty { line += "  missing [\(label.missingLabels.joined(separator: ", "))]" }
            lines.append(line)
        } else {
            lines.append("  label    -      (waiting for data)")
        }

        if let input {
            let parts = input.features.map { f in
                "\(f.feature) psi \(fixed(f.psi))" + (f.adjustedPValue.map { " p \(pValue($0))" } ?? "") + " \(f.severity.rawValue)"
            }
            lines.append("  input    \(input.severity.tag)  " + parts.joined(separator: ", ") + " (Holm)")
        } else {
            lines.append("  input    -      (waiting for data)")
        }

        let parts = concept.detectors.map { d in
            var s = "\(d.name)/\(d.signal) \(d.detections) ("
            if let alarm = d.lastAlarm {
                s += "last #\(alarm.index): \(fixed(alarm.statistic)) > \(fixed(alarm.threshold)), "
            } else if let last = d.lastDetectionIndex {
                s += "last #\(last), "
            }
            return s + "est \(fixed(d.estimation)), width \(d.width)) \(d.severity.rawValue)"
        }
        let warming = concept.warm == false ? " (warming up)" : ""
        lines.append("  concept  \(concept.severity.tag)  " + parts.joined(separator: "; ") + warming)
        return lines.joined(separator: "\n")
    }

    private func fixed(_ v: Double) -> String { String(format: "%.4f", v) }
    private func pValue(_ p: Double) -> String { p < 0.001 ? String(format: "%.1e", p) : String(format: "%.3f", p) }
}

extension DriftSeverity {
    /// Upper-case, padded to five characters so summary columns line up.
    var tag: String {
        switch self {
        case .ok: "OK   "
        case .warn: "WARN "
        case .alert: "ALERT"
        }
    }
}
