import API
import Foundation
import Model
import Testing

@testable import Registry

/// Interop with real PEFT output: `Fixtures/tiny_peft` was saved by PEFT 0.21.2
/// (`make_fixtures.py`); `tiny_peft_reference.json` holds its tensors as safetensors read them.
@Suite struct PEFTTests {
    struct Reference: Decodable {
        struct Tensor: Decodable { let shape: [Int]; let data: [Float] }
        let tensors: [String: Tensor]
        let sha256: [String: String]
    }

    func reference() throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixturesDirectory().appendingPathComponent("tiny_peft_reference.json")))
    }

    @Test func importsWhatPEFTSaved() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        let manifest = try registry.importPEFT(
            from: fixturesDirectory().appendingPathComponent("tiny_peft"), baseModelSHA256: "00ff", reason: "fixture")
        #expect(manifest.version == 1 && manifest.status == .candidate)
        #expect(manifest.labels == ["LABEL_0", "LABEL_1", "LABEL_2"])
        let loaded = try registry.load(1)
        #expect(loaded.snapshot.config.r == 2)
        #expect(loaded.snapshot.config.loraAlpha == 4)
        #expect(loaded.snapshot.config.scaling == 2)
        #expect(loaded.snapshot.config.targetModules.sorted() == ["query", "value"])
        #expect(loaded.snapshot.config.modulesToSave.contains("classifier"), "PEFT 0.21 writes [classifier, classifier, score] for SEQ_CLS")
        let ref = try reference()
        #expect(Set(loaded.snapshot.tensors.map(\.name)) == Set(ref.tensors.keys))
        for t in loaded.snapshot.tensors {
            #expect(t.shape == ref.tensors[t.name]?.shape, "\(t.name)")
            #expect(t.data == ref.tensors[t.name]?.data, "\(t.name)")
        }
        #expect(try registry.journal().first?.event == .import)
    }

    @Test func exportCarriesVerifiedFilesAndReimports() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(seed: 5, labels: ["a", "b", "c"]), status: .live, reason: "v1")
        let out = dir.url.appendingPathComponent("export/v1")
        try registry.exportPEFT(1, to: out)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(names == ["adapter_config.json", "adapter_model.safetensors", "config.json", "manifest.json"])
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("adapter_config.json"))) as? [String: Any])
        #expect(config["peft_type"] as? String == "LORA")
        #expect(config["task_type"] as? String == "SEQ_CLS")
        #expect(config["r"] as? Int == 2)
        #expect(config["lora_alpha"] as? Double == 4)
        #expect(config["target_modules"] as? [String] == ["query", "value"])
        #expect(config["modules_to_save"] as? [String] == ["classifier"])
        #expect(config["bias"] as? String == "none")
        #expect(config["fan_in_fan_out"] as? Bool == false)
        #expect(config["base_model_name_or_path"] as? String == "sentence-transformers/all-MiniLM-L6-v2")

        // Re-import into another adapter: labels and base sha come from the exported manifest.
        let other = try makeRegistry(dir, adapter: "copy")
        let m = try other.importPEFT(from: out, reason: "copy")
        #expect(m.labels == ["a", "b", "c"])
        #expect(m.baseModelSHA256 == String(repeating: "ab", count: 32))
        #expect(try registry.diff(1, 1).tensors.allSatisfy { $0.l2 == 0 })
        let original = try registry.load(1).snapshot.tensors
        let copied = try other.load(m.version).snapshot.tensors
        #expect(original.map(\.name) == copied.map(\.name))
        #expect(original.map(\.data) == copied.map(\.data))
    }

    /// Label names travel where transformers reads them: `config.json`'s id2label/label2id, on
    /// top of the base's own config when given; a PEFT directory with such a file imports them.
    @Test func exportWritesLabelNamesAndImportReadsThem() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(seed: 5, labels: ["neg", "neu", "pos"]), status: .live, reason: "v1")
        let out = dir.url.appendingPathComponent("export")
        let base = Data(#"{"model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6}"#.utf8)
        try registry.exportPEFT(1, to: out, baseConfig: base)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json"))) as? [String: Any])
        #expect(config["id2label"] as? [String: String] == ["0": "neg", "1": "neu", "2": "pos"])
        #expect(config["label2id"] as? [String: Int] == ["neg": 0, "neu": 1, "pos": 2])
        #expect(config["hidden_size"] as? Int == 384 && config["architectures"] as? [String] == ["BertForSequenceClassification"])
        // Without our manifest, the names come from config.json instead of LABEL_i.
        try FileManager.default.removeItem(at: out.appendingPathComponent("manifest.json"))
        let other = try makeRegistry(dir, adapter: "copy")
        #expect(try other.importPEFT(from: out, baseModelSHA256: "00", reason: "copy").labels == ["neg", "neu", "pos"])
    }

    @Test func configDecodesPEFTsOwnFile() throws {
        let data = try Data(contentsOf: fixturesDirectory().appendingPathComponent("tiny_peft/adapter_config.json"))
        let config = try JSONDecoder().decode(PEFTLoRAConfig.self, from: data)
        #expect(config.unsupportedFeatures.isEmpty)
        #expect(config.loraDropout == 0)
        #expect(config.inferenceMode == true)
    }

    @Test func refusesWhatOurLayersCannotRun() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        let fixture = try fixturesDirectory().appendingPathComponent("tiny_peft")
        func variant(_ name: String, edit: (inout [String: Any]) -> Void) throws -> URL {
            let out = dir.url.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: fixture.appendingPathComponent("adapter_model.safetensors"), to: out.appendingPathComponent("adapter_model.safetensors"))
            var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.appendingPathComponent("adapter_config.json"))) as? [String: Any])
            edit(&config)
            try JSONSerialization.data(withJSONObject: config).write(to: out.appendingPathComponent("adapter_config.json"))
            return out
        }
        let wrongRank = try variant("rank") { $0["r"] = 4 }
        #expect(expectRegistryError { try registry.importPEFT(from: wrongRank, baseModelSHA256: "x", reason: "") }.contains("rank r = 4"))
        let regex = try variant("regex") { $0["target_modules"] = ".*query" }
        #expect(expectRegistryError { try registry.importPEFT(from: regex, baseModelSHA256: "x", reason: "") }.contains("regular expression"))
        let dora = try variant("dora") { $0["use_dora"] = true }
        #expect(expectRegistryError { try registry.importPEFT(from: dora, baseModelSHA256: "x", reason: "") }.contains("use_dora"))
        let onlyQuery = try variant("query") { $0["target_modules"] = ["query"] }
        #expect(expectRegistryError { try registry.importPEFT(from: onlyQuery, baseModelSHA256: "x", reason: "") }.contains("does not wrap"))
        let noBase = try variant("nobase") { _ in }
        #expect(expectRegistryError { try registry.importPEFT(from: noBase, reason: "") }.contains("base model sha256 unknown"))
        #expect(expectRegistryError { try registry.importPEFT(from: noBase, baseModelSHA256: "x", labels: ["a"], reason: "") }.contains("3 rows"))
        #expect(expectRegistryError { try registry.importPEFT(from: dir.url.appendingPathComponent("none"), baseModelSHA256: "x", reason: "") }.contains("adapter_config.json missing"))
        #expect(try registry.versions().isEmpty)
    }
}

/// A MiniLM-shaped adapter written by the registry from Swift tensors with the default PEFTLoRAConfig,
/// exported. `check_peft_export.py check-swift DIR` loads such an export in PEFT against the real
/// base (set STREAMLORA_PEFT_EXPORT_DIR to keep the directory; CI just checks the files).
@Suite struct SwiftWrittenExportTests {
    @Test func miniLMShapedExportHasPEFTLayout() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random(_ count: Int, scale: Float) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return (Float(state >> 40) / Float(1 << 24) - 0.5) * 2 * scale
            }
        }
        var tensors: [NamedTensor] = []
        for layer in 0..<6 {
            for module in ["query", "value"] {
                tensors.append(NamedTensor(name: PEFTKeys.loraA(layer: layer, module: module), shape: [8, 384], data: random(8 * 384, scale: 0.05)))
                tensors.append(NamedTensor(name: PEFTKeys.loraB(layer: layer, module: module), shape: [384, 8], data: random(384 * 8, scale: 0.05)))
            }
        }
        tensors.append(NamedTensor(name: PEFTKeys.classifierWeight, shape: [3, 384], data: random(3 * 384, scale: 0.1)))
        tensors.append(NamedTensor(name: PEFTKeys.classifierBias, shape: [3], data: random(3, scale: 0.1)))
        let snapshot = AdapterSnapshot(
            tensors: tensors, config: PEFTLoRAConfig(r: 8, loraAlpha: 16), baseModelSHA256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
            labels: ["neg", "neutral", "pos"])
        let m = try registry.write(snapshot, status: .live, reason: "swift-written export check")
        let out = ProcessInfo.processInfo.environment["STREAMLORA_PEFT_EXPORT_DIR"].map { URL(fileURLWithPath: $0) }
            ?? dir.url.appendingPathComponent("peft")
        try registry.exportPEFT(m.version, to: out)
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("adapter_config.json"))) as? [String: Any])
        #expect(config["r"] as? Int == 8 && config["lora_alpha"] as? Double == 16)
        #expect(config["modules_to_save"] as? [String] == ["classifier"])
        let file = try SafeTensorsFile(contentsOf: out.appendingPathComponent("adapter_model.safetensors"))
        #expect(file.names.count == 26)
        #expect(file.shape(of: PEFTKeys.loraB(layer: 5, module: "value")) == [384, 8])
        #expect(try file.floats(PEFTKeys.classifierBias) == tensors.last?.data)
    }
}
