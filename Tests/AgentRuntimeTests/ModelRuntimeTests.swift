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
}
