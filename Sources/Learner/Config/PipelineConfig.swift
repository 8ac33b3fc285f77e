import Foundation
import Yams

/// One pipeline: where examples come from, how the adapter learns, and when versions
/// are snapshotted, promoted and rolled back. Decoded from `pipelines/<name>.yaml`.
///
/// Every setting has a default (``PipelineConfig/init(name:)``), so a file states only
/// what differs; `pipelines/template.yaml` documents every key. Loading validates all
/// values and cross-field constraints, and reports every problem at once as a
/// ``PipelineConfigError`` naming file, line, key path and reason.
package struct PipelineConfig: Sendable, Equatable {
    /// Pipeline name (letters, digits, `.`, `_`, `-`); defaults to the file's base name.
    package var name: String
    package var kafka = KafkaSettings()
    package var model = ModelSettings()
    package var training = TrainingSettings()
    package var holdout = HoldoutSettings()
    package var metrics = MetricsSettings()
    package var snapshot = SnapshotSettings()
    package var gate = GateSettings()
    package var rollback = RollbackSettings()
    package var drift = DriftSettings()
    package var registry = RegistrySettings()
    package var server = ServerSettings()
    package var routing = RoutingSettings()
    package var residency = ResidencySettings()

    /// A pipeline with every setting at its default.
    package init(name: String = "default") {
        self.name = name
    }

    /// Loads and validates a pipeline file.
    /// - Parameters:
    ///   - url: the YAML file.
    ///   - environment: variables for `${NAME}` references (defaults to the process environment).
    /// - Throws: ``PipelineConfigError`` listing every problem, including an unreadable file.
    package static func load(
        contentsOf url: URL,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PipelineConfigError) -> PipelineConfig {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw PipelineConfigError(file: url.path, issues: [
                .init(path: "", line: nil, message: "cannot read the file: \(error.localizedDescription)"),
            ])
        }
        let defaultName = url.deletingPathExtension().lastPathComponent
        return try parse(yaml: text, file: url.path, defaultName: defaultName, environment: environment,
                         directory: url.deletingLastPathComponent())
    }

    /// Parses and validates pipeline YAML.
    /// - Parameters:
    ///   - yaml: the document.
    ///   - file: the name used in error messages.
    ///   - defaultName: `name` when the document has none.
    ///   - environment: variables for `${NAME}` references.
    ///   - directory: the pipeline file's directory: a relative `model.path` or `registry.path`
    ///     written in the document is taken relative to it (so a pipeline means the same from any
    ///     working directory); paths left at their defaults stay relative to the working directory.
    /// - Throws: ``PipelineConfigError`` listing every problem.
    package static func parse(
        yaml: String,
        file: String,
        defaultName: String = "default",
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: URL? = nil
    ) throws(PipelineConfigError) -> PipelineConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw PipelineConfigError(file: file, issues: [yamlIssue(error)])
        }
        let reader = ConfigReader(environment: environment)
        var config = PipelineConfig(name: defaultName)
        config.decode(root, reader: reader)
        if let directory {
            let written = Set(reader.presentPaths)
            func resolve(_ path: inout String, _ key: String) {
                guard written.contains(key), !path.hasPrefix("/") else { return }
                path = lexicallyJoined(directory.path, path)
            }
            resolve(&config.model.path, "model.path")
            resolve(&config.registry.path, "registry.path")
        }
        if reader.issues.isEmpty {
            config.validateCrossField(reader: reader)
        }
        guard reader.issues.isEmpty else {
            // Report in document order; issues without a line (cross-field checks) last.
            let ordered = reader.issues.enumerated().sorted { a, b in
                (a.element.line ?? .max, a.offset) < (b.element.line ?? .max, b.offset)
            }.map(\.element)
            throw PipelineConfigError(file: file, issues: ordered)
        }
        return config
    }

    /// Key paths the decoder knows and key paths present in `yaml` (for documentation checks).
    static func keyCoverage(yaml: String) throws -> (known: Set<String>, present: Set<String>) {
        let reader = ConfigReader(environment: [:])
        var config = PipelineConfig()
        config.decode(try Yams.compose(yaml: yaml), reader: reader)
        return (Set(reader.askedPaths), Set(reader.presentPaths))
    }

    private static func yamlIssue(_ error: any Error) -> PipelineConfigError.Issue {
        guard let yamlError = error as? YamlError else {
            return .init(path: "", line: nil, message: "not valid YAML: \(error)")
        }
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return .init(path: "", line: mark.line, message: "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .init(path: "", line: context.mark.line,
                         message: "duplicate key \(duplicates.joined(separator: ", ")) in a mapping")
        default:
            return .init(path: "", line: nil, message: "not valid YAML: \(yamlError)")
        }
    }
}

/// `base/relative` with `.` and `..` removed by the text alone (not by resolving symbolic links:
/// `../models` next to a symlinked `models` names the link, as the user wrote it).
func lexicallyJoined(_ base: String, _ relative: String) -> String {
    var parts: [Substring] = []
    for part in (base + "/" + relative).split(separator: "/") {
        switch part {
        case ".": continue
        case "..": _ = parts.popLast()
        default: parts.append(part)
        }
    }
    return "/" + parts.joined(separator: "/")
}
