import Foundation

extension DriftReport {
    /// A compact human summary for `streamlora drift` (scripts use `--json`):
    ///
    ///     sentiment: ALERT  examples 2400  reference frozen 400/400 at #399  current 300/300
    ///       label    ALERT  js 0.1250  psi 2.5000  new [spam]  missing [neg]
    ///       input    WARN   token_length 0.0500 ok, projection_0 0.2000 warn
    ///       concept  ALERT  adwin/error 2 (last #1599, est 0.3750, width 768) warn; …
    public var textSummary: String {
        var lines: [String] = []
        var head = "\(adapter): \(severity.tag)  examples \(examplesSeen)  reference \(reference.state) "
            + "\(reference.examples)/\(reference.target)"
        if let at = reference.frozenAtIndex { head += " at #\(at)" }
        head += "  current \(currentExamples)/\(currentCapacity)"
        lines.append(head)

        if let label {
            var line = "  label    \(label.severity.tag)  js \(fixed(label.jsDivergence))  psi \(fixed(label.psi))"
            if !label.newLabels.isEmpty { line += "  new [\(label.newLabels.joined(separator: ", "))]" }
            if !label.missingLabels.isEmpty { line += "  missing [\(label.missingLabels.joined(separator: ", "))]" }
            lines.append(line)
        } else {
            lines.append("  label    -      (waiting for data)")
        }

        if let input {
            let parts = input.features.map { "\($0.feature) \(fixed($0.psi)) \($0.severity.rawValue)" }
            lines.append("  input    \(input.severity.tag)  " + parts.joined(separator: ", "))
        } else {
            lines.append("  input    -      (waiting for data)")
        }

        let parts = concept.detectors.map { d in
            var s = "\(d.name)/\(d.signal) \(d.detections) ("
            if let last = d.lastDetectionIndex { s += "last #\(last), " }
            return s + "est \(fixed(d.estimation)), width \(d.width)) \(d.severity.rawValue)"
        }
        lines.append("  concept  \(concept.severity.tag)  " + parts.joined(separator: "; "))
        return lines.joined(separator: "\n")
    }

    private func fixed(_ v: Double) -> String { String(format: "%.4f", v) }
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
