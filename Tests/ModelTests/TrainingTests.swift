import Foundation
@testable import Model
import Testing

/// Paths the PEFT golden cases do not cover: mean pooling, adapter dropout, batch validation.
@Suite struct TrainingTests {
    let golden: GoldenCase
    init() throws { golden = try GoldenCase("qv") }

    /// Mean-pooling head: analytic gradients vs central finite differences of the forward loss.
    @Test(arguments: [Pooling.mean, .cls])
    func gradientsMatchFiniteDifferences(pooling: Pooling) throws {
        let lora = LoRAConfig(rank: 4, alpha: 8, targets: [.query, .intermediate, .output], pooling: pooling, seed: 3)
        let model = try BertLoRAModel(base: golden.base, lora: lora, labels: 3)
        // Nonzero B so A receives gradient.
        var t = model.adapterTensors()
        for i in t.indices where t[i].name.hasSuffix("lora_B.weight") {
            t[i].data = t[i].data.indices.map { Float(($0 * 37) % 11 - 5) * 0.02 }
        }
        try model.loadAdapter(t)
        let batch = try golden.batch
        try model.computeGradients(batch, labels: golden.labels, weights: golden.weights)
        let grads = model.grads.array
        let n = model.layout.count
        var maxErr: Float = 0, maxGrad: Float = 0
        for idx in stride(from: 5, to: n, by: max(1, n / 60)) {
            let old = model.params[idx]
            let eps: Float = 1e-2
            model.params[idx] = old + eps
            let up = try model.loss(batch, labels: golden.labels, weights: golden.weights)
            model.params[idx] = old - eps
            let down = try model.loss(batch, labels: golden.labels, weights: golden.weights)
            model.params[idx] = old
            maxErr = max(maxErr, abs((up - down) / (2 * eps) - grads[idx]))
            maxGrad = max(maxGrad, abs(grads[idx]))
        }
        #expect(maxGrad > 1e-3)
        #expect(maxErr <= 2e-2 * maxGrad, "max abs error \(maxErr) vs max gradient \(maxGrad)")
    }

    @Test func dropoutIsSeededAndTrainingOnly() throws {
        func run(dropout: Float, seed: UInt64) throws -> (BertLoRAModel, [[Float]]) {
            let m = try BertLoRAModel(base: golden.base, lora: LoRAConfig(rank: 4, alpha: 8, dropout: dropout, seed: seed), labels: 3)
            try m.loadAdapter(try golden.model().adapterTensors())
            for _ in 0..<2 { #expect(try m.trainStep(try golden.batch, labels: golden.labels).applied) }
            return (m, m.adapterTensors().map(\.data))
        }
        let (a, pa) = try run(dropout: 0.3, seed: 1)
        let (_, pb) = try run(dropout: 0.3, seed: 1)
        let (_, pc) = try run(dropout: 0.3, seed: 2)
        let (_, pd) = try run(dropout: 0, seed: 1)
        #expect(pa == pb)
        #expect(pa != pc && pa != pd)
        // Inference never drops: two predictions agree exactly.
        #expect(try a.predict(try golden.batch) == a.predict(try golden.batch))
    }

    @Test func batchValidationNamesTheProblem() throws {
        let model = try golden.model()
        #expect(throws: ModelError.self) { try TokenBatch(ids: [1, 2, 3], mask: [1, 1], batch: 1, seq: 3) }
        let outOfVocab = try TokenBatch(rows: [[2, 300, 3]])
        #expect { try model.predict(outOfVocab) } throws: { "\($0)".contains("300") }
        let tooLong = try TokenBatch(rows: [Array(repeating: 5, count: 17)])
        #expect { try model.predict(tooLong) } throws: { "\($0)".contains("max_position_embeddings") }
        #expect { try model.trainStep(try golden.batch, labels: [0, 3, 1]) } throws: { "\($0)".contains("label 3") }
    }

    @Test func workspaceIsReusedForSmallerBatches() throws {
        let model = try golden.model()
        _ = try model.trainStep(try golden.batch, labels: golden.labels)
        let ws = model.workspaces
        #expect(!ws.isEmpty)
        _ = try model.trainStep(try TokenBatch(rows: [[2, 9, 3]]), labels: [1])
        _ = try model.predict(try TokenBatch(rows: [[2, 4, 5, 3], [2, 3]]))
        #expect(model.workspaces.count == ws.count && zip(model.workspaces, ws).allSatisfy { $0 === $1 })
    }

    @Test func paddingDoesNotChangePredictions() throws {
        let model = try golden.model()
        let alone = try model.predict(try TokenBatch(rows: [[2, 5, 3]]))
        let padded = try model.predict(try TokenBatch(rows: [[2, 5, 3], [2, 17, 45, 99, 123, 7, 3]]))
        #expect(relativeError(padded[0], alone[0]) < 1e-5)
    }
}

@Suite struct ConfigTests {
    @Test func decodesHuggingFaceConfig() throws {
        let json = #"{"vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536, "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu", "model_type": "bert"}"#
        let c = try JSONDecoder().decode(BertConfig.self, from: Data(json.utf8))
        #expect(c.headSize == 32 && c.layerNormEps == 1e-12 && c.intermediateSize == 1536)
    }

    @Test func rejectsUnsupportedArchitecture() {
        let bad = #"{"vocab_size": 10, "hidden_size": 30, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8}"#
        #expect { try JSONDecoder().decode(BertConfig.self, from: Data(bad.utf8)) } throws: { "\($0)".contains("num_attention_heads") }
        let act = #"{"vocab_size": 10, "hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8, "hidden_act": "relu"}"#
        #expect { try JSONDecoder().decode(BertConfig.self, from: Data(act.utf8)) } throws: { "\($0)".contains("relu") }
    }

    @Test func parsesTargetLists() throws {
        #expect(try LoRATarget.parseList("query, value,attention.output.dense") == [.query, .value, .attentionOutput])
        #expect { try LoRATarget.parseList("query,qkv") } throws: { "\($0)".contains("qkv") }
    }

    @Test func missingModelDirectoryIsClear() {
        #expect { try BertWeights(directory: URL(fileURLWithPath: "/nonexistent-model")) } throws: { "\($0)".contains("ops/setup") }
    }
}

@Suite struct ShardingTests {
    /// Splitting a batch across threads must not change the result beyond float summation order.
    @Test(arguments: [2, 3])
    func shardedStepEqualsSingleThreaded(threads: Int) throws {
        let g = try GoldenCase("upper")
        let one = try g.model(), many = try g.model()
        one.threads = 1
        many.threads = threads
        let l1 = try one.computeGradients(try g.batch, labels: g.labels, weights: g.weights)
        let l2 = try many.computeGradients(try g.batch, labels: g.labels, weights: g.weights)
        #expect(abs(l1 - l2) <= 1e-6 * abs(l1))
        for (a, b) in zip(one.gradientTensors(), many.gradientTensors()) {
            #expect(relativeError(b.data, a.data) <= 1e-5, "\(a.name)")
        }
        #expect(try relativeError(many.predict(try g.batch).flatMap { $0 }, one.predict(try g.batch).flatMap { $0 }) <= 1e-6)
    }
}
