import Foundation
import Yams

/// Reads typed values out of a composed YAML tree while collecting every problem.
///
/// Values are read through ``Section``s (one per YAML mapping). A section remembers which
/// keys were asked for; ``finish(_:)`` reports every other key as unknown, with a
/// suggestion when a known key is a likely typo. Absent keys and explicit nulls keep the
/// caller's default, so a pipeline file only states what differs from the defaults.
final class ConfigReader {
    /// A YAML mapping under a key path.
    struct Section {
        let path: String
        let line: Int?
        fileprivate(set) var entries: [(key: String, line: Int?, value: Node)] = []
        fileprivate(set) var asked: [String] = []

        func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    let environment: [String: String]
    private(set) var issues: [PipelineConfigError.Issue] = []
    /// Every key path asked for (present or not): the schema, as the decoder knows it.
    private(set) var askedPaths: [String] = []
    /// Every key path present in the document.
    private(set) var presentPaths: [String] = []

    init(environment: [String: String]) {
        self.environment = environment
    }

    // MARK: Problems

    func fail(_ path: String, _ line: Int?, _ message: String) {
        issues.append(.init(path: path, line: line, message: message))
    }

    // MARK: Sections

    /// Opens the mapping `node` at `path`; `nil` (and an issue) when it is not a mapping.
    func section(_ node: Node?, path: String) -> Section? {
        guard let node, !isNull(node) else { return Section(path: path, line: nil) }
        guard case .mapping(let mapping) = node else {
            fail(path, line(of: node), "expected a mapping of keys, got \(describe(node))")
            return nil
        }
        var section = Section(path: path, line: line(of: node))
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                fail(path, line(of: key), "keys must be plain strings, got \(describe(key))")
                continue
            }
            section.entries.append((scalar.string, scalar.mark?.line, value))
            presentPaths.append(section.child(scalar.string))
        }
        return section
    }

    /// The node under `key`, marking it known; `nil` when absent or null.
    func take(_ section: inout Section, _ key: String) -> Node? {
        section.asked.append(key)
        askedPaths.append(section.child(key))
        guard let entry = section.entries.first(where: { $0.key == key }), !isNull(entry.value) else {
            return nil
        }
        return entry.value
    }

    /// A nested section under `key` (empty when absent).
    func subsection(_ section: inout Section, _ key: String) -> Section? {
        self.section(take(&section, key), path: section.child(key))
    }

    /// Reports keys of `section` that were never asked for.
    func finish(_ section: Section) {
        for entry in section.entries where !section.asked.contains(entry.key) {
            var message = "unknown key"
            if let guess = closest(to: entry.key, among: section.asked) {
                message += " (did you mean `\(guess)`?)"
            }
            let known = section.asked.joined(separator: ", ")
            message += "; known keys here: \(known)"
            fail(section.child(entry.key), entry.line, message)
        }
    }

    // MARK: Scalars

    /// Reads an integer; keeps `value` when absent; reports wrong types and failed checks.
    func int(_ section: inout Section, _ key: String, into value: inout Int, _ check: Check<Int>? = nil) {
        guard let node = take(&section, key) else { return }
        let path = section.child(key)
        guard case .scalar(let scalar) = node, let parsed = Int(scalar.string.replacingOccurrences(of: "_", with: "")) else {
            fail(path, line(of: node), "expected an integer, got \(describe(node))")
            return
        }
        if let problem = check?.problem(parsed) {
            fail(path, line(of: node), problem)
            return
        }
        value = parsed
    }

    /// Reads a finite number (integers accepted).
    func double(_ section: inout Section, _ key: String, into value: inout Double, _ check: Check<Double>? = nil) {
        guard let node = take(&section, key) else { return }
        let path = section.child(key)
        guard case .scalar = node, let parsed = node.float ?? node.int.map(Double.init) else {
            fail(path, line(of: node), "expected a number, got \(describe(node))")
            return
        }
        guard parsed.isFinite else {
            fail(path, line(of: node), "must be a finite number, got \(describe(node))")
            return
        }
        if let problem = check?.problem(parsed) {
            fail(path, line(of: node), problem)
            return
        }
        value = parsed
    }

    /// Reads `true`/`false`.
    func bool(_ section: inout Section, _ key: String, into value: inout Bool) {
        guard let node = take(&section, key) else { return }
        guard case .scalar = node, let parsed = node.bool else {
            fail(section.child(key), line(of: node), "expected true or false, got \(describe(node))")
            return
        }
        value = parsed
    }

    /// Reads a string scalar (numbers and booleans are taken as written).
    func string(_ section: inout Section, _ key: String, into value: inout String, _ check: Check<String>? = nil) {
        guard let node = take(&section, key) else { return }
        let path = section.child(key)
        guard case .scalar(let scalar) = node else {
            fail(path, line(of: node), "expected a string, got \(describe(node))")
            return
        }
        if let problem = check?.problem(scalar.string) {
            fail(path, line(of: node), problem)
            return
        }
        value = scalar.string
    }

    /// Reads one of an enumeration's raw values.
    func choice<E: RawRepresentable & CaseIterable>(_ section: inout Section, _ key: String, into value: inout E)
    where E.RawValue == String {
        guard let node = take(&section, key) else { return }
        let allowed = E.allCases.map(\.rawValue)
        guard case .scalar(let scalar) = node, let parsed = E(rawValue: scalar.string) else {
            fail(section.child(key), line(of: node),
                 "must be one of \(allowed.joined(separator: ", ")), got \(describe(node))")
            return
        }
        value = parsed
    }

    /// Reads a list of string scalars; a single scalar counts as a one-element list
    /// (and, when `commaSeparated`, is split at commas).
    func stringList(_ section: inout Section, _ key: String, into value: inout [String],
                    commaSeparated: Bool = false) -> Int? {
        guard let node = take(&section, key) else { return nil }
        let path = section.child(key)
        switch node {
        case .scalar(let scalar):
            let parts = commaSeparated ? scalar.string.split(separator: ",").map(String.init) : [scalar.string]
            value = parts.map { $0.trimmingCharacters(in: .whitespaces) }
        case .sequence(let sequence):
            var items: [String] = []
            for (index, item) in sequence.enumerated() {
                guard case .scalar(let scalar) = item else {
                    fail("\(path)[\(index)]", line(of: item), "expected a string, got \(describe(item))")
                    continue
                }
                items.append(scalar.string)
            }
            value = items
        default:
            fail(path, line(of: node), "expected a list of strings, got \(describe(node))")
        }
        return line(of: node)
    }

    // MARK: Helpers

    func line(of node: Node) -> Int? { node.mark?.line }

    func isNull(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.style == .plain, node.null != nil { return true }
        return false
    }

    /// A short quotation of a node for messages.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            return scalar.style == .plain ? scalar.string : "\"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// A validation rule for one setting, phrased as the reason shown to the user.
struct Check<Value>: Sendable where Value: Sendable {
    let problem: @Sendable (Value) -> String?
}

extension Check where Value == Double {
    static func greater(than bound: Double) -> Check {
        Check { $0 > bound ? nil : "must be > \(formatSetting(bound)), got \(formatSetting($0))" }
    }
    static func atLeast(_ bound: Double) -> Check {
        Check { $0 >= bound ? nil : "must be ≥ \(formatSetting(bound)), got \(formatSetting($0))" }
    }
    /// `0 < x ≤ Float.greatestFiniteMagnitude`: a value the model computes with as a Float, where
    /// a larger Double is +inf (a weight or learning rate of 1e39 would make every loss infinite).
    static var positiveFloat: Check {
        Check { value in
            guard value > 0 else { return "must be > 0, got \(formatSetting(value))" }
            guard value <= Double(Float.greatestFiniteMagnitude) else {
                return "must be at most \(Float.greatestFiniteMagnitude) (the largest Float; the model computes in Float), got \(formatSetting(value))"
            }
            return nil
        }
    }
    /// `lower ≤ x < upper` (or `≤ upper` when `closedUpper`); `openLower` makes it `lower < x`.
    static func range(_ lower: Double, _ upper: Double, openLower: Bool = false, closedUpper: Bool = false) -> Check {
        Check { value in
            let lowerOK = openLower ? value > lower : value >= lower
            let upperOK = closedUpper ? value <= upper : value < upper
            if lowerOK && upperOK { return nil }
            let left = openLower ? "(" : "["
            let right = closedUpper ? "]" : ")"
            return "must be in \(left)\(formatSetting(lower)), \(formatSetting(upper))\(right), got \(formatSetting(value))"
        }
    }
}

extension Check where Value == Int {
    static func atLeast(_ bound: Int) -> Check {
        Check { $0 >= bound ? nil : "must be ≥ \(bound), got \($0)" }
    }
    static func range(_ range: ClosedRange<Int>) -> Check {
        Check { range.contains($0) ? nil : "must be in \(range.lowerBound)...\(range.upperBound), got \($0)" }
    }
}

extension Check where Value == String {
    static var nonEmpty: Check { Check { $0.isEmpty ? "must not be empty" : nil } }
}

/// The asked key closest to `key` by edit distance, if close enough to be a typo.
private func closest(to key: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(key, $0)) }.min { $0.1 < $1.1 }
    guard let (best, distance) = scored, distance <= max(2, key.count / 3) else { return nil }
    return best
}

private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
