/// One LoRA pair inside the flat trainable buffer.
package struct LoRAModule: Sendable, Equatable {
    let layer: Int
    let target: LoRATarget
    let inFeatures: Int
    let outFeatures: Int
    /// Offsets (in floats) of A (r, in) and B (out, r) in the flat buffers.
    let aOffset: Int
    let bOffset: Int

    /// PEFT key prefix, e.g. `base_model.model.bert.encoder.layer.0.attention.self.query`.
    var peftPrefix: String { "base_model.model.bert.encoder.layer.\(layer).\(target.modulePath)" }
}

/// Where every trainable tensor lives in the single contiguous parameter buffer (llm.c style):
/// LoRA pairs by layer and target, then the classifier weight (labels, hidden) and bias (labels).
/// Gradients and Adam moments use the same layout, so AdamW and clipping are flat loops.
package struct ParameterLayout: Sendable, Equatable {
    package let modules: [LoRAModule]
    package let rank: Int
    package let hidden: Int
    package let labels: Int
    let classifierWeightOffset: Int
    let classifierBiasOffset: Int
    package let count: Int
    /// Per layer: the targets carrying an adapter there (precomputed so the backward pass does
    /// not allocate).
    let targetsByLayer: [[LoRATarget]]

    /// Lays out the adapter for `config` (no weights needed, e.g. for `inspect`).
    package init(config: BertConfig, lora: LoRAConfig, labels: Int) {
        var mods: [LoRAModule] = []
        var off = 0
        for l in 0..<config.numHiddenLayers where lora.applies(toLayer: l) {
            for t in lora.targets {
                let (inF, outF): (Int, Int) = switch t {
                case .intermediate: (config.hiddenSize, config.intermediateSize)
                case .output: (config.intermediateSize, config.hiddenSize)
                default: (config.hiddenSize, config.hiddenSize)
                }
                mods.append(LoRAModule(layer: l, target: t, inFeatures: inF, outFeatures: outF,
                                       aOffset: off, bOffset: off + lora.rank * inF))
                off += lora.rank * (inF + outF)
            }
        }
        modules = mods
        targetsByLayer = (0..<config.numHiddenLayers).map { l in mods.filter { $0.layer == l }.map(\.target) }
        rank = lora.rank
        hidden = config.hiddenSize
        self.labels = labels
        classifierWeightOffset = off
        classifierBiasOffset = off + labels * config.hiddenSize
        count = classifierBiasOffset + labels
    }

    /// Number of LoRA parameters (everything but the classifier).
    package var loraCount: Int { classifierWeightOffset }

    /// Index of the module for (layer, target), if that pair carries an adapter.
    package func module(layer: Int, target: LoRATarget) -> Int? {
        modules.firstIndex { $0.layer == layer && $0.target == target }
    }

    /// Lowest layer holding any LoRA pair; the backward pass stops there.
    var lowestLoRALayer: Int? { modules.map(\.layer).min() }
}
