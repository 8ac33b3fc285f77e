import Foundation
import Learner
import Model
import Registry
import Tensor

/// What every adapter of a pipeline shares: the frozen base (loaded once, read-only), the
/// tokenizer, the base model's checksum, and the pipeline's model and optimizer settings.
package final class ModelRuntime: Sendable {
    package let directory: URL
    package let base: BertWeights
    package let tokenizer: WordPieceTokenizer
    /// sha256 of `model.safetensors`, recorded in every manifest.
    package let baseSHA256: String
    package let lora: LoRAConfig
    package let maxLength: Int
    /// `model.precision` resolved on this machine, with the reason (and the probe's numbers for auto).
    package let precision: PrecisionSetting.Resolution
    /// The pipeline's AdamW and clipping settings (`training.weight_decay`, `betas`, `eps`,
    /// `clip_norm`); the learning rates are set per step by the worker's schedule.
    package let optimizer: OptimizerConfig
    /// Scratch shared by every adapter's passes (workspaces belong to threads, not adapters).
    let workspaces = WorkspacePool()

    /// Loads the base model named by the pipeline.
    /// - Throws: a clear error naming the missing or corrupt file.
    package init(config: PipelineConfig, relativeTo root: URL? = nil) throws {
        let path = config.model.path
        directory = path.hasPrefix("/") || root == nil
            ? URL(fileURLWithPath: path) : root!.appendingPathComponent(path)
        precision = try config.model.precision.resolve()
        base = try BertWeights(directory: directory, precision: precision.precision)
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
        let t = config.training
        optimizer = OptimizerConfig(learningRate: Float(t.lr), beta1: Float(t.beta1), beta2: Float(t.beta2), eps: Float(t.eps),
                                    weightDecay: Float(t.weightDecay), maxGradNorm: t.clipNorm > 0 ? Float(t.clipNorm) : nil,
                                    headLearningRate: Float(t.headLR))
    }

    /// A fresh adapter (B = 0: exactly the base model) with `labels` classifier rows, shaped by
    /// `lora` (default: the pipeline's LoRA settings), in the base's precision, taking its
    /// scratch from the runtime's shared pool, with the pipeline's optimizer settings.
    package func makeModel(lora: LoRAConfig? = nil, labels: Int) throws -> BertLoRAModel {
        let model = try BertLoRAModel(base: base, lora: lora ?? self.lora, labels: max(labels, 1), optimizer: optimizer)
        model.workspacePool = workspaces
        return model
    }

    /// The LoRA config a stored version was written with (rank, alpha, rsLoRA, targets, layers,
    /// dropout are the version's; pooling and seed are the pipeline's, PEFT does not record them).
    /// A version is data: it is always loaded with its own config, never the pipeline's.
    /// - Throws: `ModelError.invalidConfig` when the config does not fit this base.
    func loraConfig(of peft: PEFTLoRAConfig) throws -> LoRAConfig {
        try peft.loraConfig(layerCount: base.config.numHiddenLayers, pooling: lora.pooling, seed: lora.seed)
    }

    /// A model holding a stored version's tensors (and its optimizer state when the snapshot
    /// carries one), shaped by the version's own config.
    /// - Parameter labels: classifier rows to grow to after loading (a label vocabulary that
    ///   grew since the version was written).
    /// - Throws: when the config or the tensors do not fit the base.
    package func model(of snapshot: AdapterSnapshot, labels: Int = 0) throws -> BertLoRAModel {
        let model = try makeModel(lora: loraConfig(of: snapshot.config), labels: snapshot.labels.count)
        try model.loadAdapter(snapshot.tensors)
        if let optimizer = snapshot.optimizer { try model.restoreOptimizerState(optimizer) }
        if labels > model.labelCount { model.growLabels(to: labels) }
        return model
    }

    /// The PEFT `LoraConfig` written next to every version of the pipeline's adapters.
    package var peftConfig: PEFTLoRAConfig { peftConfig(for: lora) }

    /// The PEFT `LoraConfig` describing `lora` on this base.
    package func peftConfig(for lora: LoRAConfig) -> PEFTLoRAConfig {
        PEFTLoRAConfig(lora: lora, layerCount: base.config.numHiddenLayers,
                       baseModelNameOrPath: directory.lastPathComponent == "all-MiniLM-L6-v2"
                           ? "sentence-transformers/all-MiniLM-L6-v2" : directory.path)
    }

    /// Token ids of `texts`, padded to the longest.
    package func batch(_ rows: [[Int32]]) throws -> TokenBatch {
        try TokenBatch(rows: rows)
    }
}

extension ModelRuntime {
    /// The input's embedding for drift monitoring: the mean of the frozen base's word embeddings
    /// over its tokens (`[CLS]`/`[SEP]` included). The adapter's pooled output would move
    /// whenever the adapter learns, so its projections would report the model's progress as
    /// input drift; this vector changes only when the inputs do. O(tokens × hidden).
    func inputEmbedding(_ ids: [Int32]) -> [Float] {
        let hidden = base.config.hiddenSize
        var sum = [Float](repeating: 0, count: hidden)
        guard !ids.isEmpty else { return sum }
        let vocabulary = base.config.vocabSize
        var n = 0
        sum.withUnsafeMutableBufferPointer { sum in
            for id in ids where id >= 0 && Int(id) < vocabulary {
                base.wordEmbeddings.accumulate(Int(id), into: sum.baseAddress!)
                n += 1
            }
        }
        if n > 0 { for j in 0..<hidden { sum[j] /= Float(n) } }
        return sum
    }
}
