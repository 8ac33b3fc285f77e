import Foundation
import Model
import Testing

@testable import Registry

@Suite struct DiffTests {
    /// a = [3, 4, 0, 0], b = [0, 4, 0, 1]: b − a = [−3, 0, 0, 1], so ‖b−a‖ = √10, max |b−a| = 3,
    /// ‖a‖ = 5, ‖b‖ = √17, a·b = 16, cosine = 16 / (5·√17) = 0.776114…
    @Test func tensorNumbersMatchHandComputation() throws {
        let d = TensorDiff(
            from: NamedTensor(name: "t", shape: [2, 2], data: [3, 4, 0, 0]),
            to: NamedTensor(name: "t", shape: [2, 2], data: [0, 4, 0, 1]))
        #expect(abs(try #require(d.l2) - 3.1622776601683795) < 1e-12)
        #expect(d.maxAbs == 3)
        #expect(d.normFrom == 5)
        #expect(abs(d.normTo - 4.123105625617661) < 1e-12)
        #expect(abs(try #require(d.cosine) - 0.7761140001162403) < 1e-12)
    }

    @Test func zeroTensorHasNoCosineAndShapeChangeNoDistance() {
        let zero = TensorDiff(
            from: NamedTensor(name: "b", shape: [2], data: [0, 0]), to: NamedTensor(name: "b", shape: [2], data: [1, 1]))
        #expect(zero.cosine == nil)
        #expect(abs((zero.l2 ?? 0) - 2.0.squareRoot()) < 1e-12)
        let reshaped = TensorDiff(
            from: NamedTensor(name: "c", shape: [2], data: [1, 1]), to: NamedTensor(name: "c", shape: [3], data: [1, 1, 1]))
        #expect(reshaped.l2 == nil && reshaped.maxAbs == nil && reshaped.cosine == nil)
    }

    @Test func versionsDiffTensorsAndFields() throws {
        let dir = TempDirectory()
        let registry = try makeRegistry(dir)
        try registry.write(makeSnapshot(seed: 1, labels: ["neg", "pos"], accuracy: 0.8), reason: "v1")
        try registry.write(makeSnapshot(seed: 2, labels: ["neg", "pos", "neutral"], examples: 20, accuracy: 0.85, parent: 1), reason: "v2")
        let diff = try registry.diff(1, 2)
        #expect(diff.from == 1 && diff.to == 2)
        // Same LoRA tensors in both; the classifier changed shape (a label was added).
        let head = try #require(diff.tensors.first { $0.name == PEFTKeys.classifierWeight })
        #expect(head.shapeFrom == [2, 4] && head.shapeTo == [3, 4] && head.l2 == nil)
        // lora_A of layer 0 query: values (i % 7)·0.01·seed, i = 0..7 → seed 1 vs 2 differ by (i % 7)·0.01.
        let a = try #require(diff.tensors.first { $0.name == PEFTKeys.loraA(layer: 0, module: "query") })
        let expected = [0, 1, 2, 3, 4, 5, 6, 0].map { Double($0) * 0.01 }
        #expect(abs(try #require(a.l2) - expected.map { $0 * $0 }.reduce(0, +).squareRoot()) < 1e-6)
        #expect(abs(try #require(a.maxAbs) - 0.06) < 1e-6)
        #expect(abs(try #require(a.cosine) - 1) < 1e-6, "b = 2a is parallel to a")
        let fields = Dictionary(uniqueKeysWithValues: diff.fields.map { ($0.field, $0) })
        #expect(fields["holdout_metrics.accuracy"]?.from == "0.8")
        #expect(fields["holdout_metrics.accuracy"]?.to == "0.85")
        #expect(fields["examples_trained"]?.to == "20")
        #expect(fields["labels"]?.to == #"["neg","pos","neutral"]"#)
        #expect(fields["parent"]?.from == "null" && fields["parent"]?.to == "1")
        #expect(fields["config.r"] == nil, "unchanged fields are not listed")
    }
}
