import SeededRandom
@testable import AgentRuntime
import Foundation
import Model
import Registry
import Testing

@testable import Learner

/// A version is data: it serves with its own LoRA config whatever the pipeline says, and the
/// prediction batcher answers rows of different adapters in shared passes exactly as each
/// adapter alone, naming the version that answered.
@Suite struct LiveAdapterTests {
    let dir: TemporaryDirectory
    let runtime: ModelRuntime

    init() throws {
        dir = try TemporaryDirectory("live-adapter")
        let model = dir.path("tiny-bert")
        try TinyBaseModel.write(to: model)
        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: "127.0.0.1:1", group: "g", model: model, registry: dir.path("registry")),
            file: "tiny.yaml", environment: [:])
        runtime = try ModelRuntime(config: config)
    }

    /// A model of `lora` with every tensor random (B ≠ 0).
    func randomModel(_ lora: LoRAConfig, labels: Int, seed: UInt64) throws -> BertLoRAModel {
        let model = try BertLoRAModel(base: runtime.base, lora: lora, labels: labels)
        var rng = SplitMix64(seed: seed)
        try model.loadAdapter(model.adapterTensors().map { t in
            NamedTensor(name: t.name, shape: t.shape, data: t.data.map { _ in (Float(rng.next() >> 40) / Float(1 << 24) - 0.5) * 0.8 })
        })
        return model
    }

    /// Writes `model` as a live version of `adapter` with its own PEFT config.
    func publish(_ model: BertLoRAModel, adapter: String, labels: [String]) throws -> LiveAdapter {
        let registry = try AdapterRegistry(root: dir.path("registry"), adapter: adapter, create: true)
        let manifest = try registry.write(AdapterSnapshot(
            tensors: model.adapterTensors(), config: runtime.peftConfig(for: model.lora), baseModelSHA256: runtime.baseSHA256,
            labels: labels), status: .live, reason: "test")
        return try LiveAdapter(adapter: adapter, loaded: try registry.load(manifest.version), runtime: runtime)
    }

    var texts: [String] { ["alpha beta gamma", "the quick brown fox", "delta", "one two three four five six", "zeta eta"] }

    @Test func versionServesWithItsOwnConfigNotThePipelines() throws {
        #expect(runtime.lora.rank == 4 && runtime.lora.targets == [.query, .value] && !runtime.lora.useRSLoRA)
        let odd = LoRAConfig(rank: 3, alpha: 11, targets: [.key, .output], pooling: runtime.lora.pooling, useRSLoRA: true)
        let model = try randomModel(odd, labels: 4, seed: 1)
        let live = try publish(model, adapter: "odd", labels: ["a", "b", "c", "d"])
        let batch = try runtime.batch(texts.map { runtime.tokenizer.encode($0, maxLength: runtime.maxLength) })
        let expected = try model.probabilities(batch)
        let served = try live.probabilities(batch)
        for (s, e) in zip(served, expected) {
            for (x, y) in zip(s, e) { #expect(abs(x - y) <= 1e-5) }
        }
        // Not vacuous: with alpha/r instead of alpha/√r the probabilities differ.
        var plain = odd
        plain.useRSLoRA = false
        let misread = try BertLoRAModel(base: runtime.base, lora: plain, labels: 4)
        try misread.loadAdapter(model.adapterTensors())
        let wrong = try misread.probabilities(batch)
        #expect(zip(wrong, expected).contains { w, e in zip(w, e).contains { abs($0 - $1) > 1e-3 } })
    }

    @Test func batcherAnswersMixedRequestsAsEachAdapterAlone() async throws {
        let a = try publish(try randomModel(runtime.lora, labels: 3, seed: 2), adapter: "a", labels: ["x", "y", "z"])
        let b = try publish(try randomModel(LoRAConfig(rank: 2, alpha: 5, targets: [.attentionOutput, .intermediate],
                                                       pooling: runtime.lora.pooling), labels: 2, seed: 3),
                            adapter: "b", labels: ["p", "q"])
        let batcher = PredictionBatcher(maxRows: 8, maxWait: .milliseconds(50))
        defer { batcher.shutdown() }
        let requests: [(LiveAdapter, [String])] = [(a, [texts[0], texts[1]]), (b, [texts[2]]), (a, [texts[3]]), (b, [texts[4], texts[0]])]
        let answers = try await withThrowingTaskGroup(of: (Int, [LivePrediction]).self) { group in
            for (i, (live, t)) in requests.enumerated() {
                group.addTask { (i, try await batcher.predict(live, texts: t)) }
            }
            var out: [Int: [LivePrediction]] = [:]
            for try await (i, p) in group { out[i] = p }
            return out
        }
        for (i, (live, t)) in requests.enumerated() {
            let alone = try live.predict(t)
            let got = try #require(answers[i])
            #expect(got.map(\.label) == alone.map(\.label))
            #expect(got.allSatisfy { $0.version == live.version })
            for (g, e) in zip(got, alone) {
                #expect(Set(g.scores.keys) == Set(live.labels))
                for (label, p) in e.scores { #expect(abs((g.scores[label] ?? -1) - p) <= 1e-5) }
            }
        }
        #expect(batcher.counts.rows == 6)
    }
}
