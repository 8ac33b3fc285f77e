import SeededRandom
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

    @Test func workspacesArePooledAndReusedAcrossBatchesAndAdapters() throws {
        let model = try golden.model()
        _ = try model.trainStep(try golden.batch, labels: golden.labels)
        let held = model.workspacePool.idleCount
        #expect(held > 0, "a step gives its workspaces and scratch back to the pool")
        _ = try model.trainStep(try TokenBatch(rows: [[2, 9, 3]]), labels: [1])
        _ = try model.predict(try TokenBatch(rows: [[2, 4, 5, 3], [2, 3]]))
        // Another (smaller) adapter on the same pool reuses the same scratch instead of its own.
        let other = try BertLoRAModel(base: golden.base, lora: LoRAConfig(rank: 2, targets: [.key]), labels: 2)
        other.workspacePool = model.workspacePool
        _ = try other.trainStep(try TokenBatch(rows: [[2, 9, 3], [2, 4, 3]]), labels: [1, 0])
        #expect(model.workspacePool.idleCount == held)
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

    /// The plan's cuts are the best possible: checked against every way of cutting.
    @Test(arguments: [2, 3])
    func balancedCutsAreOptimal(parts: Int) {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<200 {
            let n = parts + Int(rng.next() % 9)
            let lengths = (0..<n).map { _ in 1 + Int(rng.next() % 40) }.sorted()
            func worst(_ ranges: [Range<Int>]) -> Int { ranges.map { $0.count * lengths[$0.upperBound - 1] }.max()! }
            let cuts = ShardPlan.balancedCuts(lengths, parts: parts)
            #expect(cuts.count == parts && cuts.allSatisfy { !$0.isEmpty })
            #expect(cuts.first?.lowerBound == 0 && cuts.last?.upperBound == n)
            #expect(zip(cuts, cuts.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            // Brute force over every set of parts − 1 cut points.
            var best = Int.max
            func search(_ start: Int, _ left: Int, _ ranges: [Range<Int>]) {
                if left == 1 { best = min(best, worst(ranges + [start..<n])); return }
                guard start + 1 <= n - left + 1 else { return }
                for end in (start + 1)...(n - left + 1) { search(end, left - 1, ranges + [start..<end]) }
            }
            search(0, parts, [])
            #expect(worst(cuts) == best, "\(lengths)")
        }
    }

    /// Each shard holds its rows' real tokens unchanged, padded only to its own longest row,
    /// and every row of the batch lands in exactly one shard.
    @Test func planTrimsPaddingPerShard() throws {
        let rows: [[Int32]] = [[2, 5, 6, 7, 8, 9, 3], [2, 3], [2, 4, 3], [2, 10, 11, 12, 13, 14, 15, 16, 3], [2, 7, 3]]
        let batch = try TokenBatch(rows: rows)
        let plan = ShardPlan(batch, count: 2)
        #expect(plan.shards.flatMap(\.rows).sorted() == Array(rows.indices))
        #expect(plan.shards.map(\.seq) == [3, 9])  // {[2,3],[2,4,3],[2,7,3]} and {7, 9 tokens}
        plan.withSlices { slices in
            for (shard, slice) in zip(plan.shards, slices) {
                for (i, row) in shard.rows.enumerated() {
                    let ids = (0..<slice.seq).map { slice.ids[i * slice.seq + $0] }
                    let mask = (0..<slice.seq).map { slice.mask[i * slice.seq + $0] }
                    #expect(Array(ids.prefix(rows[row].count)) == rows[row])
                    #expect(mask == (0..<slice.seq).map { $0 < rows[row].count ? 1 : 0 })
                }
            }
        }
        #expect(ShardPlan(batch, count: 1).shards.map(\.rows) == [Array(rows.indices)])
    }

    /// A train step's logits are the pre-update predictions (no dropout), in batch order, so
    /// the learner's test-then-train can read them from the training pass.
    @Test(arguments: [1, 2])
    func trainStepReturnsPreUpdateLogits(threads: Int) throws {
        let g = try GoldenCase("qv")
        let model = try g.model()
        model.threads = threads
        let before = try model.predict(try g.batch)
        let step = try model.trainStep(try g.batch, labels: g.labels, weights: g.weights)
        #expect(step.applied)
        #expect(relativeError(step.logits.flatMap { $0 }, before.flatMap { $0 }) <= 1e-6)
        #expect(relativeError(try model.predict(try g.batch).flatMap { $0 }, before.flatMap { $0 }) > 1e-4)
    }

    /// Rows that ride along with weight 0 (the learner's held-out examples) leave the gradients
    /// of the other rows unchanged once those are rescaled to keep their mean.
    @Test func zeroWeightRowsDoNotTrain() throws {
        let g = try GoldenCase("qv")
        let full = try g.batch
        let rows = (0..<full.batch).map { b in
            (0..<full.seq).filter { full.mask[b * full.seq + $0] != 0 }.map { full.ids[b * full.seq + $0] }
        }
        let trained = try g.model(), riding = try g.model()
        let l1 = try trained.computeGradients(try TokenBatch(rows: [rows[0], rows[2]]), labels: [g.labels[0], g.labels[2]],
                                              weights: [g.weights[0], g.weights[2]])
        let l2 = try riding.computeGradients(try TokenBatch(rows: rows), labels: g.labels,
                                             weights: [g.weights[0] * 1.5, 0, g.weights[2] * 1.5])
        #expect(abs(l1 - l2) <= 1e-6 * abs(l1))
        for (a, b) in zip(trained.gradientTensors(), riding.gradientTensors()) {
            #expect(relativeError(b.data, a.data) <= 1e-5, "\(a.name)")
        }
    }
}
