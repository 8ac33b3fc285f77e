import Foundation

/// Label names where transformers reads them: `id2label` / `label2id` in a `config.json`
/// (`AutoConfig.from_pretrained(export)`; PEFT's `adapter_config.json` has no place for them and
/// `PeftModel.from_pretrained` ignores a `config.json` beside it).
enum PEFTLabels {
    static let configFile = "config.json"

    /// A `config.json` carrying `labels` as `id2label`/`label2id` and the sequence-classification
    /// architecture, on top of the base model's own config when given (so the file also describes
    /// the base's dimensions).
    /// - Throws: when `base` is not a JSON object.
    static func configJSON(labels: [String], base: Data?) throws -> Data {
        var object: [String: Any] = [:]
        if let base {
            guard let parsed = try JSONSerialization.jsonObject(with: base) as? [String: Any] else {
                throw RegistryError.invalidSnapshot(detail: "base config.json is not a JSON object")
            }
            object = parsed
        }
        object["model_type"] = object["model_type"] ?? "bert"
        object["architectures"] = ["BertForSequenceClassification"]
        object["id2label"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { (String($0), $1) })
        object["label2id"] = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
    }

    /// The label names of a `config.json` in `directory` in id order, if it has a complete
    /// `id2label` (ids 0..<n).
    static func labels(in directory: URL) -> [String]? {
        guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(configFile).path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let map = object["id2label"] as? [String: String], !map.isEmpty else { return nil }
        let names = (0..<map.count).compactMap { map[String($0)] }
        return names.count == map.count ? names : nil
    }
}
