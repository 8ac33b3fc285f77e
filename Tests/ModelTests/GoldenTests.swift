import Foundation
@testable import Model
import Testing

/// Swift vs PyTorch + PEFT on a tiny random BertForSequenceClassification (make_golden.py).
@Suite struct GoldenTests {
    static let tolerance: Float = 1e-4

    @Test(arguments: ["qv", "upper"])
    func logitsMatchPEFT(name: String) throws {
        let g = try GoldenCase(name)
        let logits = try g.model().predict(try g.batch).flatMap { $0 }
        let err = relativeError(logits, try g.expected.floats("logits"))
        #expect(err <= Self.tolerance, "\(name): logits relative error \(err)")
    }

    @Test(arguments: ["qv", "upper"])
    func lossAndGradientsMatchPEFT(name: String) throws {
        let g = try GoldenCase(name)
        let model = try g.model()
        let loss = try model.computeGradients(try g.batch, labels: g.labels, weights: g.weights)
        #expect(abs(loss - g.losses[0]) <= Self.tolerance * abs(g.losses[0]), "\(name): loss \(loss) vs \(g.losses[0])")
        let grads = model.gradientTensors()
        let expectedNames = g.expected.names.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) }
        #expect(grads.map(\.name) == expectedNames.sorted())
        for t in grads {
            let ref = try g.expected.floats("grad." + t.name, shape: t.shape)
            let err = relativeError(t.data, ref)
            #expect(err <= Self.tolerance, "\(name): gradient \(t.name) relative error \(err)")
            #expect(ref.contains { $0 != 0 }, "\(name): reference gradient \(t.name) is all zero, the check would be vacuous")
        }
    }

    @Test(arguments: ["qv", "upper"])
    func threeAdamWStepsMatchPEFT(name: String) throws {
        let g = try GoldenCase(name)
        let model = try g.model()
        for s in 0..<3 {
            let r = try model.trainStep(try g.batch, labels: g.labels, weights: g.weights)
            #expect(r.applied)
            #expect(abs(r.loss - g.losses[s]) <= Self.tolerance * abs(g.losses[s]), "\(name) step \(s): loss \(r.loss) vs \(g.losses[s])")
            #expect(abs(r.gradNorm - g.gradNorms[s]) <= Self.tolerance * g.gradNorms[s], "\(name) step \(s): grad norm \(r.gradNorm) vs \(g.gradNorms[s])")
        }
        #expect(model.step == 3)
        for t in model.adapterTensors() {
            let ref = try g.expected.floats("step3." + t.name, shape: t.shape)
            let err = relativeError(t.data, ref)
            #expect(err <= Self.tolerance, "\(name): \(t.name) after 3 steps, relative error \(err)")
        }
    }
}
