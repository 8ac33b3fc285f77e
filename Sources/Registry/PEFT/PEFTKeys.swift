/// Tensor names in PEFT's saved layout for a `BertForSequenceClassification` base, so the model code
/// and the registry agree on spelling (PEFT drops the adapter name, e.g. `.default`, when saving).
enum PEFTKeys {
    /// Every saved key starts with this.
    static let prefix = "base_model.model."
    static let classifierWeight = "base_model.model.classifier.weight"
    static let classifierBias = "base_model.model.classifier.bias"

    /// `base_model.model.bert.encoder.layer.{layer}.attention.self.{module}.lora_A.weight`, [r, in].
    static func loraA(layer: Int, module: String) -> String {
        "\(prefix)bert.encoder.layer.\(layer).attention.self.\(module).lora_A.weight"
    }

    /// `…{module}.lora_B.weight`, [out, r].
    static func loraB(layer: Int, module: String) -> String {
        "\(prefix)bert.encoder.layer.\(layer).attention.self.\(module).lora_B.weight"
    }

    /// Splits a LoRA key into the wrapped module's path (`bert.encoder.layer.0.attention.self.query`)
    /// and the factor (`A` or `B`); nil for other keys.
    static func parseLoRA(_ key: String) -> (module: String, factor: Character)? {
        guard key.hasPrefix(prefix) else { return nil }
        let body = key.dropFirst(prefix.count)
        for factor: Character in ["A", "B"] {
            let suffix = ".lora_\(factor).weight"
            if body.hasSuffix(suffix) { return (String(body.dropLast(suffix.count)), factor) }
        }
        return nil
    }

    /// The layer index N of a module path `bert.encoder.layer.N.…`, if it is one.
    static func layerIndex(_ module: String) -> Int? {
        let parts = module.split(separator: ".")
        guard let i = parts.firstIndex(of: "layer"), i + 1 < parts.count else { return nil }
        return Int(parts[i + 1])
    }
}
