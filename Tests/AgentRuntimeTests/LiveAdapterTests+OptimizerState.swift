import Foundation
import Model
import Registry
import Testing

@testable import AgentRuntime

/// An adapter is data, optimizer state included: a trainer written to the registry and read
/// back (what residency eviction + reload and a restart do) continues exactly as the trainer
/// that never left memory, because the version carries AdamW's moments and step count.
extension LiveAdapterTests {
    @Test func reloadedTrainerContinuesWithItsAdamMoments() throws {
        let trainer = try runtime.makeModel(labels: 3)
        let rows = texts.map { runtime.tokenizer.encode($0, maxLength: runtime.maxLength) }
        let batch = try runtime.batch(rows), labels = [0, 1, 2, 1, 0]
        for _ in 0..<3 { #expect(try trainer.trainStep(batch, labels: labels).applied) }
        let saved = try #require(trainer.optimizerState)
        #expect(saved.step == 3 && saved.v.contains { $0 > 0 }, "three steps leave non-zero second moments")

        let registry = try AdapterRegistry(root: dir.path("registry"), adapter: "moments", create: true)
        var snapshot = AdapterSnapshot(tensors: trainer.adapterTensors(), config: runtime.peftConfig(for: trainer.lora),
                                       baseModelSHA256: runtime.baseSHA256, labels: ["a", "b", "c"], steps: 3)
        snapshot.optimizer = saved
        let manifest = try registry.write(snapshot, status: .live, reason: "evicted")
        #expect(manifest.files["optimizer.safetensors"] != nil, "the moments are checksummed with the version")

        let loaded = try registry.load(manifest.version, optimizer: true)
        #expect(loaded.snapshot.optimizer == saved)
        #expect(try registry.load(manifest.version).snapshot.optimizer == nil, "serving does not read the moments")
        let reloaded = try runtime.model(of: loaded.snapshot)
        // Without the moments (as before): zero moments, bias correction from step 1.
        let amnesiac = try runtime.model(of: try registry.load(manifest.version).snapshot)

        for model in [trainer, reloaded, amnesiac] { _ = try model.trainStep(batch, labels: labels) }
        let continued = trainer.adapterTensors().flatMap(\.data)
        #expect(reloaded.adapterTensors().flatMap(\.data) == continued, "reloaded: the same next step, bit for bit")
        #expect(reloaded.optimizerState == trainer.optimizerState)
        let drift = zip(amnesiac.adapterTensors().flatMap(\.data), continued).map { abs($0 - $1) }.max() ?? 0
        #expect(drift > 1e-4, "not vacuous: restarting the moments changes the next step (max |Δ| \(drift))")
    }

    @Test func corruptOptimizerStateIsRefusedOnlyWhereItIsRead() throws {
        let trainer = try runtime.makeModel(labels: 2)
        let batch = try runtime.batch(texts.prefix(2).map { runtime.tokenizer.encode($0, maxLength: runtime.maxLength) })
        _ = try trainer.trainStep(batch, labels: [0, 1])
        let registry = try AdapterRegistry(root: dir.path("registry"), adapter: "torn", create: true)
        var snapshot = AdapterSnapshot(tensors: trainer.adapterTensors(), config: runtime.peftConfig(for: trainer.lora),
                                       baseModelSHA256: runtime.baseSHA256, labels: ["a", "b"])
        snapshot.optimizer = trainer.optimizerState
        let manifest = try registry.write(snapshot, status: .live, reason: "test")
        let file = registry.directory(of: manifest.version).appendingPathComponent("optimizer.safetensors")
        var bytes = try Data(contentsOf: file)
        bytes[bytes.count - 1] ^= 0x40
        try bytes.write(to: file)
        #expect(throws: RegistryError.self) { try registry.load(manifest.version, optimizer: true) }
        do {
            _ = try registry.load(manifest.version, optimizer: true)
        } catch {
            #expect("\(error)".contains("optimizer.safetensors"), "the error names the file: \(error)")
        }
        // Serving reads only the weights, which still verify.
        #expect(try LiveAdapter(adapter: "torn", loaded: registry.load(manifest.version), runtime: runtime).version == manifest.version)
    }
}
