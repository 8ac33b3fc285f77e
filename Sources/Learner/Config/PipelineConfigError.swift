/// Everything wrong with a pipeline file, reported at once.
///
/// Each issue names the file, the line when known, the key path (`training.lr`) and the
/// reason (`must be > 0, got -1`), so a user can fix every mistake in one edit instead of
/// discovering them one restart at a time.
public struct PipelineConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One problem at one key.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// Dotted key path, e.g. `training.replay.share`; empty for whole-file problems.
        public let path: String
        /// 1-based line in the file, when known.
        public let line: Int?
        /// Why the value is wrong, quoting it.
        public let message: String

        public init(path: String, line: Int?, message: String) {
            self.path = path
            self.line = line
            self.message = message
        }

        public var description: String {
            path.isEmpty ? message : "\(path): \(message)"
        }
    }

    /// The pipeline file (as given by the caller).
    public let file: String
    /// All problems found, in document order.
    public let issues: [Issue]

    public init(file: String, issues: [Issue]) {
        self.file = file
        self.issues = issues
    }

    /// One line per issue: `file:line: path: message`.
    public var lines: [String] {
        issues.map { issue in
            let location = issue.line.map { "\(file):\($0)" } ?? file
            return "\(location): \(issue)"
        }
    }

    public var description: String {
        let count = issues.count == 1 ? "1 error" : "\(issues.count) errors"
        return "invalid pipeline \(file) (\(count)):\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }
}
