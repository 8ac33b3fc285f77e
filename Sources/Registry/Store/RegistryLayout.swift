import API
import Foundation

/// Where everything of one adapter lives:
///
///     <root>/<adapter>/versions/000042/{adapter_model.safetensors, adapter_config.json, manifest.json[, optimizer.safetensors]}
///     <root>/<adapter>/LIVE           "000042\n"
///     <root>/<adapter>/journal.jsonl
///     <root>/<adapter>/.lock
struct RegistryLayout: Sendable {
    static let modelFile = "adapter_model.safetensors"
    static let configFile = "adapter_config.json"
    static let manifestFile = "manifest.json"
    /// The trainer's AdamW moments (`adam_m`, `adam_v`; metadata `step`), ours, not PEFT's: written
    /// when the trainer has trained, checksummed in the manifest, read only to resume training.
    static let optimizerFile = "optimizer.safetensors"
    /// Files every version has, covered by the manifest's checksums (`optimizerFile` too, when listed).
    static let checksummedFiles = [modelFile, configFile]

    let adapterDirectory: URL

    init(root: URL, adapter: String) {
        adapterDirectory = root.appendingPathComponent(adapter, isDirectory: true)
    }

    var versionsDirectory: URL { adapterDirectory.appendingPathComponent("versions", isDirectory: true) }
    var liveFile: URL { adapterDirectory.appendingPathComponent("LIVE") }
    var journalFile: URL { adapterDirectory.appendingPathComponent("journal.jsonl") }
    var lockFile: URL { adapterDirectory.appendingPathComponent(".lock") }

    func directory(of version: Version) -> URL {
        versionsDirectory.appendingPathComponent(version.name, isDirectory: true)
    }

    /// Where a version is assembled before its atomic rename; a crash leaves it for cleanup.
    func temporaryDirectory(of version: Version) -> URL {
        versionsDirectory.appendingPathComponent(".\(version.name).tmp", isDirectory: true)
    }

    /// Where a retired version is moved before deletion, so a crash mid-delete leaves only a `.tmp`.
    func retiringDirectory(of version: Version) -> URL {
        versionsDirectory.appendingPathComponent(".\(version.name).retired.tmp", isDirectory: true)
    }

    /// Version directories present (six-digit names only; dot-files and `*.tmp` are not versions).
    func versionNumbers() -> [Version] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: versionsDirectory.path)) ?? []
        return names.compactMap { name in
            name.count == 6 && name.allSatisfy(\.isNumber) ? Version(name) : nil
        }.sorted()
    }

    /// Leftovers of interrupted writes, deletes and pointer swaps.
    func leftovers() -> [URL] {
        let fm = FileManager.default
        let inVersions = ((try? fm.contentsOfDirectory(atPath: versionsDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".tmp") }
            .map { versionsDirectory.appendingPathComponent($0) }
        let inAdapter = ((try? fm.contentsOfDirectory(atPath: adapterDirectory.path)) ?? [])
            .filter { $0.hasSuffix(".tmp") }
            .map { adapterDirectory.appendingPathComponent($0) }
        // A crash mid-rewrite of a manifest leaves `versions/NNNNNN/manifest.json.tmp`.
        let inVersionDirectories = versionNumbers().flatMap { v in
            ((try? fm.contentsOfDirectory(atPath: directory(of: v).path)) ?? [])
                .filter { $0.hasSuffix(".tmp") }
                .map { directory(of: v).appendingPathComponent($0) }
        }
        return inVersions + inAdapter + inVersionDirectories
    }

    /// Adapter names are directory names: no separators, no dot-files, nothing a shell would mangle.
    static func isValidAdapterName(_ name: String) -> Bool {
        guard let first = name.first, first != ".", name.count <= 128 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }
}
