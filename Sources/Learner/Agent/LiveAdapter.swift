import Foundation
import Model
import Registry
import Stream

/// One published adapter version with merged weights (`W + (alpha/r)·B·A`), so a prediction
/// costs what the base model costs. Immutable once published; its model is used under a lock
/// because the model's scratch buffers are per instance.
public final class LiveAdapter: @unchecked Sendable {
    public let adapter: String
    /// The registry version, or nil when no version is live (see ``nothingLive(adapter:runtime:)``).
    public let version: Version?
    public let labels: [String]
    private let model: BertLoRAModel
    private let runtime: ModelRuntime
    private let lock = NSLock()

    /// Builds the merged model for `tensors`.
    /// - Throws: when the tensors don't fit the base, or merging produces non-finite weights
    ///   (then nothing is published).
    public init(adapter: String, version: Version?, labels: [String], tensors: [NamedTensor]?,
                runtime: ModelRuntime) throws {
        let model = try runtime.makeModel(labels: labels.count)
        if let tensors { try model.loadAdapter(tensors) }
        try model.merge()
        self.adapter = adapter
        self.version = version
        self.labels = labels
        self.model = model
        self.runtime = runtime
    }

    /// "No live version": what serves once a rollback past the first version withdrew the only
    /// live one. It knows no labels, so its predictions carry neither label nor version.
    public static func nothingLive(adapter: String, runtime: ModelRuntime) throws -> LiveAdapter {
        try LiveAdapter(adapter: adapter, version: nil, labels: [], tensors: nil, runtime: runtime)
    }

    /// Class probabilities of a token batch, in `labels` order.
    public func probabilities(_ batch: TokenBatch) throws -> [[Float]] {
        try lock.withLock { try model.probabilities(batch) }
    }

    /// The most probable label and every label's probability, for each text.
    public func predict(_ texts: [String]) throws -> [Prediction] {
        guard !labels.isEmpty else { return texts.map { _ in Prediction(label: nil, scores: [:], version: version) } }
        let rows = texts.map { runtime.tokenizer.encode($0, maxLength: runtime.maxLength) }
        let probabilities = try probabilities(runtime.batch(rows))
        return probabilities.map { p in
            let n = min(p.count, labels.count)
            var scores: [String: Double] = [:]
            for i in 0..<n { scores[labels[i]] = Double(p[i]) }
            let best = (0..<n).max { p[$0] < p[$1] }
            return Prediction(label: best.map { labels[$0] }, scores: scores, version: version)
        }
    }
}

/// A prediction of the live version.
public struct Prediction: Sendable, Codable, Equatable {
    /// The most probable label; nil when no version is live.
    public var label: String?
    /// Probability per label.
    public var scores: [String: Double]
    /// The version that answered (nil: no version is live).
    public var version: Version?
}

/// The live adapter of every adapter name, swapped atomically: a prediction takes one
/// reference under the lock and then works only with that version, so concurrent predictions
/// each see exactly one version, never a mix.
public final class LiveAdapters: Sendable {
    private let slots = Locked<[String: LiveAdapter]>([:])

    public init() {}

    public func publish(_ live: LiveAdapter) {
        slots.withLock { $0[live.adapter] = live }
    }

    public func current(_ adapter: String) -> LiveAdapter? {
        slots.withLock { $0[adapter] }
    }

    /// Stops serving `adapter` here (another agent owns it now).
    public func remove(_ adapter: String) {
        slots.withLock { _ = $0.removeValue(forKey: adapter) }
    }

    public var names: [String] { slots.withLock { $0.keys.sorted() } }
}
