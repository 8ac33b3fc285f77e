import Foundation

/// The PEFT `LoraConfig` of an adapter (`adapter_config.json`), limited to what StreamLoRA's LoRA
/// layers implement: plain LoRA on linear layers, a trained classifier head, no DoRA, no per-layer
/// ranks.
///
/// Written with the field names of PEFT 0.21 so `PeftModel.from_pretrained` loads an export
/// unchanged; fields PEFT adds and we do not model are left out (PEFT fills in its defaults).
package struct PEFTLoRAConfig: Sendable, Hashable {
    var peftType: String
    var taskType: String
    /// Rank of the low-rank update.
    package var r: Int
    var loraAlpha: Double
    var loraDropout: Double
    /// Module name suffixes that carry LoRA (e.g. `["query", "value"]`).
    package var targetModules: [String]
    /// Modules trained in full and saved with the adapter (the classification head).
    var modulesToSave: [String]
    package var baseModelNameOrPath: String
    package var bias: String
    var fanInFanOut: Bool
    var inferenceMode: Bool
    package var useRSLoRA: Bool
    var useDoRA: Bool
    var initLoRAWeights: Bool

    package init(
        r: Int, loraAlpha: Double, loraDropout: Double = 0, targetModules: [String] = ["query", "value"],
        modulesToSave: [String] = ["classifier"], baseModelNameOrPath: String = "sentence-transformers/all-MiniLM-L6-v2",
        inferenceMode: Bool = true
    ) {
        self.peftType = "LORA"
        self.taskType = "SEQ_CLS"
        self.r = r
        self.loraAlpha = loraAlpha
        self.loraDropout = loraDropout
        self.targetModules = targetModules
        self.modulesToSave = modulesToSave
        self.baseModelNameOrPath = baseModelNameOrPath
        self.bias = "none"
        self.fanInFanOut = false
        self.inferenceMode = inferenceMode
        self.useRSLoRA = false
        self.useDoRA = false
        self.initLoRAWeights = true
    }

    /// The factor in `y = W·x + scaling · B·(A·x)`: `alpha / r`, or `alpha / √r` with rsLoRA.
    package var scaling: Double {
        useRSLoRA ? loraAlpha / Double(r).squareRoot() : loraAlpha / Double(r)
    }

    /// Reasons this config cannot be used by StreamLoRA's LoRA layers (empty when it can).
    var unsupportedFeatures: [String] {
        var problems: [String] = []
        if peftType != "LORA" { problems.append("peft_type '\(peftType)' (only LORA)") }
        if taskType != "SEQ_CLS" { problems.append("task_type '\(taskType)' (only SEQ_CLS)") }
        if r <= 0 { problems.append("r \(r) (must be positive)") }
        if bias != "none" { problems.append("bias '\(bias)' (only none)") }
        if fanInFanOut { problems.append("fan_in_fan_out true") }
        if useDoRA { problems.append("use_dora true") }
        if targetModules.isEmpty { problems.append("empty target_modules") }
        return problems
    }
}

extension PEFTLoRAConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case peftType = "peft_type"
        case taskType = "task_type"
        case r
        case loraAlpha = "lora_alpha"
        case loraDropout = "lora_dropout"
        case targetModules = "target_modules"
        case modulesToSave = "modules_to_save"
        case baseModelNameOrPath = "base_model_name_or_path"
        case bias
        case fanInFanOut = "fan_in_fan_out"
        case inferenceMode = "inference_mode"
        case useRSLoRA = "use_rslora"
        case useDoRA = "use_dora"
        case initLoRAWeights = "init_lora_weights"
        case rankPattern = "rank_pattern"
        case alphaPattern = "alpha_pattern"
        case layersToTransform = "layers_to_transform"
        case layersPattern = "layers_pattern"
        case revision
    }

    /// Lenient about what PEFT writes (optional fields, extra fields), strict about what would change
    /// the arithmetic: per-module rank/alpha patterns and a regex `target_modules` are refused.
    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        peftType = try c.decodeIfPresent(String.self, forKey: .peftType) ?? "LORA"
        taskType = try c.decodeIfPresent(String.self, forKey: .taskType) ?? "SEQ_CLS"
        r = try c.decode(Int.self, forKey: .r)
        loraAlpha = try c.decodeIfPresent(Double.self, forKey: .loraAlpha) ?? 8
        loraDropout = try c.decodeIfPresent(Double.self, forKey: .loraDropout) ?? 0
        if let list = try? c.decode([String].self, forKey: .targetModules) {
            // PEFT keeps a set and writes it in hash order; sorted, equal configs compare equal.
            targetModules = Array(Set(list)).sorted()
        } else if let regex = try? c.decode(String.self, forKey: .targetModules) {
            throw DecodingError.dataCorruptedError(
                forKey: .targetModules, in: c,
                debugDescription: "target_modules as a regular expression ('\(regex)') is not supported; list the module names")
        } else {
            throw DecodingError.keyNotFound(
                CodingKeys.targetModules, .init(codingPath: c.codingPath, debugDescription: "target_modules is required"))
        }
        modulesToSave = try c.decodeIfPresent([String].self, forKey: .modulesToSave) ?? []
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath) ?? ""
        bias = try c.decodeIfPresent(String.self, forKey: .bias) ?? "none"
        fanInFanOut = try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) ?? false
        inferenceMode = try c.decodeIfPresent(Bool.self, forKey: .inferenceMode) ?? true
        useRSLoRA = try c.decodeIfPresent(Bool.self, forKey: .useRSLoRA) ?? false
        useDoRA = try c.decodeIfPresent(Bool.self, forKey: .useDoRA) ?? false
        initLoRAWeights = (try? c.decodeIfPresent(Bool.self, forKey: .initLoRAWeights)) ?? true
        for key in [CodingKeys.rankPattern, .alphaPattern] {
            if let pattern = try? c.decodeIfPresent([String: Double].self, forKey: key), !pattern.isEmpty {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: c, debugDescription: "\(key.stringValue) \(pattern) is not supported (one rank and alpha for all modules)")
            }
        }
        if c.contains(.layersToTransform), try !c.decodeNil(forKey: .layersToTransform) {
            throw DecodingError.dataCorruptedError(
                forKey: .layersToTransform, in: c, debugDescription: "layers_to_transform is not supported (LoRA on every layer)")
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(peftType, forKey: .peftType)
        try c.encode(taskType, forKey: .taskType)
        try c.encode(r, forKey: .r)
        try c.encode(loraAlpha, forKey: .loraAlpha)
        try c.encode(loraDropout, forKey: .loraDropout)
        try c.encode(targetModules, forKey: .targetModules)
        try c.encode(modulesToSave, forKey: .modulesToSave)
        try c.encode(baseModelNameOrPath, forKey: .baseModelNameOrPath)
        try c.encode(bias, forKey: .bias)
        try c.encode(fanInFanOut, forKey: .fanInFanOut)
        try c.encode(inferenceMode, forKey: .inferenceMode)
        try c.encode(useRSLoRA, forKey: .useRSLoRA)
        try c.encode(useDoRA, forKey: .useDoRA)
        try c.encode(initLoRAWeights, forKey: .initLoRAWeights)
        try c.encode([String: Double](), forKey: .rankPattern)
        try c.encode([String: Double](), forKey: .alphaPattern)
        try c.encodeNil(forKey: .layersToTransform)
        try c.encodeNil(forKey: .layersPattern)
        try c.encodeNil(forKey: .revision)
    }
}
