import Foundation
import Model
import Testing

@testable import Registry

/// PEFT adapters whose config is not StreamLoRA's default — alpha ≠ 2r, rsLoRA, dotted and
/// per-layer `target_modules`, `modules_to_save: [classifier, score]` — import, load with their
/// own config and predict what PEFT predicts. `Fixtures/tiny_peft_variants` and
/// `tiny_peft_variants.json` are written by real PEFT (`make_peft_variants.py`).
@Suite struct PEFTVariantTests {
    struct Reference: Decodable {
        let input_ids: [[Int32]]
        let attention_mask: [[Int32]]
        let logits: [String: [[Float]]]
        let mixed_adapter_names: [String]
        let mixed_logits: [[Float]]
        /// Class per input row, and per adapter PEFT's gradients of the mean cross-entropy over the rows.
        let labels: [Int]
        let gradients: [String: [String: [Float]]]
    }

    let reference: Reference
    let base: BertWeights
    let fixtures: URL

    init() throws {
        fixtures = try fixturesDirectory()
        reference = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: fixtures.appendingPathComponent("tiny_peft_variants.json")))
        base = try BertWeights(directory: fixtures.appendingPathComponent("tiny_base"))
    }

    var batch: TokenBatch {
        get throws {
            try TokenBatch(ids: reference.input_ids.flatMap { $0 }, mask: reference.attention_mask.flatMap { $0 },
                           batch: reference.input_ids.count, seq: reference.input_ids[0].count)
        }
    }

    /// Imports a variant and loads it the way the runtime does: with the version's own config.
    func importedModel(_ name: String) throws -> (BertLoRAModel, LoRAConfig) {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        let manifest = try registry.importPEFT(from: fixtures.appendingPathComponent("tiny_peft_variants/\(name)"),
                                               baseModelSHA256: "00ff", reason: "variant")
        let loaded = try registry.load(manifest.version)
        let lora = try loaded.snapshot.config.loraConfig(layerCount: base.config.numHiddenLayers)
        let model = try BertLoRAModel(base: base, lora: lora, labels: loaded.snapshot.labels.count)
        try model.loadAdapter(loaded.snapshot.tensors)
        return (model, lora)
    }

    static func maxRelativeError(_ a: [[Float]], _ b: [[Float]]) -> Float {
        let x = a.flatMap { $0 }, y = b.flatMap { $0 }
        precondition(x.count == y.count)
        let diff = zip(x, y).map { abs($0 - $1) }.max() ?? 0
        return diff / max(y.map(abs).max() ?? 0, 1e-12)
    }

    @Test func configsTranslateAsPEFTResolvesThem() throws {
        let (_, alpha32) = try importedModel("alpha32")
        #expect(alpha32.rank == 4 && alpha32.scaling == 8 && alpha32.targets == [.query, .value] && alpha32.layers == nil)
        let (_, rs) = try importedModel("rslora")
        #expect(rs.useRSLoRA && rs.scaling == 4, "rsLoRA scales by alpha/√r = 8/2")
        #expect(rs.targets == [.query, .attentionOutput])
        let (_, dotted) = try importedModel("dotted")
        #expect(dotted.targets == [.key, .attentionOutput, .output], "PEFT's suffix rule: output.dense also wraps attention.output.dense")
        let (_, upper) = try importedModel("upper")
        #expect(upper.targets == [.intermediate, .output] && upper.layers == [1])
    }

    @Test(arguments: ["alpha32", "rslora", "dotted", "upper"])
    func importedAdapterPredictsLikePEFT(_ name: String) throws {
        let (model, _) = try importedModel(name)
        let expected = try #require(reference.logits[name])
        let logits = try model.predict(try batch)
        #expect(Self.maxRelativeError(logits, expected) <= 1e-4, "\(name)")
        // Not vacuous: the same tensors under a different scaling (what loading with another
        // config did) miss PEFT by far more than the tolerance.
        var wrong = model.lora
        wrong.alpha *= 2
        let misread = try BertLoRAModel(base: base, lora: wrong, labels: 3)
        try misread.loadAdapter(model.adapterTensors())
        #expect(Self.maxRelativeError(try misread.predict(try batch), expected) > 1e-3, "\(name): the scaling changes nothing")
    }

    /// Rows of the four adapters (different ranks, alphas, rsLoRA, targets, layers) in one batch
    /// give PEFT's logits for each row's adapter — also PEFT's own `adapter_names=` mixed batch.
    @Test func mixedAdapterBatchMatchesPEFT() throws {
        let names = ["alpha32", "dotted", "rslora", "upper"]
        let models = try names.map { try importedModel($0).0 }
        let rows = reference.mixed_adapter_names.map { names.firstIndex(of: $0)! }
        #expect(Set(rows).count == names.count)
        let mixed = try BertLoRAModel.predictMixed(try batch, adapters: models, rowAdapters: rows)
        #expect(Self.maxRelativeError(mixed, reference.mixed_logits) <= 1e-4)
        for (b, name) in reference.mixed_adapter_names.enumerated() {
            #expect(Self.maxRelativeError([mixed[b]], [reference.logits[name]![b]]) <= 1e-4, "row \(b) (\(name))")
        }
    }

    /// A copy of a variant with an edited adapter_config.json.
    func variant(_ name: String, in dir: TempDirectory, edit: (inout [String: Any]) -> Void) throws -> URL {
        let out = dir.url.appendingPathComponent("edited-\(name)")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("tiny_peft_variants/\(name)"), to: out)
        let url = out.appendingPathComponent("adapter_config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        return out
    }

    @Test func refusesWhatItCannotRepresentAndSaysWhy() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        let cases: [(String, String, (inout [String: Any]) -> Void)] = [
            ("alpha32", "bert.pooler.dense", { $0["target_modules"] = ["query", "value", "dense"] }),
            ("alpha32", "does not wrap", { $0["target_modules"] = ["query"] }),
            ("alpha32", "matches no module", { $0["target_modules"] = ["query", "value", "q_proj"] }),
            ("alpha32", "modules_to_save entry 'pooler'", { $0["modules_to_save"] = ["classifier", "pooler"] }),
            ("alpha32", "regular expression", { $0["target_modules"] = ".*query" }),
            ("upper", "not the same modules on every adapted layer",
             { $0["target_modules"] = ["layer.1.intermediate.dense", "layer.1.output.dense", "layer.0.output.dense"] }),
        ]
        for (name, needle, edit) in cases {
            let source = try variant(name, in: dir, edit: edit)
            let message = expectRegistryError { _ = try registry.importPEFT(from: source, baseModelSHA256: "00", reason: "bad") }
            #expect(message.contains(needle), "\(needle): \(message)")
            try FileManager.default.removeItem(at: source)
        }
    }

    /// StreamLoRA's own export of dotted and layer-subset targets re-imports to the same config:
    /// `output.dense` alone is written per layer, since PEFT would also wrap attention.output.dense.
    @Test func exportedTargetsResolveToTheSameModules() throws {
        for lora in [LoRAConfig(rank: 2, targets: [.output]), LoRAConfig(rank: 2, targets: [.attentionOutput, .output]),
                     LoRAConfig(rank: 3, alpha: 5, targets: [.query, .intermediate], layers: [1], useRSLoRA: true)] {
            let peft = PEFTLoRAConfig(lora: lora, layerCount: 2, baseModelNameOrPath: "tiny")
            let back = try peft.loraConfig(layerCount: 2)
            #expect(back == lora, "\(peft.targetModules)")
        }
        #expect(PEFTLoRAConfig(lora: LoRAConfig(targets: [.output]), layerCount: 2, baseModelNameOrPath: "").targetModules
            == ["layer.0.output.dense", "layer.1.output.dense"])
        #expect(PEFTLoRAConfig(lora: LoRAConfig(targets: [.value, .query]), layerCount: 6, baseModelNameOrPath: "").targetModules
            == ["query", "value"])
    }
}
