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
}
