import Foundation
import Yams

/// One pipeline: where examples come from, how the adapter learns, and when versions
/// are snapshotted, promoted and rolled back. Decoded from `pipelines/<name>.yaml`.
///
/// Every setting has a default (``PipelineConfig/init(name:)``), so a file states only
/// what differs; `pipelines/template.yaml` documents every key. Loading validates all
/// values and cross-field constraints, and reports every problem at once as a
/// ``PipelineConfigError`` naming file, line, key path and reason.
public struct PipelineConfig: Sendable, Equatable {
    /// Pipeline name (letters, digits, `.`, `_`, `-`); defaults to the file's base name.
    public var name: String
    public var kafka = KafkaSettings()
    public var model = ModelSettings()
    public var training = TrainingSettings()
    public var holdout = HoldoutSettings()
    public var metrics = MetricsSettings()
    public var snapshot = SnapshotSettings()
    public var gate = GateSettings()
    public var rollback = RollbackSettings()
    public var drift = DriftSettings()
    public var registry = RegistrySettings()
    public var server = ServerSettings()
    public var routing = RoutingSettings()
    public var residency = ResidencySettings()

    /// A pipeline with every setting at its default.
    public init(name: String = "default") {
        self.name = name
    }

    /// Loads and validates a pipeline file.
    /// - Parameters:
    ///   - url: the YAML file.
    ///   - environment: variables for `${NAME}` references (defaults to the process environment).
    /// - Throws: ``PipelineConfigError`` listing every problem, including an unreadable file.
    public static func load(
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
        return try parse(yaml: text, file: url.path, defaultName: defaultName, environment: environment)
    }

    /// Parses and validates pipeline YAML.
    /// - Parameters:
    ///   - yaml: the document.
    ///   - file: the name used in error messages.
    ///   - defaultName: `name` when the document has none.
    ///   - environment: variables for `${NAME}` references.
    /// - Throws: ``PipelineConfigError`` listing every problem.
    public static func parse(
        yaml: String,
        file: String,
        defaultName: String = "default",
        environment: [String: String] = ProcessInfo.processInfo.environment
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
