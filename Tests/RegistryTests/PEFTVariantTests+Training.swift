import Foundation
import Model
import Testing

@testable import Registry

/// Training rows of several adapters in one pass gives each adapter what PEFT computes for it
/// alone: the four variants (ranks 2–4, alpha ≠ 2r, rsLoRA, dotted and per-layer targets) each
/// see all four inputs, interleaved in one 16-row batch; logits and every LoRA and classifier
/// gradient match PEFT's backward of that adapter on the four rows (`make_peft_variants.py`).
extension PEFTVariantTests {
    static let names = ["alpha32", "dotted", "rslora", "upper"]

    /// Input rows repeated once per adapter, interleaved: row k is input k / 4 for adapter k % 4
    /// rotated, so no adapter's rows are contiguous in the batch.
    func interleaved() throws -> (batch: TokenBatch, inputs: [Int], adapters: [Int]) {
        let n = reference.input_ids.count
        var ids: [Int32] = [], mask: [Int32] = [], inputs: [Int] = [], adapters: [Int] = []
        for k in 0..<(n * Self.names.count) {
            let input = k / Self.names.count, adapter = (k + input) % Self.names.count
            ids += reference.input_ids[input]
            mask += reference.attention_mask[input]
            inputs.append(input)
            adapters.append(adapter)
        }
        return (try TokenBatch(ids: ids, mask: mask, batch: inputs.count, seq: reference.input_ids[0].count), inputs, adapters)
    }

    @Test func mixedBatchGradientsMatchPEFTForEachAdapter() throws {
        let models = try Self.names.map { try importedModel($0).0 }
        let (batch, inputs, rows) = try interleaved()
        try BertLoRAModel.computeGradientsMixed(batch, adapters: models, rowAdapters: rows,
                                                labels: inputs.map { reference.labels[$0] })
        for (a, name) in Self.names.enumerated() {
            let expected = try #require(reference.gradients[name])
            let got = Dictionary(uniqueKeysWithValues: models[a].gradientTensors().map { ($0.name, $0.data) })
            #expect(Set(got.keys) == Set(expected.keys), "\(name): tensors \(got.keys.sorted()) vs PEFT's \(expected.keys.sorted())")
            for (key, reference) in expected {
                let mine = try #require(got[key], "\(name): \(key)")
                #expect(reference.contains { $0 != 0 }, "\(name): PEFT's gradient of \(key) is all zero (vacuous)")
                #expect(Self.maxRelativeError([mine], [reference]) <= 1e-4, "\(name): \(key)")
            }
        }
    }

    @Test func mixedTrainingStepSeesPEFTLogitsForEachAdapter() throws {
        let models = try Self.names.map { try importedModel($0).0 }
        let (batch, inputs, rows) = try interleaved()
        let results = try BertLoRAModel.trainStepMixed(batch, adapters: models, rowAdapters: rows,
                                                       labels: inputs.map { reference.labels[$0] })
        for (a, name) in Self.names.enumerated() {
            let expected = try #require(reference.logits[name])
            #expect(results[a].applied && models[a].step == 1, "\(name)")
            // The adapter's rows in batch order are inputs 0, 1, 2, 3.
            #expect(Self.maxRelativeError(results[a].logits, expected) <= 1e-4, "\(name)")
        }
    }
}
