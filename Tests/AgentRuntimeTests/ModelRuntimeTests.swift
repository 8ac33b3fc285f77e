@testable import AgentRuntime
import Foundation
import Learner
import Model
import Testing

@Suite struct ModelRuntimeTests {
    /// The runtime resolves the precision setting once and every adapter it makes runs in it.
    @Test func runtimeMakesModelsInTheResolvedPrecision() throws {
        var config = PipelineConfig(name: "bf16")
        config.model.path = TestPaths.repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2").path
        config.model.precision = .bf16
        let runtime = try ModelRuntime(config: config)
        #expect(runtime.precision.precision == .bf16)
        #expect(runtime.base.precision == .bf16)
        #expect(try runtime.makeModel(labels: 2).precision == .bf16)
        // The drift monitor's input embedding reads the bf16 word table: bf16-close to the mean of
        // the fp32 rows, not equal.
        let fp32 = try BertWeights(directory: URL(fileURLWithPath: config.model.path))
        let ids: [Int32] = [101, 7592, 2088, 999, 102]
        var want = [Float](repeating: 0, count: fp32.config.hiddenSize)
        want.withUnsafeMutableBufferPointer { sum in for id in ids { fp32.wordEmbeddings.accumulate(Int(id), into: sum.baseAddress!) } }
        want = want.map { $0 / Float(ids.count) }
        let got = runtime.inputEmbedding(ids)
        let scale = want.map(abs).max() ?? 0
        #expect(got != want && scale > 0)
        #expect(zip(got, want).allSatisfy { abs($0 - $1) <= 4e-3 * scale }, "bf16 input embedding strays from fp32's")
    }

    /// `training.weight_decay`, `betas`, `eps` and `clip_norm` reach every model the runtime makes
    /// (they were parsed and then ignored: every model trained with the defaults).
    @Test func optimizerSettingsReachTheModels() throws {
        let bed = try AgentTestBed("optimizer")
        let dir = bed.dir
        var config = PipelineConfig(name: "optimizer")
        config.model.path = dir.path("tiny-bert").path
        config.training.weightDecay = 0.05
        config.training.beta1 = 0.8
        config.training.beta2 = 0.99
        config.training.eps = 1e-6
        config.training.clipNorm = 0.5
        let optimizer = try ModelRuntime(config: config).makeModel(labels: 2).optimizer
        #expect(optimizer.weightDecay == 0.05 && optimizer.beta1 == 0.8 && optimizer.beta2 == 0.99)
        #expect(optimizer.eps == Float(1e-6) && optimizer.maxGradNorm == 0.5)

        config.training.clipNorm = 0
        #expect(try ModelRuntime(config: config).makeModel(labels: 2).optimizer.maxGradNorm == nil)
    }

    /// A model directory that is not there is reported as such, with the path and the fix (it
    /// was "missing tensor: …/config.json does not exist").
    @Test func missingModelDirectoryIsNamed() throws {
        var config = PipelineConfig(name: "missing")
        config.model.path = "/nonexistent/streamlora-model"
        #expect {
            _ = try ModelRuntime(config: config)
        } throws: { error in
            "\(error)" == "model directory /nonexistent/streamlora-model does not exist (fix model.path, or run ops/setup to fetch the base model)"
        }
    }
}
