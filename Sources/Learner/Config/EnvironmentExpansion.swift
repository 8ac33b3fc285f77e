/// `${NAME}` references in pipeline values, resolved from the environment.
///
/// Secrets (SASL passwords, SSL key passphrases) must not be committed in pipeline files,
/// so values may say `${SASL_PASSWORD}`. `$$` stands for a literal `$`; a `$` followed by
/// anything else is kept as is. An unset variable is an error naming it — silently
/// connecting with an empty password would fail far from the cause.
enum EnvironmentExpansion {
    /// Why a value could not be expanded.
    enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// `${NAME}` where `NAME` is not set.
        case unset(String)
        /// `${` without a closing brace, or an invalid variable name.
        case malformed(String)

        var description: String {
            switch self {
            case .unset(let name): return "environment variable \(name) is not set"
            case .malformed(let detail): return "malformed ${…} reference: \(detail)"
            }
        }
    }

    /// Expands every `${NAME}` in `text`.
    /// - Throws: ``Failure`` naming the first unset variable or malformed reference.
    static func expand(_ text: String, environment: [String: String]) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let after = rest.index(after: dollar)
            if after < rest.endIndex, rest[after] == "$" {
                result += "$"
                rest = rest[rest.index(after: after)...]
            } else if after < rest.endIndex, rest[after] == "{" {
                let nameStart = rest.index(after: after)
                guard let close = rest[nameStart...].firstIndex(of: "}") else {
                    throw .malformed("no closing } after \"\(rest[dollar...])\"")
                }
                let name = String(rest[nameStart..<close])
                guard isVariableName(name) else {
                    throw .malformed("\"\(name)\" is not a variable name")
                }
                guard let value = environment[name] else { throw .unset(name) }
                result += value
                rest = rest[rest.index(after: close)...]
            } else {
                result += "$"
                rest = rest[after...]
            }
        }
        result += rest
        return result
    }

    /// Whether `name` is a POSIX-style variable name (`[A-Za-z_][A-Za-z0-9_]*`).
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        func isLetter(_ s: Unicode.Scalar) -> Bool { (s >= "A" && s <= "Z") || (s >= "a" && s <= "z") || s == "_" }
        return isLetter(first) && name.unicodeScalars.allSatisfy { isLetter($0) || ($0 >= "0" && $0 <= "9") }
    }
}
