/// A Prometheus text exposition (format 0.0.4) builder: gauges, counters and histograms with labels,
/// `# HELP` / `# TYPE` lines, escaping as the format specifies.
///
/// Samples are grouped by metric family in first-registration order (the format requires all
/// samples of a family to be contiguous); labels are written sorted by name, so output is
/// deterministic and testable byte for byte. Serve the result with
/// `Content-Type: text/plain; version=0.0.4; charset=utf-8` (`PrometheusText.contentType`).
package struct PrometheusText: Sendable {
    /// The HTTP content type for the rendered text.
    package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Metric kinds this renderer writes.
    package enum MetricType: String, Sendable, Codable {
        case gauge, counter, histogram, untyped
    }

    /// One sample line: a label set and a value.
    package struct Sample: Sendable, Equatable {
        /// Appended to the family name: `_bucket`, `_sum`, `_count` for a histogram, else empty.
        package var suffix: String = ""
        package var labels: [String: String]
        package var value: Double
    }

    /// A metric family: name, help, type and its samples.
    package struct Family: Sendable {
        let name: String
        let help: String
        let type: MetricType
        fileprivate(set) var samples: [Sample]
    }

    /// Why a metric could not be added.
    package enum Error: Swift.Error, Equatable, CustomStringConvertible {
        case invalidMetricName(String)
        case invalidLabelName(metric: String, label: String)
        case conflictingDefinition(metric: String)

        package var description: String {
            switch self {
            case .invalidMetricName(let n):
                "invalid Prometheus metric name '\(n)' (must match [a-zA-Z_:][a-zA-Z0-9_:]*)"
            case .invalidLabelName(let m, let l):
                "invalid label name '\(l)' on metric '\(m)' (must match [a-zA-Z_][a-zA-Z0-9_]*, not start with __)"
            case .conflictingDefinition(let m):
                "metric '\(m)' registered twice with a different type or help text"
            }
        }
    }

    package private(set) var families: [Family] = []
    private var indexByName: [String: Int] = [:]

    package init() {}

    /// Adds a gauge sample (a value that can go up and down).
    package mutating func gauge(_ name: String, help: String, labels: [String: String] = [:], value: Double) throws {
        try add(name, type: .gauge, help: help, labels: labels, value: value)
    }

    /// Adds a counter sample (monotonic; by convention the name ends in `_total`).
    package mutating func counter(_ name: String, help: String, labels: [String: String] = [:], value: Double) throws {
        try add(name, type: .counter, help: help, labels: labels, value: value)
    }

    /// Adds a sample to family `name`, creating the family on first use.
    /// - Throws: `PrometheusText.Error` for an invalid metric or label name, or when `name`
    ///   already exists with a different type or help.
    package mutating func add(_ name: String, type: MetricType, help: String,
                             labels: [String: String], value: Double) throws {
        guard Self.isValidMetricName(name) else { throw Error.invalidMetricName(name) }
        for label in labels.keys where !Self.isValidLabelName(label) {
            throw Error.invalidLabelName(metric: name, label: label)
        }
        try add(name, type: type, help: help, samples: [Sample(labels: labels, value: value)])
    }

    /// Adds samples to family `name` (already validated label names), creating it on first use.
    mutating func add(_ name: String, type: MetricType, help: String, samples: [Sample]) throws {
        if let i = indexByName[name] {
            guard families[i].type == type, families[i].help == help else {
                throw Error.conflictingDefinition(metric: name)
            }
            families[i].samples += samples
        } else {
            indexByName[name] = families.count
            families.append(Family(name: name, help: help, type: type, samples: samples))
        }
    }

    /// The exposition text, ending with a newline (empty string when there are no metrics).
    package func render() -> String {
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for sample in family.samples {
                out += family.name + sample.suffix
                if !sample.labels.isEmpty {
                    let pairs = sample.labels.sorted { $0.key < $1.key }
                        .map { "\($0.key)=\"\(Self.escapeLabelValue($0.value))\"" }
                    out += "{" + pairs.joined(separator: ",") + "}"
                }
                out += " " + Self.formatValue(sample.value) + "\n"
            }
        }
        return out
    }
}

extension PrometheusText {
    /// HELP text escaping: backslash and line feed.
    static func escapeHelp(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Label value escaping: backslash, double quote and line feed.
    static func escapeLabelValue(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Go-client style values: `NaN`, `+Inf`, `-Inf`; integral values without a decimal point;
    /// otherwise Swift's shortest round-tripping representation (e.g. `0.1`, `1e-05`).
    static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isLetterOrUnderscore(first) || first == ":" else { return false }
        return name.unicodeScalars.allSatisfy { isLetterOrUnderscore($0) || isDigit($0) || $0 == ":" }
    }

    static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, isLetterOrUnderscore(first), !name.hasPrefix("__") else {
            return false
        }
        return name.unicodeScalars.allSatisfy { isLetterOrUnderscore($0) || isDigit($0) }
    }

    private static func isLetterOrUnderscore(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_"
    }

    private static func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
}
