import Foundation

/// A module of a BERT layer that can carry a LoRA pair, named as PEFT's `target_modules`.
package enum LoRATarget: String, Codable, Sendable, CaseIterable, Comparable {
    case query, key, value
    case attentionOutput = "attention.output.dense"
    case intermediate = "intermediate.dense"
    case output = "output.dense"

    /// Path of the module inside `encoder.layer.N`, as in the PEFT key layout.
    package var modulePath: String {
        switch self {
        case .query: "attention.self.query"
        case .key: "attention.self.key"
        case .value: "attention.self.value"
        case .attentionOutput: "attention.output.dense"
        case .intermediate: "intermediate.dense"
        case .output: "output.dense"
        }
    }

    /// Position in the layer's data flow, bottom (0) to top (3); backward stops at the lowest.
    var depth: Int {
        switch self {
        case .query, .key, .value: 0
        case .attentionOutput: 1
        case .intermediate: 2
        case .output: 3
        }
    }

    package static func < (a: LoRATarget, b: LoRATarget) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Parses a comma-separated PEFT-style list such as `query,value`.
    /// - Throws: `ModelError.invalidConfig` naming the unknown module.
    package static func parseList(_ s: String) throws -> [LoRATarget] {
        try s.split(separator: ",").map { part in
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let t = LoRATarget(rawValue: name) else {
                throw ModelError.invalidConfig("unknown LoRA target \"\(name)\"; known: \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return t
        }
    }
}

/// How the encoder output becomes one vector per example before the classifier.
package enum Pooling: String, Codable, Sendable {
    /// BertForSequenceClassification: frozen pooler dense + tanh on `[CLS]` (PEFT-compatible).
    case cls
    /// Masked mean of the last hidden states (sentence-transformers style).
    case mean
}

/// LoRA hyper-parameters (PEFT `LoraConfig` fields) plus the head.
package struct LoRAConfig: Codable, Sendable, Equatable {
    package var rank: Int
    package var alpha: Float
    package var dropout: Float
    package var targets: [LoRATarget]
    /// Layers that carry adapters (PEFT `layers_to_transform`); nil means every layer.
    package var layers: [Int]?
    package var pooling: Pooling
    /// Rank-stabilized LoRA (PEFT `use_rslora`): the update is scaled by alpha/√r instead of alpha/r.
    package var useRSLoRA: Bool
    /// Seed for the A initialization, the classifier initialization and adapter dropout.
    package var seed: UInt64

    package init(rank: Int = 8, alpha: Float = 16, dropout: Float = 0, targets: [LoRATarget] = [.query, .value],
                layers: [Int]? = nil, pooling: Pooling = .cls, useRSLoRA: Bool = false, seed: UInt64 = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targets = Array(Set(targets)).sorted()
        self.layers = layers
        self.pooling = pooling
        self.useRSLoRA = useRSLoRA
        self.seed = seed
    }

    /// The factor s in W·x + s·B·A·x: alpha / r, or alpha / √r with rsLoRA (PEFT's `scaling`).
    package var scaling: Float { useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank) }

    package func validate(layerCount: Int) throws {
        guard rank > 0 else { throw ModelError.invalidConfig("LoRA rank must be positive, got \(rank)") }
        guard dropout >= 0, dropout < 1 else { throw ModelError.invalidConfig("LoRA dropout must be in [0, 1), got \(dropout)") }
        if let layers, let bad = layers.first(where: { $0 < 0 || $0 >= layerCount }) {
            throw ModelError.invalidConfig("LoRA layer \(bad) does not exist (model has \(layerCount) layers)")
        }
    }

    func applies(toLayer l: Int) -> Bool { layers?.contains(l) ?? true }
}
