import Foundation
import Model
import Registry
import Tensor

/// What every adapter of a pipeline shares: the frozen base (loaded once, read-only), the
/// tokenizer, the base model's checksum, and the pipeline's model and optimizer settings.
public final class ModelRuntime: Sendable {
    public let directory: URL
    public let base: BertWeights
    public let tokenizer: WordPieceTokenizer
    /// sha256 of `model.safetensors`, recorded in every manifest.
    public let baseSHA256: String
    public let lora: LoRAConfig
    public let maxLength: Int
    /// `model.precision` resolved on this machine, with the reason (and the probe's numbers for auto).
    public let precision: PrecisionSetting.Resolution

    /// Loads the base model named by the pipeline.
    /// - Throws: a clear error naming the missing or corrupt file.
    public init(config: PipelineConfig, relativeTo root: URL? = nil) throws {
        let path = config.model.path
        directory = path.hasPrefix("/") || root == nil
            ? URL(fileURLWithPath: path) : root!.appendingPathComponent(path)
        base = try BertWeights(directory: directory)
        tokenizer = try WordPieceTokenizer(modelDirectory: directory)
        baseSHA256 = try SHA256.hex(ofFileAt: directory.appendingPathComponent("model.safetensors")).sha256
        let targets = try config.model.targets.map { name -> LoRATarget in
            guard let t = LoRATarget(rawValue: name) else {
                throw ModelError.invalidConfig("model.targets: unknown module '\(name)'")
            }
            return t
        }
        lora = LoRAConfig(rank: config.model.rank, alpha: Float(config.model.alpha), dropout: Float(config.model.dropout),
                          targets: targets, pooling: config.model.pooling == .mean ? .mean : .cls, seed: config.model.seed)
        maxLength = config.model.maxLength
        precision = try config.model.precision.resolve()
    }

    /// A fresh adapter (B = 0: exactly the base model) with `labels` classifier rows.
    public func makeModel(labels: Int, optimizer: OptimizerConfig = OptimizerConfig()) throws -> BertLoRAModel {
        let model = try BertLoRAModel(base: base, lora: lora, labels: max(labels, 1), optimizer: optimizer)
        try model.setPrecision(precision.precision)
        return model
    }

    /// The PEFT `LoraConfig` written next to every version.
    public var peftConfig: PEFTLoRAConfig {
        PEFTLoRAConfig(r: lora.rank, loraAlpha: Double(lora.alpha), loraDropout: Double(lora.dropout),
                       targetModules: lora.targets.map(\.rawValue),
                       baseModelNameOrPath: directory.lastPathComponent == "all-MiniLM-L6-v2"
                           ? "sentence-transformers/all-MiniLM-L6-v2" : directory.path)
    }

    /// Token ids of `texts`, padded to the longest.
    public func batch(_ rows: [[Int32]]) throws -> TokenBatch {
        try TokenBatch(rows: rows)
    }
}
