/// One sample of a Prometheus text exposition (`name{label="value",…} 42`), as `GET /metrics`
/// serves it. Lets a client read counters that `/v1/status` does not carry (snapshots,
/// promotions, rejections, rollbacks per adapter).
package struct MetricSample: Sendable, Equatable {
    package var name: String
    package var labels: [String: String]
    package var value: Double

    init(name: String, labels: [String: String] = [:], value: Double) {
        self.name = name
        self.labels = labels
        self.value = value
    }

    /// Parses exposition format 0.0.4: comment lines are skipped; a timestamp after the value
    /// is ignored; label values may contain `\\`, `\"` and `\n` escapes.
    /// - Throws: `MetricParseError` naming the line that is not a sample.
    static func parse(_ text: String) throws(MetricParseError) -> [MetricSample] {
        var samples: [MetricSample] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let sample = parseLine(Substring(line)) else {
                throw MetricParseError(line: index + 1, text: String(line.prefix(120)))
            }
            samples.append(sample)
        }
        return samples
    }

    private static func parseLine(_ line: Substring) -> MetricSample? {
        var rest = line[...]
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard !name.isEmpty else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while true {
                rest = rest.drop { $0 == " " || $0 == "," }
                if rest.first == "}" { rest = rest.dropFirst(); break }
                let key = rest.prefix { $0 != "=" && $0 != "}" }
                rest = rest.dropFirst(key.count)
                guard !key.isEmpty, rest.first == "=" else { return nil }
                rest = rest.dropFirst()
                guard rest.first == "\"" else { return nil }
                rest = rest.dropFirst()
                var value = ""
                var closed = false
                while let c = rest.first {
                    rest = rest.dropFirst()
                    if c == "\"" { closed = true; break }
                    if c == "\\", let next = rest.first {
                        rest = rest.dropFirst()
                        value.append(next == "n" ? "\n" : next)
                    } else {
                        value.append(c)
                    }
                }
                guard closed else { return nil }
                labels[String(key.trimmingCharacters(in: " "))] = value
            }
        }
        let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let first = fields.first, let value = number(first) else { return nil }
        return MetricSample(name: String(name), labels: labels, value: value)
    }

    private static func number(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(text)
        }
    }
}

extension Array where Element == MetricSample {
    /// The value of the first sample named `name` whose labels include `labels`.
    package func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }

    /// The sum over every sample of `name` whose labels include `labels` (e.g. all `cause`s of one
    /// adapter's promotions), or nil when there is none.
    package func sum(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let matching = filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.isEmpty ? nil : matching.reduce(0) { $0 + $1.value }
    }
}

/// A `/metrics` line that is not a Prometheus sample.
struct MetricParseError: Error, Sendable, Equatable, CustomStringConvertible {
    var line: Int
    var text: String

    var description: String { "metrics line \(line) is not a Prometheus sample: '\(text)'" }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return s
    }
}
