import API
import Foundation
import Model

extension AdapterRegistry {
    /// Copies a verified version out as a PEFT adapter directory (`adapter_model.safetensors`,
    /// `adapter_config.json`, plus our `manifest.json`, which PEFT ignores and `importPEFT` reads).
    /// `PeftModel.from_pretrained(BertForSequenceClassification…, directory)` loads it. A
    /// `config.json` carries the label names as `id2label`/`label2id` (see `PEFTLabels`).
    /// - Parameter baseConfig: the base model's `config.json`, extended into the export's.
    /// - Throws: `.unknownVersion`, `.corruptVersion` (refuses to export a corrupt version), `.io`.
    package func exportPEFT(_ version: Version, to directory: URL, baseConfig: Data? = nil) throws {
        let manifest = try verify(version)
        try files.makeDirectory(directory)
        let source = layout.directory(of: version)
        for name in RegistryLayout.checksummedFiles + [RegistryLayout.manifestFile] {
            let data: Data
            do { data = try Data(contentsOf: source.appendingPathComponent(name)) } catch {
                throw RegistryError.io(path: source.appendingPathComponent(name).path, operation: "read for export", errno: 0)
            }
            if let expected = manifest.files[name], SHA256.hex(data) != expected.sha256 {
                throw RegistryError.corruptVersion(adapter: adapter, version: version, file: name, detail: "changed while exporting")
            }
            try files.writeFile(data, to: directory.appendingPathComponent(name))
        }
        try files.writeFile(try PEFTLabels.configJSON(labels: manifest.labels, base: baseConfig),
                            to: directory.appendingPathComponent(PEFTLabels.configFile))
        try files.syncDirectory(directory)
    }

    /// Reads a PEFT LoRA adapter directory (as written by `PeftModel.save_pretrained` or by
    /// `exportPEFT`), checks that it fits StreamLoRA's layers, and stores it as a new version.
    /// - Parameters:
    ///   - baseModelSHA256: the base it was trained on; defaults to the value in a `manifest.json`
    ///     found in the directory (our exports carry one).
    ///   - labels: label vocabulary in classifier-row order; defaults to the directory's manifest,
    ///     else a `config.json`'s `id2label`, else `LABEL_0…LABEL_{n-1}` as transformers names them.
    /// - Returns: the manifest of the new version (status `candidate`).
    /// - Throws: `.invalidPEFT` naming the file and what is wrong, plus the errors of `write`.
    @discardableResult
    package func importPEFT(
        from directory: URL, baseModelSHA256: String? = nil, labels: [String]? = nil, reason: String
    ) throws -> Manifest {
        let peft = try PEFTDirectory(directory)
        guard let base = baseModelSHA256 ?? peft.manifest?.baseModelSHA256, !base.isEmpty else {
            throw RegistryError.invalidPEFT(path: directory.path, detail: "base model sha256 unknown (no manifest.json); pass it explicitly")
        }
        let classes = peft.classCount
        let vocabulary = labels ?? peft.manifest?.labels ?? PEFTLabels.labels(in: directory) ?? classes.map { n in (0..<n).map { "LABEL_\($0)" } } ?? []
        if let classes, vocabulary.count != classes {
            throw RegistryError.invalidPEFT(
                path: directory.path, detail: "\(vocabulary.count) labels given but the classifier has \(classes) rows")
        }
        let snapshot = AdapterSnapshot(
            tensors: peft.tensors, config: peft.config, parent: nil, baseModelSHA256: base, labels: vocabulary,
            examplesTrained: peft.manifest?.examplesTrained ?? 0, steps: peft.manifest?.steps ?? 0,
            holdoutMetrics: peft.manifest?.holdoutMetrics)
        try snapshot.validate()
        if let bad = snapshot.firstNonFiniteTensor { throw RegistryError.nonFinite(adapter: adapter, version: nil, tensor: bad) }
        return try exclusively {
            let version = try nextVersion()
            let manifest = try writeVersionDirectory(snapshot, version: version, status: .candidate, reason: reason)
            try journalWriter.append(JournalEntry(
                event: .import, version: version, status: .candidate, reason: "\(reason) (from \(directory.path))",
                numbers: snapshotNumbers(manifest)))
            return manifest
        }
    }
}

/// A PEFT adapter directory, read and checked for what StreamLoRA's LoRA layers implement.
struct PEFTDirectory {
    let config: PEFTLoRAConfig
    let tensors: [NamedTensor]
    let manifest: Manifest?

    init(_ directory: URL) throws {
        let path = directory.path
        let configURL = directory.appendingPathComponent(RegistryLayout.configFile)
        let modelURL = directory.appendingPathComponent(RegistryLayout.modelFile)
        guard let configData = FileManager.default.contents(atPath: configURL.path) else {
            throw RegistryError.invalidPEFT(path: path, detail: "\(RegistryLayout.configFile) missing")
        }
        do { config = try RegistryJSON.decoder().decode(PEFTLoRAConfig.self, from: configData) } catch {
            throw RegistryError.invalidPEFT(path: path, detail: "\(RegistryLayout.configFile): \(error)")
        }
        let problems = config.unsupportedFeatures
        guard problems.isEmpty else {
            throw RegistryError.invalidPEFT(path: path, detail: "\(RegistryLayout.configFile): unsupported \(problems.joined(separator: ", "))")
        }
        guard FileManager.default.fileExists(atPath: modelURL.path) else {
            let hasBin = FileManager.default.fileExists(atPath: directory.appendingPathComponent("adapter_model.bin").path)
            throw RegistryError.invalidPEFT(
                path: path, detail: hasBin ? "only adapter_model.bin; save with safe_serialization=True" : "\(RegistryLayout.modelFile) missing")
        }
        do {
            let file = try SafeTensorsFile(contentsOf: modelURL)
            tensors = try file.names.sorted().map { name in
                let shape = file.shape(of: name) ?? []
                return NamedTensor(name: name, shape: shape, data: try file.floats(name, shape: shape))
            }
        } catch {
            throw RegistryError.invalidPEFT(path: path, detail: "\(RegistryLayout.modelFile): \(error)")
        }
        let manifestURL = directory.appendingPathComponent(RegistryLayout.manifestFile)
        manifest = FileManager.default.contents(atPath: manifestURL.path).flatMap { try? RegistryJSON.decoder().decode(Manifest.self, from: $0) }
        try checkKeys(path: path)
    }

    /// Rows of the saved classifier, if the head is part of the adapter.
    var classCount: Int? {
        tensors.first { $0.name == PEFTKeys.classifierWeight }?.shape.first
    }

    /// Every key is PEFT-prefixed; LoRA factors come in [r, in] / [out, r] pairs on exactly the
    /// modules PEFT's suffix rule wraps for `target_modules` (resolved with the layer count the
    /// tensors show); the config must be one `LoRAConfig` can represent; a saved head exists when
    /// `modules_to_save` asks for it.
    private func checkKeys(path: String) throws {
        func fail(_ detail: String) -> RegistryError { .invalidPEFT(path: path, detail: "\(RegistryLayout.modelFile): \(detail)") }
        var factors: [String: [Character: [Int]]] = [:]
        for t in tensors {
            guard t.name.hasPrefix(PEFTKeys.prefix) else { throw fail("tensor '\(t.name)' lacks the '\(PEFTKeys.prefix)' prefix") }
            if let (module, factor) = PEFTKeys.parseLoRA(t.name) {
                guard t.shape.count == 2 else { throw fail("tensor '\(t.name)' has shape \(t.shape), expected 2-D") }
                factors[module, default: [:]][factor] = t.shape
            } else if t.name.contains("lora_") {
                throw fail("tensor '\(t.name)' is not a plain lora_A/lora_B weight (DoRA, embeddings or adapter-named keys are unsupported)")
            }
        }
        guard !factors.isEmpty else { throw fail("no lora_A/lora_B tensors") }
        let layerCount = (factors.keys.compactMap(PEFTKeys.layerIndex).max() ?? 0) + 1
        let sites: [(layer: Int, target: LoRATarget)]
        do {
            _ = try config.loraConfig(layerCount: layerCount)
            sites = try config.adaptedSites(layerCount: layerCount)
        } catch let ModelError.invalidConfig(detail) {
            throw RegistryError.invalidPEFT(path: path, detail: "\(RegistryLayout.configFile): \(detail)")
        }
        let wrapped = Set(sites.map { "bert.encoder.layer.\($0.layer).\($0.target.modulePath)" })
        if let stray = factors.keys.sorted().first(where: { !wrapped.contains($0) }) {
            throw fail("LoRA tensors on '\(stray)', which target_modules \(config.targetModules) does not wrap")
        }
        if let absent = wrapped.sorted().first(where: { factors[$0] == nil }) {
            throw fail("target_modules \(config.targetModules) wraps '\(absent)' but it has no lora_A/lora_B tensors")
        }
        for (module, pair) in factors.sorted(by: { $0.key < $1.key }) {
            guard let a = pair["A"], let b = pair["B"] else { throw fail("module '\(module)' has only one of lora_A/lora_B") }
            guard a[0] == config.r, b[1] == config.r else {
                throw fail("module '\(module)': lora_A \(a) and lora_B \(b) do not have rank r = \(config.r)")
            }
        }
        if config.modulesToSave.contains("classifier") && !tensors.contains(where: { $0.name == PEFTKeys.classifierWeight }) {
            throw fail("modules_to_save lists classifier but '\(PEFTKeys.classifierWeight)' is missing")
        }
    }
}
