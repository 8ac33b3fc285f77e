import API
import Foundation
import Model

/// The versioned store of one adapter (DESIGN §5): immutable version directories, an atomically
/// replaced `LIVE` pointer, an append-only journal, and an flock so the CLI, the HTTP control plane
/// and a running agent never interleave mutations.
///
/// `LIVE` is the truth about which version is live; manifests are read through it (a manifest still
/// saying `live` after a crash mid-promotion reads as `superseded`). All methods are synchronous and
/// may block on the lock for up to `lockTimeout` seconds: call them from a dedicated thread, not from
/// Swift's cooperative pool.
package final class AdapterRegistry: Sendable {
    package let root: URL
    package let adapter: String
    /// How long a mutation waits for another holder of the lock before failing with `.lockHeld`.
    package let lockTimeout: Double

    let layout: RegistryLayout
    let files: DurableFiles

    /// Opens (and by default creates) an adapter's store, and removes leftovers of interrupted writes
    /// if no one else holds the lock right now.
    /// - Parameters:
    ///   - create: false to fail with `.unknownAdapter` instead of creating an empty store (CLI reads).
    /// - Throws: `.invalidAdapterName`, `.unknownAdapter`, `.io`, `.syncFailed`.
    package convenience init(root: URL, adapter: String, lockTimeout: Double = 5, create: Bool = true) throws {
        try self.init(root: root, adapter: adapter, lockTimeout: lockTimeout, create: create, files: .posix)
    }

    init(root: URL, adapter: String, lockTimeout: Double, create: Bool, files: DurableFiles) throws {
        guard RegistryLayout.isValidAdapterName(adapter) else { throw RegistryError.invalidAdapterName(adapter) }
        self.root = root
        self.adapter = adapter
        self.lockTimeout = lockTimeout
        self.layout = RegistryLayout(root: root, adapter: adapter)
        self.files = files
        if !FileManager.default.fileExists(atPath: layout.versionsDirectory.path) {
            guard create else { throw RegistryError.unknownAdapter(name: adapter, root: root.path) }
            try files.makeDirectory(layout.versionsDirectory)
        }
        try cleanLeftovers()
    }

    /// Whether `root` stores an adapter of that name (a valid name with a `versions/` folder).
    package static func exists(root: URL, adapter: String) -> Bool {
        RegistryLayout.isValidAdapterName(adapter)
            && FileManager.default.fileExists(atPath: RegistryLayout(root: root, adapter: adapter).versionsDirectory.path)
    }

    /// Names of the adapters stored under `root` (directories with a `versions/` folder), sorted.
    package static func adapters(in root: URL) -> [String] {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { name in
            RegistryLayout.isValidAdapterName(name)
                && fm.fileExists(atPath: root.appendingPathComponent(name).appendingPathComponent("versions").path)
        }.sorted()
    }

    // MARK: Reading

    /// The live version, or nil if none was ever promoted.
    /// - Throws: `.io` if `LIVE` exists but does not hold a version number.
    package func live() throws -> Version? {
        guard let data = FileManager.default.contents(atPath: layout.liveFile.path) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let version = Version(text) else {
            throw RegistryError.io(path: layout.liveFile.path, operation: "parse LIVE ('\(text.prefix(20))')", errno: 0)
        }
        return version
    }

    /// The manifest of one version, its status read through `LIVE`. Does not verify file checksums
    /// (see `verify`).
    /// - Throws: `.unknownVersion`, `.corruptVersion` naming manifest.json.
    package func manifest(_ version: Version) throws -> Manifest {
        try normalized(readManifest(version), live: try live())
    }

    /// Every version present on disk with a readable manifest, oldest first. Unreadable ones are
    /// listed by `problems()`.
    package func versions() throws -> [Manifest] {
        let live = try live()
        return layout.versionNumbers().compactMap { try? normalized(readManifest($0), live: live) }
    }

    /// Versions whose manifest cannot be read, with the reason (torn or corrupt directories).
    package func problems() -> [(version: Version, problem: String)] {
        layout.versionNumbers().compactMap { v in
            do { _ = try readManifest(v); return nil } catch { return (v, "\(error)") }
        }
    }

    /// Where the journal lives, so a reader can tell from its size whether anything was appended.
    package var journalURL: URL { layout.journalFile }

    /// The directory of a written version (its files' sizes are the snapshot's size on disk).
    package func directory(of version: Version) -> URL { layout.directory(of: version) }

    /// The journal, oldest entry first.
    package func journal() throws -> [JournalEntry] {
        try Journal(url: layout.journalFile, files: files).entries()
    }

    /// Checks every file of a version against the manifest's sizes and sha256s (the optimizer
    /// state, which serving never reads, is checked when it is read: `load(_:optimizer: true)`).
    /// - Returns: the (normalized) manifest.
    /// - Throws: `.unknownVersion`, `.corruptVersion` naming the first file that does not match.
    @discardableResult
    package func verify(_ version: Version) throws -> Manifest {
        let manifest = try readManifest(version)
        for name in RegistryLayout.checksummedFiles { try verifyFile(name, of: manifest) }
        return normalized(manifest, live: try live())
    }

    /// Checks one file of a version against the manifest's size and sha256.
    /// - Throws: `.corruptVersion` naming the file when it is not listed, missing or differs.
    func verifyFile(_ name: String, of manifest: Manifest) throws {
        let version = manifest.version
        guard let expected = manifest.files[name] else {
            throw RegistryError.corruptVersion(adapter: adapter, version: version, file: name, detail: "not listed in manifest.json")
        }
        let url = layout.directory(of: version).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RegistryError.corruptVersion(adapter: adapter, version: version, file: name, detail: "missing")
        }
        let actual = try SHA256.hex(ofFileAt: url)
        guard actual.bytes == expected.bytes else {
            throw RegistryError.corruptVersion(
                adapter: adapter, version: version, file: name,
                detail: "size \(actual.bytes) bytes, manifest says \(expected.bytes) (torn write?)")
        }
        guard actual.sha256 == expected.sha256 else {
            throw RegistryError.corruptVersion(
                adapter: adapter, version: version, file: name,
                detail: "sha256 \(actual.sha256.prefix(16))… does not match manifest \(expected.sha256.prefix(16))…")
        }
    }

    /// Reads a version after verifying its checksums: tensors, LoRA config and manifest.
    /// - Parameter optimizer: also read (and verify) its optimizer state, to resume training.
    /// - Throws: `.unknownVersion`, `.corruptVersion` naming the file (checksum, JSON or safetensors).
    package func load(_ version: Version, optimizer: Bool = false) throws -> LoadedAdapter {
        let manifest = try verify(version)
        let directory = layout.directory(of: version)
        let config = try loraConfig(of: version)
        let tensors: [NamedTensor]
        do {
            let file = try SafeTensorsFile(contentsOf: directory.appendingPathComponent(RegistryLayout.modelFile))
            tensors = try file.names.sorted().map { name in
                let shape = file.shape(of: name) ?? []
                return NamedTensor(name: name, shape: shape, data: try file.floats(name, shape: shape))
            }
        } catch {
            throw RegistryError.corruptVersion(adapter: adapter, version: version, file: RegistryLayout.modelFile, detail: "\(error)")
        }
        var snapshot = AdapterSnapshot(
            tensors: tensors, config: config, parent: manifest.parent, baseModelSHA256: manifest.baseModelSHA256,
            labels: manifest.labels, examplesTrained: manifest.examplesTrained, steps: manifest.steps,
            offsets: manifest.offsets, trainedIDs: manifest.trainedIDs, holdoutMetrics: manifest.holdoutMetrics,
            prequentialMetrics: manifest.prequentialMetrics, pinned: manifest.pinned,
            examplesSkipped: manifest.examplesSkipped ?? 0)
        if optimizer { snapshot.optimizer = try optimizerState(of: manifest) }
        return LoadedAdapter(manifest: manifest, snapshot: snapshot)
    }

    /// The PEFT LoRA config a version was written with (its `adapter_config.json`), without
    /// reading its tensors or verifying checksums (`load` does both).
    /// - Throws: `.corruptVersion` when the file is missing or not a LoRA config.
    package func loraConfig(of version: Version) throws -> PEFTLoRAConfig {
        let url = layout.directory(of: version).appendingPathComponent(RegistryLayout.configFile)
        do {
            return try RegistryJSON.decoder().decode(PEFTLoRAConfig.self, from: Data(contentsOf: url))
        } catch {
            throw RegistryError.corruptVersion(adapter: adapter, version: version, file: RegistryLayout.configFile, detail: "\(error)")
        }
    }

    /// The newest version that is completely on disk and verifies — where a restarting agent takes its
    /// offsets and trained-ids digest from (DESIGN §6). Rejected versions count: their examples were
    /// consumed. Nil for an empty store.
    package func newestDurable() -> Manifest? {
        for version in layout.versionNumbers().reversed() {
            if let manifest = try? verify(version) { return manifest }
        }
        return nil
    }

    // MARK: Internals shared by the mutation files

    func readManifest(_ version: Version) throws -> Manifest {
        let url = layout.directory(of: version).appendingPathComponent(RegistryLayout.manifestFile)
        guard FileManager.default.fileExists(atPath: layout.directory(of: version).path) else {
            throw RegistryError.unknownVersion(adapter: adapter, version: version)
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RegistryError.corruptVersion(adapter: adapter, version: version, file: RegistryLayout.manifestFile, detail: "missing")
        }
        let manifest: Manifest
        do { manifest = try RegistryJSON.decoder().decode(Manifest.self, from: data) } catch {
            throw RegistryError.corruptVersion(
                adapter: adapter, version: version, file: RegistryLayout.manifestFile, detail: "unreadable JSON (\(data.count) bytes): \(error)")
        }
        guard manifest.format <= Manifest.currentFormat else {
            throw RegistryError.corruptVersion(
                adapter: adapter, version: version, file: RegistryLayout.manifestFile,
                detail: "format \(manifest.format) is newer than this build understands (\(Manifest.currentFormat))")
        }
        guard manifest.version == version else {
            throw RegistryError.corruptVersion(
                adapter: adapter, version: version, file: RegistryLayout.manifestFile, detail: "says version \(manifest.version)")
        }
        return manifest
    }

    /// `LIVE` wins over the status written in a manifest.
    func normalized(_ manifest: Manifest, live: Version?) -> Manifest {
        var m = manifest
        if m.version == live {
            m.status = .live
        } else if m.status == .live {
            m.status = .superseded
        }
        return m
    }

    /// Runs `body` holding the adapter's exclusive lock.
    func exclusively<T>(_ body: () throws -> T) throws -> T {
        let lock = try FileLock.acquire(at: layout.lockFile, exclusive: true, timeout: lockTimeout)
        defer { lock.release() }
        return try body()
    }

    var journalWriter: Journal { Journal(url: layout.journalFile, files: files) }

    /// Removes `*.tmp` leftovers, but only if the lock is free right now: a `.tmp` may belong to a
    /// write in progress in another process.
    private func cleanLeftovers() throws {
        let leftovers = layout.leftovers()
        guard !leftovers.isEmpty, let lock = try? FileLock.acquire(at: layout.lockFile, exclusive: true, timeout: 0) else { return }
        defer { lock.release() }
        for url in layout.leftovers() { try? FileManager.default.removeItem(at: url) }
        try files.syncDirectory(layout.versionsDirectory)
    }
}
