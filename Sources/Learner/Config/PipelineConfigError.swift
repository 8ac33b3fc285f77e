/// Everything wrong with a pipeline file, reported at once.
///
/// Each issue names the file, the line when known, the key path (`training.lr`) and the
/// reason (`must be > 0, got -1`), so a user can fix every mistake in one edit instead of
/// discovering them one restart at a time.
package struct PipelineConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One problem at one key.
    struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// Dotted key path, e.g. `training.replay.share`; empty for whole-file problems.
        let path: String
        /// 1-based line in the file, when known.
        let line: Int?
        /// Why the value is wrong, quoting it.
        let message: String

        init(path: String, line: Int?, message: String) {
            self.path = path
            self.line = line
            self.message = message
        }

        var description: String {
            path.isEmpty ? message : "\(path): \(message)"
        }
    }

    /// The pipeline file (as given by the caller).
    let file: String
    /// All problems found, in document order.
    let issues: [Issue]

    init(file: String, issues: [Issue]) {
        self.file = file
        self.issues = issues
    }

    /// One line per issue: `file:line: path: message`.
    var lines: [String] {
        issues.map { issue in
            let location = issue.line.map { "\(file):\($0)" } ?? file
            return "\(location): \(issue)"
        }
    }

    package var description: String {
        let count = issues.count == 1 ? "1 error" : "\(issues.count) errors"
        return "invalid pipeline \(file) (\(count)):\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }
}
