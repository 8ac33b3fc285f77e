@testable import Model
import Testing

/// The head refit of a concept incident (`BertLoRAModel+HeadRefit`), checked against the train
/// step that the PEFT golden cases verify.
@Suite struct HeadRefitTests {
    let golden: GoldenCase
    init() throws { golden = try GoldenCase("qv") }

    private func model() throws -> BertLoRAModel {
        let model = try BertLoRAModel(base: golden.base, lora: LoRAConfig(rank: 4, alpha: 8, targets: [.query, .value], seed: 5),
                                      labels: 3)
        _ = try model.trainStep(golden.batch, labels: golden.labels, weights: golden.weights)  // a head that is not the initial one
        return model
    }

    @Test("the pooled features are what the head reads: classifying them gives predict's logits")
    func pooledFeaturesGivePredictLogits() throws {
        let m = try model()
        let features = try m.pooledFeatures(golden.batch)
        let logits = try m.predict(golden.batch)
        let head = m.adapterTensors().first { $0.name == "base_model.model.classifier.weight" }!.data
        let bias = m.adapterTensors().first { $0.name == "base_model.model.classifier.bias" }!.data
        for (x, row) in zip(features, logits) {
            let mine = (0..<3).map { c in zip(head[(c * x.count)..<((c + 1) * x.count)], x).map(*).reduce(0, +) + bias[c] }
            #expect(relativeError(mine, row) < 1e-5)
        }
    }

    @Test("one refit pass is the train step's Adam update of the head (LoRA lr 0, no decay, no clipping), and leaves LoRA and the trainer's moments alone")
    func onePassIsTheTrainStepsHeadUpdate() throws {
        let reference = try model(), refitted = try model()
        let features = try refitted.pooledFeatures(golden.batch)
        let loraBefore = Array(refitted.params.array[..<refitted.layout.loraCount])
        let moments = refitted.optimizerState
        var state = BertLoRAModel.HeadRefitState()
        let fit = refitted.refitHead(features: features, labels: golden.labels, weights: golden.weights, passes: 1,
                                     learningRate: 0.01, state: &state)
        // Reference: a fresh-moment AdamW step on the head alone, through the verified backward pass.
        reference.resetOptimizerState()
        reference.optimizer = OptimizerConfig(learningRate: 0, weightDecay: 0, maxGradNorm: nil, headLearningRate: 0.01)
        let step = try reference.trainStep(golden.batch, labels: golden.labels, weights: golden.weights)
        let head = refitted.layout.loraCount
        let expected = Array(reference.params.array[head...]), got = Array(refitted.params.array[head...])
        #expect(relativeError(got, expected) < 1e-4)
        #expect(abs(fit.before - step.loss) < 1e-4 * max(1, abs(step.loss)))
        #expect(fit.after < fit.before)
        #expect(Array(refitted.params.array[..<head]) == loraBefore)
        #expect(refitted.optimizerState == moments)
    }

    @Test("more passes fit the rows: a relabelled batch is learned by the head alone")
    func passesLearnARelabelling() throws {
        let m = try model()
        let features = try m.pooledFeatures(golden.batch)
        let relabelled = golden.labels.map { ($0 + 1) % 3 }
        var state = BertLoRAModel.HeadRefitState()
        let fit = m.refitHead(features: features, labels: relabelled, weights: golden.weights.map { _ in 1 }, passes: 200,
                              learningRate: 0.01, state: &state)
        let predicted = try m.predict(golden.batch).map { row in row.indices.max { row[$0] < row[$1] }! }
        #expect(predicted == relabelled, "loss \(fit.before) → \(fit.after)")
    }

    /// A label first seen during an incident grows the head by a row; the refit's moments must
    /// grow with it, not start over (fresh Adam moves every head parameter by about the full
    /// learning rate on its first step).
    @Test("a new label keeps the refit's moments and step: the new row's are zero, the others' where they were")
    func newLabelKeepsTheMoments() throws {
        let m = try model()
        let features = try m.pooledFeatures(golden.batch)
        var state = BertLoRAModel.HeadRefitState()
        m.refitHead(features: features, labels: golden.labels, weights: golden.weights, passes: 3, learningRate: 0.01, state: &state)
        let H = m.layout.hidden, before = state
        #expect(before.step == 3 && before.m.count == 3 * H + 3 && before.m.contains { $0 != 0 })
        m.growLabels(to: 4)
        var grown = before
        grown.fit(classes: 4, hidden: H)
        #expect(grown.step == 3)
        for moments in [(grown.m, before.m), (grown.v, before.v)] {
            #expect(Array(moments.0[..<(3 * H)]) == Array(moments.1[..<(3 * H)]), "weight rows of the known labels")
            #expect(moments.0[(3 * H)..<(4 * H)].allSatisfy { $0 == 0 }, "the new label's row")
            #expect(Array(moments.0[(4 * H)..<(4 * H + 3)]) == Array(moments.1[(3 * H)...]), "biases of the known labels")
            #expect(moments.0[4 * H + 3] == 0, "the new label's bias")
        }
        // The refit itself grows them so: its next pass is Adam's step 4, from those moments.
        m.refitHead(features: features, labels: golden.labels, weights: golden.weights, passes: 1, learningRate: 0.01, state: &state)
        #expect(state.step == 4 && state.m.count == 4 * H + 4)
    }
}
