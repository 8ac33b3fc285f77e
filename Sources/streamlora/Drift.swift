import API
import ArgumentParser
import Foundation
import Monitor
import Server

/// `streamlora drift`: the drift monitors of a running agent (`GET /v1/drift`), one table per
/// adapter with every statistic and detector, its value, its thresholds and whether it fired.
struct Drift: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Show a running agent's label, input and concept drift per adapter.",
        discussion: """
        Label drift is the Jensen-Shannon divergence and PSI of the label distribution (reference \
        window vs current window); input drift is PSI per input feature (token length, OOV rate, \
        embedding projections); concept drift is ADWIN and Page-Hinkley on the prequential error \
        and loss. The agent is found at --url, else $STREAMLORA_URL, else \
        \(ControlPlaneClient.defaultURL). With --json the server's /v1/drift document is printed \
        unchanged.
        """
    )

    @OptionGroup var agent: AgentOptions

    @Option(name: .long, help: "Only this adapter.")
    var adapter: String?

    @Flag(name: .long, help: "Print the server's JSON (GET /v1/drift) unchanged.")
    var json = false

    func run() async throws {
        let client = try agent.client()
        let fetched = try await client.get(DriftList.self, ControlPlaneClient.driftPath(adapter: adapter))
        if json {
            printBody(fetched.response)
        } else if fetched.value.reports.isEmpty {
            print("no drift data yet at \(client.baseURL) (the agent has not seen any examples)")
        } else {
            print(fetched.value.reports.map(Self.render).joined(separator: "\n\n"))
        }
    }

    /// One adapter: a head line, then one row per statistic or detector.
    static func render(_ report: DriftReport) -> String {
        let t = report.thresholds
        var head = "\(report.adapter): \(report.severity.rawValue.uppercased())  examples \(report.examplesSeen)  "
            + "reference \(report.reference.state) \(report.reference.examples)/\(report.reference.target)"
        if let at = report.reference.frozenAtIndex { head += " at #\(at)" }
        head += "  current \(report.currentExamples)/\(report.currentCapacity)"

        var table = TextTable(header: ["KIND", "STATISTIC", "VALUE", "WARN", "ALERT", "FIRED", "SEVERITY"],
                              rightAligned: [2, 3, 4])
        var notes: [String] = []
        func statistic(_ kind: String, _ name: String, _ value: Double, warn: Double, alert: Double,
                       _ severity: DriftSeverity) {
            table.rows.append([kind, name, fixed(value), "≥ " + fixed(warn), "≥ " + fixed(alert),
                               severity == .ok ? "no" : "yes", severity.rawValue])
        }

        if let label = report.label {
            statistic("label", "js_divergence", label.jsDivergence, warn: t.jsWarn, alert: t.jsAlert,
                      t.severity(js: label.jsDivergence))
            statistic("label", "psi", label.psi, warn: t.psiWarn, alert: t.psiAlert, t.severity(psi: label.psi))
            if !label.newLabels.isEmpty { notes.append("new labels: " + label.newLabels.joined(separator: ", ")) }
            if !label.missingLabels.isEmpty {
                notes.append("labels gone from the current window: " + label.missingLabels.joined(separator: ", "))
            }
        } else {
            table.rows.append(["label", "js_divergence, psi", "-", "", "", "-", "waiting for data"])
        }

        if let input = report.input {
            for feature in input.features {
                statistic("input", feature.feature + " psi", feature.psi, warn: t.psiWarn, alert: t.psiAlert,
                          feature.severity)
            }
        } else {
            table.rows.append(["input", "psi", "-", "", "", "-", "waiting for data"])
        }

        for d in report.concept.detectors {
            var fired = d.detections == 0 ? "no" : "\(d.detections)×"
            if let last = d.lastDetectionIndex { fired += " last #\(last)" }
            if d.driftDetected { fired += " (now)" }
            table.rows.append(["concept", "\(d.name)/\(d.signal) mean", fixed(d.estimation),
                               "< \(t.conceptWarnSpan) ago", "< \(t.conceptAlertSpan) ago", fired, d.severity.rawValue])
        }

        var out = head + "\n" + table.render(indent: "  ")
        for note in notes { out += "\n  " + note }
        out += "\n  concept detectors: VALUE is the detector's running mean of the signal; "
            + "WARN/ALERT = a detection within that many examples"
        if report.skippedLosses > 0 || report.skippedEmbeddings > 0 {
            out += "\n  skipped: \(report.skippedLosses) non-finite losses, \(report.skippedEmbeddings) embeddings"
        }
        return out
    }
}
