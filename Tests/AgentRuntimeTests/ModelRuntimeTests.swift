@testable import AgentRuntime
import Foundation
import Learner
import Testing

@Suite struct ModelRuntimeTests {
    /// The runtime resolves the precision setting once and every adapter it makes runs in it.
    @Test func runtimeMakesModelsInTheResolvedPrecision() throws {
        var config = PipelineConfig(name: "bf16")
        config.model.path = TestPaths.repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2").path
        config.model.precision = .bf16
        let runtime = try ModelRuntime(config: config)
        #expect(runtime.precision.precision == .bf16)
        #expect(try runtime.makeModel(labels: 2).precision == .bf16)
    }

    /// `training.weight_decay`, `betas`, `eps` and `clip_norm` reach every model the runtime makes
    /// (they were parsed and then ignored: every model trained with the defaults).
    @Test func optimizerSettingsReachTheModels() throws {
        let dir = try TemporaryDirectory("optimizer")
        try TinyBaseModel.write(to: dir.path("tiny-bert"))
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
