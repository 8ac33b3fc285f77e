import Foundation

/// The architecture fields of a Hugging Face BERT `config.json`.
///
/// Unknown fields are ignored; dropout probabilities are irrelevant because the frozen encoder
/// always runs in eval mode (only the adapter's own dropout is applied when training).
package struct BertConfig: Codable, Sendable, Equatable {
    package var vocabSize: Int
    package var hiddenSize: Int
    package var numHiddenLayers: Int
    package var numAttentionHeads: Int
    package var intermediateSize: Int
    var maxPositionEmbeddings: Int
    var typeVocabSize: Int
    var layerNormEps: Float
    var hiddenAct: String

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
    }

    package init(vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int,
                intermediateSize: Int, maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2,
                layerNormEps: Float = 1e-12, hiddenAct: String = "gelu") {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.hiddenAct = hiddenAct
    }

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        numHiddenLayers = try c.decode(Int.self, forKey: .numHiddenLayers)
        numAttentionHeads = try c.decode(Int.self, forKey: .numAttentionHeads)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 512
        typeVocabSize = try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2
        layerNormEps = try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-12
        hiddenAct = try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu"
        try validate()
    }

    /// Reads and validates `config.json`.
    /// - Throws: `ModelError.invalidConfig` naming the file and the offending field.
    package init(contentsOf url: URL) throws {
        do {
            self = try JSONDecoder().decode(BertConfig.self, from: Data(contentsOf: url))
        } catch let error as ModelError {
            throw ModelError.invalidConfig("\(url.path): \(error)")
        } catch {
            throw ModelError.invalidConfig("\(url.path): \(error)")
        }
    }

    /// Size of one attention head.
    var headSize: Int { hiddenSize / numAttentionHeads }

    /// Parameters of BertModel for this config (embeddings, encoder, pooler), as transformers counts them.
    package var parameterCount: Int {
        let h = hiddenSize, i = intermediateSize
        let embeddings = (vocabSize + maxPositionEmbeddings + typeVocabSize) * h + 2 * h
        let layer = 4 * (h * h + h) + (h * i + i) + (i * h + h) + 4 * h
        return embeddings + numHiddenLayers * layer + h * h + h
    }

    /// Rejects architectures the encoder does not implement.
    package func validate() throws {
        guard hiddenSize > 0, numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw ModelError.invalidConfig("hidden_size \(hiddenSize) is not divisible by num_attention_heads \(numAttentionHeads)")
        }
        guard hiddenAct == "gelu" else {
            throw ModelError.invalidConfig("hidden_act \"\(hiddenAct)\" is not supported (only exact \"gelu\")")
        }
        guard numHiddenLayers > 0, intermediateSize > 0, vocabSize > 0, typeVocabSize > 0 else {
            throw ModelError.invalidConfig("layer, intermediate, vocab and type-vocab sizes must be positive")
        }
    }
}

/// Errors of the Model module; each message names what was wrong.
package enum ModelError: Error, CustomStringConvertible, Equatable {
    case invalidConfig(String)
    case missingTensor(String)
    /// The model directory, or a file it must hold, does not exist.
    case missingFile(String)
    case badShape(name: String, expected: [Int], actual: [Int])
    case invalidBatch(String)
    case invalidAdapter(String)
    case nonFinite(String)

    package var description: String {
        switch self {
        case .invalidConfig(let s): "invalid config: \(s)"
        case .missingTensor(let s): "missing tensor: \(s)"
        case .missingFile(let s): s
        case .badShape(let n, let e, let a): "tensor \(n) has shape \(a), expected \(e)"
        case .invalidBatch(let s): "invalid batch: \(s)"
        case .invalidAdapter(let s): "invalid adapter: \(s)"
        case .nonFinite(let s): "non-finite values: \(s)"
        }
    }
}
