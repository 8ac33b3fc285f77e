import Foundation
@testable import Model
import Testing

/// Rows of different adapters in one batch (one base GEMM, each row's own low-rank branch and
/// head) give each adapter's own logits. Adapters differ in rank, alpha, rsLoRA, targets, layers
/// and label count. (PEFT agreement of mixed batches: RegistryTests.PEFTVariantTests.)
@Suite struct MixedBatchTests {
    let golden: GoldenCase
    init() throws { golden = try GoldenCase("qv") }

    /// A model with every trainable tensor random (B ≠ 0, so the LoRA branch matters).
    func randomAdapter(_ lora: LoRAConfig, labels: Int, seed: UInt64) throws -> BertLoRAModel {
        let model = try BertLoRAModel(base: golden.base, lora: lora, labels: labels)
        var state = seed
        let tensors = model.adapterTensors().map { t in
            NamedTensor(name: t.name, shape: t.shape, data: t.data.map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.6
            })
        }
        try model.loadAdapter(tensors)
        return model
    }

    var adapters: [BertLoRAModel] {
        get throws {
            [try randomAdapter(LoRAConfig(rank: 4, alpha: 8, targets: [.query, .value]), labels: 3, seed: 1),
             try randomAdapter(LoRAConfig(rank: 2, alpha: 7, targets: [.key, .output], useRSLoRA: true), labels: 5, seed: 2),
             try randomAdapter(LoRAConfig(rank: 6, alpha: 3, targets: LoRATarget.allCases, layers: [1]), labels: 2, seed: 3)]
        }
    }

    var batch: TokenBatch {
        get throws {
            try TokenBatch(rows: [[2, 17, 45, 99, 123, 7, 3], [2, 250, 31, 3], [2, 5, 3], [2, 8, 9, 10, 11, 3],
                                  [2, 44, 3], [2, 61, 62, 63, 64, 65, 66, 67, 3], [2, 199, 3]])
        }
    }

    @Test(arguments: [1, 2, 4])
    func mixedRowsGiveEachAdaptersOwnLogits(threads: Int) throws {
        let adapters = try adapters
        for a in adapters { a.threads = threads }
        let rows = [0, 1, 2, 1, 0, 2, 1]
        let mixed = try BertLoRAModel.predictMixed(try batch, adapters: adapters, rowAdapters: rows)
        let alone = try adapters.map { try $0.predict(try batch) }
        for (b, a) in rows.enumerated() {
            #expect(mixed[b].count == adapters[a].labelCount)
            #expect(relativeError(mixed[b], alone[a][b]) <= 1e-4, "row \(b) adapter \(a)")
        }
        // Not vacuous: the adapters disagree on the same row.
        #expect(relativeError(Array(alone[0][0].prefix(2)), Array(alone[2][0].prefix(2))) > 1e-2)
    }

    @Test func mergedAdapterAloneMatchesTheUnmergedMixedPath() throws {
        let adapters = try adapters
        try adapters[0].merge()
        let mixed = try BertLoRAModel.predictMixed(try batch, adapters: adapters, rowAdapters: Array(repeating: 0, count: 7))
        let merged = try adapters[0].predict(try batch)
        for b in 0..<7 { #expect(relativeError(mixed[b], merged[b]) <= 1e-4) }
    }

    @Test func refusesAdaptersOfAnotherBaseOrPooling() throws {
        let a = try adapters[0]
        let mean = try BertLoRAModel(base: golden.base, lora: LoRAConfig(pooling: .mean), labels: 3)
        #expect(throws: ModelError.self) { try BertLoRAModel.predictMixed(try batch, adapters: [a, mean], rowAdapters: [0, 1, 0, 1, 0, 1, 0]) }
        #expect(throws: ModelError.self) { try BertLoRAModel.predictMixed(try batch, adapters: [a], rowAdapters: [0, 1, 0, 0, 0, 0, 0]) }
    }
}
