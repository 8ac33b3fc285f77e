import Foundation
@testable import Model
import Testing

/// Adapter semantics on the tiny golden base: identity at init, merge, growth, guard, persistence.
@Suite struct AdapterTests {
    let golden: GoldenCase
    init() throws { golden = try GoldenCase("qv") }

    @Test func newAdapterIsExactlyTheBase() throws {
        let batch = try golden.batch
        let withLoRA = try BertLoRAModel(base: golden.base, lora: LoRAConfig(rank: 4, alpha: 8, targets: LoRATarget.allCases), labels: 3)
        let bare = try BertLoRAModel(base: golden.base, lora: LoRAConfig(rank: 4, targets: [], seed: 7), labels: 3)
        // B = 0: the LoRA branch adds exact zeros, so the encoder output is bitwise the base's.
        #expect(try withLoRA.embeddings(batch, normalize: false) == bare.embeddings(batch, normalize: false))
        let bs = withLoRA.adapterTensors().filter { $0.name.hasSuffix("lora_B.weight") }
        #expect(bs.count == 12 && bs.allSatisfy { $0.data.allSatisfy { $0 == 0 } })
        // A ~ U(−1/√in, 1/√in), not all zero.
        for a in withLoRA.adapterTensors() where a.name.hasSuffix("lora_A.weight") {
            let bound = 1 / Float(a.shape[1]).squareRoot()
            #expect(a.data.allSatisfy { abs($0) <= bound } && a.data.contains { $0 != 0 }, "\(a.name)")
        }
    }

    @Test func mergedForwardEqualsUnmerged() throws {
        let model = try golden.model()  // golden adapter has random nonzero B
        let batch = try golden.batch
        let unmerged = try model.predict(batch).flatMap { $0 }
        try model.merge()
        #expect(model.isMerged)
        let merged = try model.predict(batch).flatMap { $0 }
        #expect(relativeError(merged, unmerged) < 1e-5)
        let weights = try model.mergedWeights()
        #expect(weights.map(\.name).contains("encoder.layer.1.attention.self.value.weight"))
        model.unmerge()
        #expect(!model.isMerged)
        #expect(try model.predict(batch).flatMap { $0 } == unmerged)
    }

    @Test func mergeRefusesNonFinite() throws {
        let model = try golden.model()
        var tensors = model.adapterTensors()
        for i in tensors.indices where tensors[i].name.contains("layer.1.attention.self.query.lora_") {
            tensors[i].data = tensors[i].data.map { _ in 1e30 }  // finite, but B·A overflows
        }
        try model.loadAdapter(tensors)
        #expect(throws: ModelError.self) { try model.merge() }
        #expect(!model.isMerged)
        #expect(throws: ModelError.self) { try model.mergedWeights() }
    }

    @Test func labelGrowthKeepsExistingLogits() throws {
        let model = try golden.model()
        let batch = try golden.batch
        _ = try model.trainStep(batch, labels: golden.labels)
        let before = try model.predict(batch)
        let momentsBefore = model.adamM.array
        model.growLabels(to: 5)
        #expect(model.labelCount == 5)
        let after = try model.predict(batch)
        for (b, a) in zip(before, after) { #expect(Array(a.prefix(3)) == b && a.count == 5) }
        // Moments of the old rows are kept, the two new rows (and their biases) start at zero.
        let l = model.layout, h = l.hidden
        #expect(Array(model.adamM.array[0..<(l.loraCount + 3 * h)]) == Array(momentsBefore[0..<(l.loraCount + 3 * h)]))
        #expect(model.adamM.array[(l.loraCount + 3 * h)..<(l.loraCount + 5 * h)].allSatisfy { $0 == 0 })
        #expect(model.adamM[l.classifierBiasOffset + 3] == 0 && model.adamM[l.classifierBiasOffset + 4] == 0)
        // New rows initialized as nn.Linear: U(−1/√H, 1/√H), nonzero.
        let w = try #require(model.adapterTensors().first { $0.name == BertLoRAModel.classifierWeightKey })
        #expect(w.shape == [5, h] && w.data[(3 * h)...].allSatisfy { abs($0) <= 1 / Float(h).squareRoot() } && w.data[(3 * h)...].contains { $0 != 0 })
        // And the grown model trains on the new label.
        #expect(try model.trainStep(batch, labels: [4, 3, 0]).applied)
    }

    @Test(arguments: [Float.nan, .infinity])
    func nonFiniteStepLeavesWeightsBitwiseUnchanged(bad: Float) throws {
        let model = try golden.model()
        let batch = try golden.batch
        _ = try model.trainStep(batch, labels: golden.labels)
        let params = model.adapterTensors().map(\.data), m = model.adamM.array, v = model.adamV.array
        let r = try model.trainStep(batch, labels: golden.labels, weights: [1, bad, 1])
        #expect(!r.applied && r.skipReason != nil)
        #expect(model.adapterTensors().map(\.data).elementsEqualBitwise(params))
        #expect(model.adamM.array.bitwiseEqual(m) && model.adamV.array.bitwiseEqual(v) && model.step == 1)
    }

    @Test func saveLoadRoundTrip() throws {
        let model = try golden.model()
        let batch = try golden.batch
        for _ in 0..<2 { _ = try model.trainStep(batch, labels: golden.labels) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("adapter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("adapter_model.safetensors")
        try SafeTensorsWriter.write(model.adapterTensors(), to: url)
        let file = try SafeTensorsFile(contentsOf: url)
        #expect(file.names.contains("base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"))
        #expect(file.shape(of: "base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight") == [32, 4])
        let loaded = try BertLoRAModel(base: golden.base, lora: golden.lora, labels: 1)
        try loaded.loadAdapter(try file.names.map { NamedTensor(name: $0, shape: file.shape(of: $0)!, data: try file.floats($0)) })
        #expect(loaded.labelCount == 3)
        #expect(try loaded.predict(batch) == model.predict(batch))
    }

    @Test func loadAdapterRejectsBadTensors() throws {
        let model = try golden.model()
        let good = model.adapterTensors()
        let before = try model.predict(try golden.batch)
        #expect(throws: ModelError.self) { try model.loadAdapter(Array(good.dropFirst())) }
        var wrongShape = good
        wrongShape[0].shape = [wrongShape[0].shape[1], wrongShape[0].shape[0]]
        #expect(throws: ModelError.self) { try model.loadAdapter(wrongShape) }
        var extra = good
        extra.append(NamedTensor(name: "base_model.model.bert.encoder.layer.0.attention.self.key.lora_A.weight", shape: [4, 32], data: .init(repeating: 0, count: 128)))
        #expect(throws: ModelError.self) { try model.loadAdapter(extra) }
        // All-or-nothing: the failed loads changed nothing.
        #expect(try model.predict(try golden.batch) == before)
    }
}

extension Array where Element == Float {
    func bitwiseEqual(_ o: [Float]) -> Bool { count == o.count && zip(self, o).allSatisfy { $0.bitPattern == $1.bitPattern } }
}

extension Array where Element == [Float] {
    func elementsEqualBitwise(_ o: [[Float]]) -> Bool { count == o.count && zip(self, o).allSatisfy { $0.bitwiseEqual($1) } }
}

@Suite struct CloneTests {
    @Test func cloneTrainsIdenticallyAndIndependently() throws {
        let g = try GoldenCase("qv")
        let a = try g.model()
        _ = try a.trainStep(try g.batch, labels: g.labels)
        let b = try a.clone()
        #expect(b.step == 1 && b.adapterTensors() == a.adapterTensors())
        _ = try a.trainStep(try g.batch, labels: g.labels)
        _ = try b.trainStep(try g.batch, labels: g.labels)
        #expect(b.adapterTensors() == a.adapterTensors())  // same moments, same step → same update
        _ = try b.trainStep(try g.batch, labels: [2, 2, 2])
        #expect(b.adapterTensors() != a.adapterTensors() && a.step == 2 && b.step == 3)
    }
}
