import Foundation
import Model

/// A tiny random BERT written by the test, so agent tests run fast even in a debug build.
///
/// It borrows the real all-MiniLM-L6-v2 `vocab.txt` (so the real tokenizer runs) but has
/// hidden size 32, 2 layers, 4 heads and intermediate size 64, with seeded random weights
/// under `BertModel`'s tensor names (the names `BertWeights` loads).
enum TinyBaseModel {
    static let hidden = 32
    static let layers = 2
    static let heads = 4
    static let intermediate = 64
    static let maxPositions = 128
    static let typeVocabulary = 2

    /// Writes `config.json`, `vocab.txt` and `model.safetensors` into `directory` (created).
    /// - Throws: a failure saying to run ops/setup when the real vocabulary is missing.
    static func write(to directory: URL, seed: UInt64 = 0x5EED) throws {
        let vocabularyURL = try TestPaths.realVocabulary()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let vocabulary = try String(contentsOf: vocabularyURL, encoding: .utf8)
        var lines = vocabulary.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        try FileManager.default.copyItem(at: vocabularyURL, to: directory.appendingPathComponent("vocab.txt"))

        let config: [String: Any] = [
            "architectures": ["BertModel"], "model_type": "bert",
            "vocab_size": lines.count, "hidden_size": hidden, "num_hidden_layers": layers,
            "num_attention_heads": heads, "intermediate_size": intermediate,
            "max_position_embeddings": maxPositions, "type_vocab_size": typeVocabulary,
            "layer_norm_eps": 1e-12, "hidden_act": "gelu",
        ]
        let json = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        try json.write(to: directory.appendingPathComponent("config.json"))
        try SafeTensorsWriter.write(tensors(vocabularySize: lines.count, seed: seed),
                                    to: directory.appendingPathComponent("model.safetensors"))
    }

    /// Every tensor `BertWeights` loads, with seeded values: embeddings ~U(-1, 1), dense weights
    /// ~U(-0.3, 0.3) (≈ unit-scale activations for fan-in 32–64), LayerNorm γ = 1, β = 0.
    static func tensors(vocabularySize: Int, seed: UInt64) -> [NamedTensor] {
        var rng = SeededGenerator(seed: seed)
        func uniform(_ name: String, _ shape: [Int], scale: Float) -> NamedTensor {
            let n = shape.reduce(1, *)
            return NamedTensor(name: name, shape: shape, data: (0..<n).map { _ in Float.random(in: -scale...scale, using: &rng) })
        }
        func constant(_ name: String, _ shape: [Int], _ value: Float) -> NamedTensor {
            NamedTensor(name: name, shape: shape, data: Array(repeating: value, count: shape.reduce(1, *)))
        }
        func linear(_ prefix: String, out: Int, in inputs: Int) -> [NamedTensor] {
            [uniform(prefix + ".weight", [out, inputs], scale: 0.3), uniform(prefix + ".bias", [out], scale: 0.05)]
        }
        func norm(_ prefix: String) -> [NamedTensor] {
            [constant(prefix + ".weight", [hidden], 1), constant(prefix + ".bias", [hidden], 0)]
        }
        var result = [
            uniform("embeddings.word_embeddings.weight", [vocabularySize, hidden], scale: 1),
            uniform("embeddings.position_embeddings.weight", [maxPositions, hidden], scale: 0.1),
            uniform("embeddings.token_type_embeddings.weight", [typeVocabulary, hidden], scale: 0.1),
        ] + norm("embeddings.LayerNorm")
        for layer in 0..<layers {
            let p = "encoder.layer.\(layer)."
            result += linear(p + "attention.self.query", out: hidden, in: hidden)
            result += linear(p + "attention.self.key", out: hidden, in: hidden)
            result += linear(p + "attention.self.value", out: hidden, in: hidden)
            result += linear(p + "attention.output.dense", out: hidden, in: hidden)
            result += norm(p + "attention.output.LayerNorm")
            result += linear(p + "intermediate.dense", out: intermediate, in: hidden)
            result += linear(p + "output.dense", out: hidden, in: intermediate)
            result += norm(p + "output.LayerNorm")
        }
        return result + linear("pooler.dense", out: hidden, in: hidden)
    }
}

/// splitmix64: a tiny seeded generator, so every run of a test sees the same "random" choices.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
