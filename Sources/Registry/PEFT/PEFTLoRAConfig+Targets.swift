import Model

/// PEFT's `target_modules` resolved the way PEFT resolves them, against the modules of a
/// `BertForSequenceClassification`, and the translation to and from StreamLoRA's `LoRAConfig`.
///
/// PEFT (`check_target_module_exists`) wraps a module named `n` when a listed key `k` equals `n`
/// or `n` ends with `"." + k`. So `output.dense` also wraps `attention.output.dense`, and `dense`
/// also wraps the pooler: a list is only meaningful once resolved against the model's names.
extension PEFTLoRAConfig {
    /// One module of the base a key can name; `site` is nil for modules StreamLoRA cannot adapt
    /// (embeddings, pooler, classifier).
    struct ModuleName {
        let name: String
        let site: (layer: Int, target: LoRATarget)?
    }

    /// The named modules of a `BertForSequenceClassification` with `layerCount` layers (its
    /// `named_modules()`), which `target_modules` and `modules_to_save` keys are matched against.
    static func moduleNames(layerCount: Int) -> [ModuleName] {
        var names = ["bert", "bert.embeddings", "bert.embeddings.word_embeddings", "bert.embeddings.position_embeddings",
                     "bert.embeddings.token_type_embeddings", "bert.embeddings.LayerNorm", "bert.embeddings.dropout",
                     "bert.encoder", "bert.encoder.layer", "bert.pooler", "bert.pooler.dense", "bert.pooler.activation",
                     "dropout", "classifier"]
            .map { ModuleName(name: $0, site: nil) }
        for l in 0..<layerCount {
            let p = "bert.encoder.layer.\(l)"
            for inner in ["", ".attention", ".attention.self", ".attention.self.dropout", ".attention.output",
                          ".attention.output.LayerNorm", ".attention.output.dropout", ".intermediate",
                          ".intermediate.intermediate_act_fn", ".output", ".output.LayerNorm", ".output.dropout"] {
                names.append(ModuleName(name: p + inner, site: nil))
            }
            for t in LoRATarget.allCases {
                names.append(ModuleName(name: "bert.encoder.layer.\(l).\(t.modulePath)", site: (l, t)))
            }
        }
        return names
    }

    /// PEFT's matching rule for a list entry.
    static func key(_ key: String, matches name: String) -> Bool {
        name == key || name.hasSuffix("." + key)
    }

    /// Every (layer, target) PEFT wraps for this config on a base of `layerCount` layers.
    /// - Throws: `ModelError.invalidConfig` when a key matches a module StreamLoRA cannot adapt
    ///   (embeddings, pooler, classifier) or matches nothing (PEFT refuses that too).
    func adaptedSites(layerCount: Int) throws -> [(layer: Int, target: LoRATarget)] {
        let modules = Self.moduleNames(layerCount: layerCount)
        var sites: [(layer: Int, target: LoRATarget)] = []
        for key in targetModules {
            let hits = modules.filter { Self.key(key, matches: $0.name) }
            guard !hits.isEmpty else {
                throw ModelError.invalidConfig("target_modules entry '\(key)' matches no module of a \(layerCount)-layer BERT")
            }
            if let bad = hits.first(where: { $0.site == nil }) {
                throw ModelError.invalidConfig(
                    "target_modules entry '\(key)' matches '\(bad.name)', which StreamLoRA cannot adapt (only the encoder's dense layers)")
            }
            for hit in hits {
                let site = hit.site!
                if !sites.contains(where: { $0 == site }) { sites.append(site) }
            }
        }
        return sites
    }

    /// The `LoRAConfig` this PEFT config describes on a base of `layerCount` layers.
    /// - Parameters:
    ///   - pooling, seed: not part of a PEFT config; the pipeline's.
    /// - Throws: `ModelError.invalidConfig` for what `LoRAConfig` cannot represent: unsupported
    ///   features, unadaptable modules, or a set of adapted modules that is not "these targets on
    ///   these layers" (e.g. query on layer 0 and value on layer 1 only).
    package func loraConfig(layerCount: Int, pooling: Pooling = .cls, seed: UInt64 = 0) throws -> LoRAConfig {
        if let problem = unsupportedFeatures.first { throw ModelError.invalidConfig("unsupported \(problem)") }
        if let bad = modulesToSave.first(where: { key in
            Self.moduleNames(layerCount: layerCount).contains { $0.name != "classifier" && Self.key(key, matches: $0.name) }
        }) {
            throw ModelError.invalidConfig("modules_to_save entry '\(bad)' names a module other than the classifier head")
        }
        let sites = try adaptedSites(layerCount: layerCount)
        let targets = Set(sites.map(\.target)).sorted()
        let layers = Set(sites.map(\.layer)).sorted()
        guard sites.count == targets.count * layers.count else {
            let listed = sites.map { "layer \($0.layer) \($0.target.rawValue)" }.joined(separator: ", ")
            throw ModelError.invalidConfig("target_modules adapt \(listed): not the same modules on every adapted layer")
        }
        return LoRAConfig(rank: r, alpha: Float(loraAlpha), dropout: Float(loraDropout), targets: targets,
                          layers: layers.count == layerCount ? nil : layers, pooling: pooling, useRSLoRA: useRSLoRA, seed: seed)
    }

    /// The PEFT config of `lora` on a base of `layerCount` layers. A target is written by its
    /// own name when PEFT would wrap exactly the intended modules with it; otherwise (e.g.
    /// `output.dense` without `attention.output.dense`, or a subset of layers) per layer, as
    /// `layer.N.output.dense`, which PEFT's suffix rule matches only there.
    package init(lora: LoRAConfig, layerCount: Int, baseModelNameOrPath: String) {
        let wanted = Set((0..<layerCount).filter { lora.layers?.contains($0) ?? true }.flatMap { l in
            lora.targets.map { "bert.encoder.layer.\(l).\($0.modulePath)" }
        })
        let modules = Self.moduleNames(layerCount: layerCount).map(\.name)
        var keys: [String] = []
        for t in lora.targets {
            let hits = modules.filter { Self.key(t.rawValue, matches: $0) }
            if hits.allSatisfy(wanted.contains) {
                keys.append(t.rawValue)
            } else {
                keys += (0..<layerCount).filter { lora.layers?.contains($0) ?? true }.map { "layer.\($0).\(t.modulePath)" }
            }
        }
        self.init(r: lora.rank, loraAlpha: Double(lora.alpha), loraDropout: Double(lora.dropout), targetModules: keys.sorted(),
                  baseModelNameOrPath: baseModelNameOrPath)
        useRSLoRA = lora.useRSLoRA
    }
}
