import Threads
import Foundation
import Learner
import Model
import Registry
import Stream

/// One published adapter version, served unmerged: the base weights are shared by every adapter
/// and this version holds only its own LoRA factors and head (`x·W + s·(x·Aᵀ)·Bᵀ`), so a live
/// version costs its parameters, not a copy of the target matrices. Immutable once published,
/// so concurrent predictions need no lock (scratch comes from the runtime's workspace pool), and
/// rows of many live adapters can share one forward pass (`LiveAdapter.predict(_:)` on a list).
package final class LiveAdapter: @unchecked Sendable {
    package let adapter: String
    /// The registry version, or nil when no version is live (see ``nothingLive(adapter:runtime:)``).
    package let version: Version?
    package let labels: [String]
    /// Read-only after init.
    let model: BertLoRAModel
    private let runtime: ModelRuntime

    /// Builds the live model for `tensors`, shaped by the version's own LoRA `config` (its rank,
    /// alpha, rsLoRA and targets, not the pipeline's).
    /// - Throws: when the config or the tensors don't fit the base, or a weight is non-finite
    ///   (then nothing is published).
    package init(adapter: String, version: Version?, labels: [String], tensors: [NamedTensor]?, config: PEFTLoRAConfig?,
                runtime: ModelRuntime) throws {
        let model = try runtime.makeModel(lora: config.map(runtime.loraConfig(of:)), labels: labels.count)
        if let tensors { try model.loadAdapter(tensors) }  // refuses non-finite tensors
        self.adapter = adapter
        self.version = version
        self.labels = labels
        self.model = model
        self.runtime = runtime
    }

    /// "No live version": what serves once a rollback past the first version withdrew the only
    /// live one. It knows no labels, so its predictions carry neither label nor version.
    static func nothingLive(adapter: String, runtime: ModelRuntime) throws -> LiveAdapter {
        try LiveAdapter(adapter: adapter, version: nil, labels: [], tensors: nil, config: nil, runtime: runtime)
    }

    /// The live model of a stored version.
    package convenience init(adapter: String, loaded: LoadedAdapter, runtime: ModelRuntime) throws {
        try self.init(adapter: adapter, version: loaded.manifest.version, labels: loaded.snapshot.labels,
                      tensors: loaded.snapshot.tensors, config: loaded.snapshot.config, runtime: runtime)
    }

    /// The adapter's live version as the registry has it now (nothing live when `LIVE` names
    /// none); nil when the registry has no adapter of that name.
    /// - Throws: when the registry cannot be read or the version does not verify or build.
    package static func registryLive(adapter: String, registryRoot: URL, runtime: ModelRuntime) throws -> LiveAdapter? {
        guard AdapterRegistry.exists(root: registryRoot, adapter: adapter) else { return nil }
        let registry = try AdapterRegistry(root: registryRoot, adapter: adapter, create: false)
        guard let version = try registry.live() else { return try .nothingLive(adapter: adapter, runtime: runtime) }
        return try LiveAdapter(adapter: adapter, loaded: registry.load(version), runtime: runtime)
    }

    /// Class probabilities of a token batch, in `labels` order.
    func probabilities(_ batch: TokenBatch) throws -> [[Float]] {
        try BertLoRAModel.predictMixed(batch, adapters: [model], rowAdapters: Array(repeating: 0, count: batch.batch))
            .map(BertLoRAModel.softmax)
    }

    /// The most probable label and every label's probability, for each text.
    package func predict(_ texts: [String]) throws -> [LivePrediction] {
        guard !labels.isEmpty else { return texts.map { _ in prediction(nil) } }
        return try probabilities(runtime.batch(tokens(texts))).map(prediction)
    }

    /// Token ids of `texts` as this adapter's runtime encodes them.
    func tokens(_ texts: [String]) -> [[Int32]] {
        texts.map { runtime.tokenizer.encode($0, maxLength: runtime.maxLength) }
    }

    /// The prediction for one row of class probabilities (nil: no version is live).
    func prediction(_ p: [Float]?) -> LivePrediction {
        guard let p, !labels.isEmpty else { return LivePrediction(label: nil, scores: [:], version: version) }
        let n = min(p.count, labels.count)
        var scores: [String: Double] = [:]
        for i in 0..<n { scores[labels[i]] = Double(p[i]) }
        let best = (0..<n).max { p[$0] < p[$1] }
        return LivePrediction(label: best.map { labels[$0] }, scores: scores, version: version)
    }
}

/// A prediction of the live version.
package struct LivePrediction: Sendable, Codable, Equatable {
    /// The most probable label; nil when no version is live.
    package var label: String?
    /// Probability per label.
    package var scores: [String: Double]
    /// The version that answered (nil: no version is live).
    package var version: Version?
}
