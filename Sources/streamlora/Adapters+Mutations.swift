import API
import ArgumentParser
import Foundation
import Registry

/// The `adapters` subcommands that change state; each takes the lock and journals `--reason`.
extension Adapters {
    /// What a mutation prints with `--json`.
    struct MutationResult: Encodable {
        var adapter: String
        var action: String
        var live: Version?
        var version: Version?
        var manifest: Manifest?
        var retired: [Version]?

        enum CodingKeys: String, CodingKey { case adapter, action, liveVersion = "live_version", version, manifest, retired }

        /// `live_version` is always present (`null` when nothing is live); the rest only where they
        /// apply. Versions are names (`"000004"`) as in the HTTP API.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(adapter, forKey: .adapter)
            try c.encode(action, forKey: .action)
            try c.encode(live?.name, forKey: .liveVersion)
            try c.encodeIfPresent(version?.name, forKey: .version)
            try c.encodeIfPresent(manifest, forKey: .manifest)
            try c.encodeIfPresent(retired?.map(\.name), forKey: .retired)
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a version live (checksums and finiteness checked first).")

        @OptionGroup var options: RegistryOptions
        @Argument(help: "Version to promote.") var version: String
        @Option(help: "Why (journaled).") var reason: String?

        func run() throws {
            let registry = try options.open()
            let m = try registry.promote(parseVersion(version), reason: reason ?? defaultReason("promote"))
            try options.emit(MutationResult(adapter: registry.adapter, action: "promote", live: m.version, version: m.version, manifest: m)) {
                "adapter \(registry.adapter): \(m.version) is live (\(m.reason))"
            }
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a (non-live) version rejected; it is kept with the reason.")

        @OptionGroup var options: RegistryOptions
        @Argument(help: "Version to reject.") var version: String
        @Option(help: "Why (journaled).") var reason: String?

        func run() throws {
            let registry = try options.open()
            let m = try registry.reject(parseVersion(version), reason: reason ?? defaultReason("reject"))
            try options.emit(MutationResult(adapter: registry.adapter, action: "reject", live: try registry.live(), version: m.version, manifest: m)) {
                "adapter \(registry.adapter): \(m.version) rejected (\(m.reason))"
            }
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Return live to an earlier version (default: the previous good live one); the current one is marked rejected.")

        @OptionGroup var options: RegistryOptions
        @Option(help: "Target version (default: previous good live version).") var to: String?
        @Option(help: "Why (journaled).") var reason: String?

        func run() throws {
            let registry = try options.open()
            let previous = try registry.live()
            let now = try registry.rollback(to: to.map { try parseVersion($0, "--to") }, reason: reason ?? defaultReason("rollback"))
            try options.emit(MutationResult(adapter: registry.adapter, action: "rollback", live: now, version: previous, manifest: try registry.manifest(now))) {
                "adapter \(registry.adapter): rolled back \(previous?.name ?? "-") → \(now) (\(previous?.name ?? "-") marked rejected)"
            }
        }
    }

    struct Pin: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Protect a version from retention.")

        @OptionGroup var options: RegistryOptions
        @Argument(help: "Version to pin.") var version: String
        @Option(help: "Why (journaled).") var reason: String?

        func run() throws {
            try setPinned(true, version: version, reason: reason, options: options)
        }
    }

    struct Unpin: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let retention delete a version again.")

        @OptionGroup var options: RegistryOptions
        @Argument(help: "Version to unpin.") var version: String
        @Option(help: "Why (journaled).") var reason: String?

        func run() throws {
            try setPinned(false, version: version, reason: reason, options: options)
        }
    }

    struct Retain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete old versions: keep the newest N plus live and pinned ones.")

        @OptionGroup var options: RegistryOptions
        @Option(help: "How many of the newest versions to keep.") var keep: Int
        @Option(help: "Why (journaled).") var reason: String?

        func validate() throws {
            guard keep >= 0 else { throw ValidationError("--keep must be ≥ 0") }
        }

        func run() throws {
            let registry = try options.open()
            let retired = try registry.applyRetention(keep: keep, reason: reason ?? defaultReason("retention"))
            try options.emit(MutationResult(adapter: registry.adapter, action: "retain", live: try registry.live(), retired: retired)) {
                retired.isEmpty ? "adapter \(registry.adapter): nothing to retire"
                    : "adapter \(registry.adapter): retired \(retired.map(\.name).joined(separator: ", "))"
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a version as a PEFT adapter directory (PeftModel.from_pretrained loads it).")

        @OptionGroup var options: RegistryOptions
        @Argument(help: "Version to export (default: live).") var version: String?
        @Option(help: "Output directory.") var peft: String
        @Option(help: "Base model directory whose config.json the export's config.json (label names) extends.")
        var baseModel: String?

        func run() throws {
            let registry = try options.open()
            guard let v = try version.map({ try parseVersion($0) }) ?? registry.live() else {
                throw AdaptersError("adapter '\(registry.adapter)' has no live version; name one")
            }
            let out = URL(fileURLWithPath: peft, isDirectory: true)
            let baseConfig = try baseModel.map { try Data(contentsOf: URL(fileURLWithPath: $0).appendingPathComponent("config.json")) }
            try registry.exportPEFT(v, to: out, baseConfig: baseConfig)
            try options.emit(MutationResult(adapter: registry.adapter, action: "export", live: try registry.live(), version: v)) {
                "adapter \(registry.adapter): exported \(v) to \(out.path)"
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store a PEFT LoRA adapter directory as a new candidate version.")

        @OptionGroup var options: RegistryOptions
        @Option(help: "PEFT adapter directory (adapter_config.json + adapter_model.safetensors).") var peft: String
        @Option(help: "sha256 of the base model weights (default: from the directory's manifest.json).") var baseSha256: String?
        @Option(help: "Base model directory or model.safetensors to hash instead of --base-sha256.") var baseModel: String?
        @Option(help: "Comma-separated labels in classifier-row order (default: manifest.json, else LABEL_i).") var labels: String?
        @Option(help: "Why (journaled).") var reason: String?
        @Flag(help: "Promote the imported version right away.") var promote = false

        func validate() throws {
            if baseSha256 != nil && baseModel != nil { throw ValidationError("give --base-sha256 or --base-model, not both") }
        }

        func run() throws {
            let registry = try options.open(create: true)
            var sha = baseSha256
            if let baseModel {
                var url = URL(fileURLWithPath: baseModel)
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir), isDir.boolValue {
                    url.appendPathComponent("model.safetensors")
                }
                sha = try SHA256.hex(ofFileAt: url).sha256
            }
            let labelList = labels.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let why = reason ?? defaultReason("import")
            var m = try registry.importPEFT(from: URL(fileURLWithPath: peft, isDirectory: true), baseModelSHA256: sha, labels: labelList, reason: why)
            if promote { m = try registry.promote(m.version, reason: why) }
            try options.emit(MutationResult(adapter: registry.adapter, action: "import", live: try registry.live(), version: m.version, manifest: m)) {
                "adapter \(registry.adapter): imported \(peft) as \(m.version) (\(m.status.rawValue), \(m.labels.count) labels)"
            }
        }
    }
}

/// `adapters pin` and `adapters unpin`: one registry call, journaled with the reason.
private func setPinned(_ pinned: Bool, version: String, reason: String?, options: RegistryOptions) throws {
    let action = pinned ? "pin" : "unpin"
    let registry = try options.open()
    let m = try registry.pin(parseVersion(version), pinned, reason: reason ?? defaultReason(action))
    try options.emit(Adapters.MutationResult(adapter: registry.adapter, action: action, live: try registry.live(), version: m.version, manifest: m)) {
        "adapter \(registry.adapter): \(m.version) \(action)ned"
    }
}
