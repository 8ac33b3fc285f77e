import API
import Foundation

/// Human-readable renderings of registry state for the CLI (aligned columns, `*` marks live).
/// Scripts use `--json`; these strings are for people and may change.
package enum RegistryText {
    /// A holdout metric a version table can show, by its name in `--metric`: `accuracy`,
    /// `log_loss`, or the live version's on the same examples, `live_accuracy`, `live_log_loss`.
    static func holdoutValue(_ name: String, of h: HoldoutMetrics) -> Double? {
        switch name {
        case "accuracy": h.accuracy
        case "log_loss": h.logLoss
        case "live_accuracy": h.live?.accuracy
        case "live_log_loss": h.live?.logLoss
        default: nil
        }
    }

    /// One row per version, oldest first.
    package static func versionTable(_ manifests: [Manifest], live: Version?, metric preferred: String? = nil) -> String {
        let metric = preferred ?? "accuracy"
        var rows = [["", "VERSION", "STATUS", "CREATED", "EXAMPLES", "HOLDOUT \(metric)", "PIN", "REASON"]]
        for m in manifests {
            rows.append([
                m.version == live ? "*" : "",
                m.version.name,
                m.status.rawValue,
                shortDate(m.createdAt),
                grouped(m.examplesTrained),
                m.holdoutMetrics.flatMap { holdoutValue(metric, of: $0) }.map { String(format: "%.4f", $0) } ?? "-",
                m.pinned ? "yes" : "",
                m.reason,
            ])
        }
        return table(rows, rightAligned: [4, 5])
    }

    /// Journal entries, oldest first.
    package static func journalTable(_ entries: [JournalEntry]) -> String {
        var rows = [["TIME", "EVENT", "VERSION", "FROM", "STATUS", "REASON"]]
        for e in entries {
            rows.append([shortDate(e.time), e.event.rawValue, e.version.name, e.previous?.name ?? "", e.status.rawValue, e.reason])
        }
        return table(rows, rightAligned: [])
    }

    /// A manifest as `key  value` lines, then the tensors.
    package static func details(_ loaded: LoadedAdapter, live: Version?) -> String {
        let m = loaded.manifest
        let c = loaded.snapshot.config
        var lines: [(String, String)] = [
            ("version", m.version.name + (m.version == live ? "  (LIVE)" : "")),
            ("status", m.status.rawValue + (m.pinned ? ", pinned" : "")),
            ("reason", m.reason),
            ("parent", m.parent?.name ?? "-"),
            ("created", RegistryJSON.formatDate(m.createdAt)),
            ("base model sha256", m.baseModelSHA256),
            ("labels", "\(m.labels.count): " + m.labels.joined(separator: ", ")),
            ("examples / steps", "\(grouped(m.examplesTrained)) / \(grouped(m.steps))"),
            ("trained ids", "count \(m.trainedIDs.count)"),
            ("lora", "r \(c.r), alpha \(formatNumber(c.loraAlpha)), dropout \(formatNumber(c.loraDropout)), targets \(c.targetModules.joined(separator: ",")), save \(c.modulesToSave.joined(separator: ","))"),
        ]
        for (topic, partitions) in m.offsets.topics.sorted(by: { $0.key < $1.key }) {
            let list = partitions.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }
            lines.append(("offsets \(topic)", list.joined(separator: " ")))
        }
        lines.append(("holdout", m.holdoutMetrics.map { h in
            metrics(h.candidate) + (h.live.map { "; live " + metrics($0) } ?? "")
        } ?? "-"))
        lines.append(("prequential", m.prequentialMetrics.map { p in
            metrics(p.cumulative) + "; window \(p.window): " + metrics(p.windowed)
        } ?? "-"))
        for (name, digest) in m.files.sorted(by: { $0.key < $1.key }) {
            lines.append((name, "\(digest.bytes) bytes, sha256 \(digest.sha256) (verified)"))
        }
        let width = lines.map(\.0.count).max() ?? 0
        var out = lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n")
        var rows = [["TENSOR", "SHAPE", "L2 NORM"]]
        for t in loaded.snapshot.tensors {
            let norm = t.data.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            rows.append([t.name, t.shape.map(String.init).joined(separator: "×"), String(format: "%.6g", norm)])
        }
        out += "\n\n" + table(rows, rightAligned: [2])
        return out
    }

    /// Per-tensor movement, then changed fields.
    package static func diff(_ d: AdapterDiff) -> String {
        var rows = [["TENSOR", "SHAPE", "L2(Δ)", "MAX|Δ|", "COSINE", "NORM \(d.from)", "NORM \(d.to)"]]
        for t in d.tensors {
            let shape = t.shapeFrom == t.shapeTo ? dims(t.shapeFrom) : "\(dims(t.shapeFrom))→\(dims(t.shapeTo))"
            rows.append([
                t.name, shape, t.l2.map { String(format: "%.6g", $0) } ?? "-", t.maxAbs.map { String(format: "%.6g", $0) } ?? "-",
                t.cosine.map { String(format: "%.6f", $0) } ?? "-", String(format: "%.6g", t.normFrom), String(format: "%.6g", t.normTo),
            ])
        }
        var out = "diff \(d.from) → \(d.to)\n" + table(rows, rightAligned: [2, 3, 4, 5, 6])
        for name in d.onlyInFrom { out += "\nonly in \(d.from): \(name)" }
        for name in d.onlyInTo { out += "\nonly in \(d.to): \(name)" }
        if !d.fields.isEmpty {
            var fieldRows = [["FIELD", d.from.name, d.to.name]]
            fieldRows += d.fields.map { [$0.field, $0.from, $0.to] }
            out += "\n\n" + table(fieldRows, rightAligned: [])
        }
        return out
    }

    /// Left-aligned columns separated by two spaces; trailing spaces trimmed.
    static func table(_ rows: [[String]], rightAligned: Set<Int>) -> String {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return rightAligned.contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    /// `2026-11-29 04:12:33` (UTC).
    static func shortDate(_ date: Date) -> String {
        String(RegistryJSON.formatDate(date).prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `examples 145, accuracy 0.8125, log_loss 0.4310`.
    private static func metrics(_ v: MetricValues) -> String {
        "examples \(v.count)" + [("accuracy", v.accuracy), ("log_loss", v.logLoss)].compactMap { name, value in
            value.map { ", \(name) " + String(format: "%.4f", $0) }
        }.joined()
    }

    private static func formatNumber(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(x)
    }

    private static func dims(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "×") }
}
