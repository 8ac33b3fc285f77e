import Foundation
import Tensor

/// A frozen dense layer: weight (out, in) as PyTorch stores it (in the base's precision), bias
/// (out, always fp32).
package struct FrozenLinear: Sendable {
    let weight: FrozenMatrix
    let bias: Tensor
    let outFeatures: Int
    let inFeatures: Int
}

/// A frozen LayerNorm's affine parameters.
struct FrozenLayerNorm: Sendable {
    let gamma: Tensor
    let beta: Tensor
}

/// One encoder layer's frozen weights.
package struct BertLayerWeights: Sendable {
    let query, key, value, attentionOutput, intermediate, output: FrozenLinear
    let attentionNorm, outputNorm: FrozenLayerNorm

    /// The dense module a LoRA target attaches to.
    func linear(_ target: LoRATarget) -> FrozenLinear {
        switch target {
        case .query: query
        case .key: key
        case .value: value
        case .attentionOutput: attentionOutput
        case .intermediate: intermediate
        case .output: output
        }
    }
}

/// The frozen base: a BERT encoder with pooler, loaded once and shared (read-only) by every
/// adapter. Names follow `BertModel`; a `bert.` prefix (BertForSequenceClassification) is accepted.
///
/// The base carries the precision of the frozen arithmetic (`ComputePrecision`): in bf16 the
/// dense weights and the word embeddings are stored only in bf16 (half the bytes of the base;
/// no fp32 copy is kept), and every model on the base runs its frozen products in bf16. Biases,
/// LayerNorm parameters and the small position and token-type tables stay fp32.
package final class BertWeights: Sendable {
    package let config: BertConfig
    /// Storage and arithmetic of the frozen denses and word embeddings.
    package let precision: ComputePrecision
    package let wordEmbeddings: FrozenRows
    let positionEmbeddings, tokenTypeEmbeddings: Tensor
    let embeddingNorm: FrozenLayerNorm
    package let layers: [BertLayerWeights]
    package let pooler: FrozenLinear

    /// Builds the weights from a tensor source.
    /// - Parameters:
    ///   - precision: how the denses and word embeddings are stored (and multiplied).
    ///   - tensor: returns the floats of a tensor by name with a shape check, or nil when the name
    ///     does not exist (then the `bert.`-prefixed name is tried).
    /// - Throws: `ModelError.missingTensor` naming the first absent tensor, or the source's error;
    ///   `PrecisionError.bf16Unavailable` for bf16 on a CPU without AVX512_BF16.
    package init(config: BertConfig, precision: ComputePrecision = .fp32, tensor: (String, [Int]) throws -> [Float]?) throws {
        try config.validate()
        if precision == .bf16 && !BF16Support.available { throw PrecisionError.bf16Unavailable }
        self.config = config
        self.precision = precision
        let h = config.hiddenSize, i = config.intermediateSize
        func values(_ name: String, _ shape: [Int]) throws -> [Float] {
            for candidate in [name, "bert." + name] {
                if let v = try tensor(candidate, shape) { return v }
            }
            throw ModelError.missingTensor("\(name) (also tried bert.\(name))")
        }
        func load(_ name: String, _ shape: [Int]) throws -> Tensor {
            Tensor(shape: shape, values: try values(name, shape))
        }
        func linear(_ p: String, _ out: Int, _ inp: Int) throws -> FrozenLinear {
            let w = try values(p + ".weight", [out, inp])
            return FrozenLinear(weight: w.withUnsafeBufferPointer { FrozenMatrix($0.baseAddress!, out: out, in: inp, precision: precision) },
                                bias: try load(p + ".bias", [out]), outFeatures: out, inFeatures: inp)
        }
        func norm(_ p: String) throws -> FrozenLayerNorm {
            FrozenLayerNorm(gamma: try load(p + ".weight", [h]), beta: try load(p + ".bias", [h]))
        }
        wordEmbeddings = try values("embeddings.word_embeddings.weight", [config.vocabSize, h]).withUnsafeBufferPointer {
            FrozenRows($0.baseAddress!, rows: config.vocabSize, cols: h, precision: precision)
        }
        positionEmbeddings = try load("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = try load("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h])
        embeddingNorm = try norm("embeddings.LayerNorm")
        layers = try (0..<config.numHiddenLayers).map { l in
            let p = "encoder.layer.\(l)."
            return BertLayerWeights(
                query: try linear(p + "attention.self.query", h, h),
                key: try linear(p + "attention.self.key", h, h),
                value: try linear(p + "attention.self.value", h, h),
                attentionOutput: try linear(p + "attention.output.dense", h, h),
                intermediate: try linear(p + "intermediate.dense", i, h),
                output: try linear(p + "output.dense", h, i),
                attentionNorm: try norm(p + "attention.output.LayerNorm"),
                outputNorm: try norm(p + "output.LayerNorm"))
        }
        pooler = try linear("pooler.dense", h, h)
    }

    /// Loads from an opened safetensors file.
    package convenience init(config: BertConfig, file: SafeTensorsFile, precision: ComputePrecision = .fp32) throws {
        try self.init(config: config, precision: precision) { name, shape in
            file.shape(of: name) == nil ? nil : try file.floats(name, shape: shape)
        }
    }

    /// Loads `config.json` and `model.safetensors` from a model directory.
    /// - Throws: a clear error naming the directory when either file is missing.
    package convenience init(directory: URL, precision: ComputePrecision = .fp32) throws {
        let configURL = directory.appendingPathComponent("config.json")
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError.missingFile("model directory \(directory.path) does not exist (fix model.path, or run ops/setup to fetch the base model)")
        }
        for url in [configURL, weightsURL] where !FileManager.default.fileExists(atPath: url.path) {
            throw ModelError.missingFile("\(url.path) does not exist (run ops/setup to fetch the base model)")
        }
        try self.init(config: try BertConfig(contentsOf: configURL), file: try SafeTensorsFile(contentsOf: weightsURL),
                      precision: precision)
    }

    /// Number of frozen parameters (embeddings, encoder, pooler).
    package var parameterCount: Int {
        var n = wordEmbeddings.count + positionEmbeddings.count + tokenTypeEmbeddings.count + 2 * config.hiddenSize
        for layer in layers {
            for t in LoRATarget.allCases { n += layer.linear(t).weight.count + layer.linear(t).bias.count }
            n += 4 * config.hiddenSize
        }
        return n + pooler.weight.count + pooler.bias.count
    }

    /// Bytes held by the frozen parameters (what the precision halves: denses and word
    /// embeddings; biases, norms and the small tables are fp32 in both).
    package var byteCount: Int {
        let floats = MemoryLayout<Float>.stride
        var n = wordEmbeddings.byteCount + (positionEmbeddings.count + tokenTypeEmbeddings.count + 2 * config.hiddenSize) * floats
        for layer in layers {
            for t in LoRATarget.allCases { n += layer.linear(t).weight.byteCount + layer.linear(t).bias.count * floats }
            n += 4 * config.hiddenSize * floats
        }
        return n + pooler.weight.byteCount + pooler.bias.count * floats
    }
}
