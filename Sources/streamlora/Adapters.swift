import ArgumentParser
import Foundation
import Learner
import Registry

/// `streamlora adapters …`: inspect and steer the versioned adapter store (DESIGN §5, §7).
/// Read commands need no lock; every mutation takes the adapter's lock and is journaled with a reason.
struct Adapters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters",
        abstract: "List, inspect, promote, roll back, diff, export and import adapter versions.",
        subcommands: [
            List.self, Show.self, Verify.self, Journal.self, Diff.self, Promote.self, Reject.self, Rollback.self, Pin.self, Unpin.self,
            Retain.self, Export.self, Import.self,
        ]
    )
}

/// Options every `adapters` subcommand shares.
///
/// The registry is `--registry`, else the `registry.path` of `--pipeline` (default
/// `pipelines/demo.yaml`, as for `serve` and `predict`), so `streamlora adapters list` after
/// `ops/demo` shows the demo's versions.
struct RegistryOptions: ParsableArguments {
    @Option(help: "Registry root directory (default: the pipeline's registry.path).")
    var registry: String?

    @Option(help: "Pipeline whose registry and default adapter to use (default: pipelines/demo.yaml).")
    var pipeline: String?

    @Option(help: "Adapter name (default: the pipeline's default adapter; `list` without it lists every adapter).")
    var adapter: String?

    @Flag(help: "Machine-readable JSON output.")
    var json = false

    @Option(help: "Seconds to wait for the adapter lock held by another process.")
    var lockTimeout: Double = 5

    func validate() throws {
        if registry != nil, pipeline != nil { throw ValidationError("give --registry or --pipeline, not both") }
    }

    /// The pipeline that names the registry: `--pipeline`, else the demo's when it exists.
    private var pipelineConfig: PipelineConfig? {
        get throws {
            guard registry == nil else { return nil }
            let path = pipeline ?? "pipelines/demo.yaml"
            guard pipeline != nil || FileManager.default.fileExists(atPath: path) else { return nil }
            return try PipelineConfig.load(contentsOf: URL(fileURLWithPath: path))
        }
    }

    var adapterName: String {
        get throws { try adapter ?? pipelineConfig?.routing.defaultAdapter ?? "default" }
    }

    var root: URL {
        get throws {
            URL(fileURLWithPath: try registry ?? pipelineConfig?.registry.path ?? "registry", isDirectory: true)
        }
    }

    /// Opens an existing adapter (never creates one for a typo).
    func open(create: Bool = false) throws -> AdapterRegistry {
        try AdapterRegistry(root: root, adapter: adapterName, lockTimeout: lockTimeout, create: create)
    }

    /// Prints JSON (with `--json`) or the human text.
    func emit<T: Encodable>(_ value: T, text: () throws -> String) throws {
        if json {
            print(String(decoding: try RegistryJSON.encoder().encode(value), as: UTF8.self))
        } else {
            print(try text())
        }
    }
}

/// A failure about registry state (not about the command line), printed without the usage text.
struct AdaptersError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A version argument: `42`, `000042` or `v42`.
func parseVersion(_ text: String, _ name: String = "version") throws -> Version {
    guard let v = Version(text) else { throw ValidationError("\(name) '\(text)' is not a version number (e.g. 42 or 000042)") }
    return v
}

/// The reason journaled when `--reason` is not given: who did it, from where.
func defaultReason(_ action: String) -> String {
    "manual \(action) via CLI by \(ProcessInfo.processInfo.environment["USER"] ?? "unknown user")"
}

/// What `list --json` prints per adapter (`live_version` is `null`, not missing, when nothing is
/// live; a version name like `"000004"`, as the HTTP API writes it).
struct AdapterListing: Encodable {
    var adapter: String
    var live: Version?
    var versions: [Manifest]
    var problems: [String: String]

    enum CodingKeys: String, CodingKey { case adapter, liveVersion = "live_version", versions, problems }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(adapter, forKey: .adapter)
        try c.encode(live?.name, forKey: .liveVersion)
        try c.encode(versions, forKey: .versions)
        try c.encode(problems, forKey: .problems)
    }
}

extension Adapters {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Versions with status, examples, holdout metric and reason (* = live).")

        @OptionGroup var options: RegistryOptions
        @Option(help: "Holdout metric to show (default: accuracy, else the first one).")
        var metric: String?

        func run() throws {
            let root = try options.root
            let names = options.adapter.map { [$0] } ?? AdapterRegistry.adapters(in: root)
            if options.adapter == nil && names.isEmpty {
                throw AdaptersError("no adapters in registry \(root.path) (give --pipeline P or --registry DIR)")
            }
            var listings: [AdapterListing] = []
            for name in names {
                let registry = try AdapterRegistry(root: root, adapter: name, lockTimeout: options.lockTimeout, create: false)
                let problems = Dictionary(registry.problems().map { ($0.version.name, $0.problem) }, uniquingKeysWith: { a, _ in a })
                listings.append(AdapterListing(adapter: name, live: try registry.live(), versions: try registry.versions(), problems: problems))
            }
            try options.emit(options.adapter == nil ? AnyEncodable(listings) : AnyEncodable(listings[0])) {
                listings.map { l in
                    var text = "adapter \(l.adapter): \(l.versions.count) version(s), live \(l.live?.name ?? "none")\n"
                    text += RegistryText.versionTable(l.versions, live: l.live, metric: metric)
                    for (v, p) in l.problems.sorted(by: { $0.key < $1.key }) { text += "\n! \(v) unreadable: \(p)" }
                    return text
                }.joined(separator: "\n\n")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One version in full, after verifying its checksums.")

        @OptionGroup var options: RegistryOptions
        @Argument(help: "Version (default: live).") var version: String?

        struct Output: Encodable {
            var manifest: Manifest
            var config: PEFTLoRAConfig
            var tensors: [TensorInfo]
            var verified = true
        }
        struct TensorInfo: Encodable { var name: String; var shape: [Int] }

        func run() throws {
            let registry = try options.open()
            let live = try registry.live()
            guard let v = try version.map({ try parseVersion($0) }) ?? live else {
                throw AdaptersError("adapter '\(try options.adapterName)' has no live version; name one")
            }
            let loaded = try registry.load(v)
            let output = Output(
                manifest: loaded.manifest, config: loaded.snapshot.config,
                tensors: loaded.snapshot.tensors.map { TensorInfo(name: $0.name, shape: $0.shape) })
            try options.emit(output) { RegistryText.details(loaded, live: live) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every version's files against its manifest checksums; exit 1 if any is torn or corrupt.")

        @OptionGroup var options: RegistryOptions

        struct Result: Encodable { var version: String; var ok: Bool; var problem: String? }

        func run() throws {
            let registry = try options.open()
            let numbers = try registry.versions().map(\.version) + registry.problems().map(\.version)
            let results = numbers.sorted().map { v -> Result in
                do { try registry.verify(v); return Result(version: v.name, ok: true) } catch {
                    return Result(version: v.name, ok: false, problem: "\(error)")
                }
            }
            try options.emit(results) {
                results.map { $0.ok ? "\($0.version)  ok" : "\($0.version)  REFUSED  \($0.problem ?? "")" }.joined(separator: "\n")
            }
            let bad = results.filter { !$0.ok }.count
            if bad > 0 { throw AdaptersError("\(bad) of \(results.count) version(s) of '\(registry.adapter)' failed verification") }
        }
    }

    struct Journal: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The adapter's history: snapshots, promotions, rollbacks, rejections, retirements.")

        @OptionGroup var options: RegistryOptions
        @Option(help: "Show only the last N entries.") var last: Int?

        func run() throws {
            var entries = try options.open().journal()
            if let last { entries = Array(entries.suffix(max(0, last))) }
            try options.emit(entries) { RegistryText.journalTable(entries) }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per-tensor L2 / max-abs / cosine of the change, and changed manifest fields.")

        @OptionGroup var options: RegistryOptions
        @Argument(help: "From version.") var from: String
        @Argument(help: "To version.") var to: String

        func run() throws {
            let d = try options.open().diff(parseVersion(from, "from"), parseVersion(to, "to"))
            try options.emit(d) { RegistryText.diff(d) }
        }
    }
}

/// Type-erases the two shapes `list --json` prints (one adapter or all of them).
struct AnyEncodable: Encodable {
    private let encodeValue: (any Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeValue = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
