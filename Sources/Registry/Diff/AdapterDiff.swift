import Foundation
import Model

/// How two versions differ: per tensor (how far the weights moved) and per manifest/config field.
package struct AdapterDiff: Codable, Sendable {
    var from: Version
    var to: Version
    /// Tensors present in both, by name.
    var tensors: [TensorDiff]
    var onlyInFrom: [String]
    var onlyInTo: [String]
    /// Manifest and config fields whose values differ (`holdout_metrics.accuracy`, `config.r`, …).
    var fields: [FieldDiff]

    enum CodingKeys: String, CodingKey {
        case from, to, tensors, fields
        case onlyInFrom = "only_in_from"
        case onlyInTo = "only_in_to"
    }

    /// Compares two loaded versions (`to` relative to `from`).
    init(from a: LoadedAdapter, to b: LoadedAdapter) {
        from = a.manifest.version
        to = b.manifest.version
        let left = Dictionary(a.snapshot.tensors.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        let right = Dictionary(b.snapshot.tensors.map { ($0.name, $0) }, uniquingKeysWith: { x, _ in x })
        tensors = left.keys.filter { right[$0] != nil }.sorted().map { TensorDiff(from: left[$0]!, to: right[$0]!) }
        onlyInFrom = left.keys.filter { right[$0] == nil }.sorted()
        onlyInTo = right.keys.filter { left[$0] == nil }.sorted()
        fields = FieldDiff.between(a.manifest, b.manifest, prefix: "") + FieldDiff.between(a.snapshot.config, b.snapshot.config, prefix: "config.")
    }
}

/// The movement of one tensor between two versions, in double precision.
struct TensorDiff: Codable, Sendable, Hashable {
    var name: String
    var shapeFrom: [Int]
    var shapeTo: [Int]
    /// ‖b − a‖₂ over all elements (nil when the shapes differ).
    var l2: Double?
    /// max |b − a| (nil when the shapes differ).
    var maxAbs: Double?
    /// a·b / (‖a‖‖b‖); nil when shapes differ or either tensor is all zeros (e.g. a fresh `lora_B`).
    var cosine: Double?
    var normFrom: Double
    var normTo: Double

    enum CodingKeys: String, CodingKey {
        case name, l2, cosine
        case shapeFrom = "shape_from"
        case shapeTo = "shape_to"
        case maxAbs = "max_abs"
        case normFrom = "norm_from"
        case normTo = "norm_to"
    }

    init(from a: NamedTensor, to b: NamedTensor) {
        name = a.name
        shapeFrom = a.shape
        shapeTo = b.shape
        normFrom = a.data.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        normTo = b.data.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard a.shape == b.shape, a.data.count == b.data.count else { return }
        var squares = 0.0, largest = 0.0, dot = 0.0
        for i in a.data.indices {
            let x = Double(a.data[i]), y = Double(b.data[i])
            squares += (y - x) * (y - x)
            largest = max(largest, abs(y - x))
            dot += x * y
        }
        l2 = squares.squareRoot()
        maxAbs = largest
        cosine = normFrom > 0 && normTo > 0 ? dot / (normFrom * normTo) : nil
    }
}

/// One field with different values in the two versions, both rendered as compact JSON.
struct FieldDiff: Codable, Sendable, Hashable {
    var field: String
    var from: String
    var to: String

    /// Top-level fields of two encodable values, one level of nesting flattened
    /// (`offsets.topic`, `holdout_metrics.accuracy`).
    static func between<T: Encodable>(_ a: T, _ b: T, prefix: String) -> [FieldDiff] {
        let left = flatten(a), right = flatten(b)
        return Set(left.keys).union(right.keys).sorted().compactMap { key in
            let x = left[key] ?? "—", y = right[key] ?? "—"
            return x == y ? nil : FieldDiff(field: prefix + key, from: x, to: y)
        }
    }

    private static func flatten<T: Encodable>(_ value: T) -> [String: String] {
        guard let data = try? RegistryJSON.encoder(pretty: false).encode(value),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        var out: [String: String] = [:]
        for (key, value) in object {
            if let nested = value as? [String: Any], !nested.isEmpty {
                for (inner, v) in nested { out["\(key).\(inner)"] = render(v) }
            } else {
                out[key] = render(value)
            }
        }
        return out
    }

    private static func render(_ value: Any) -> String {
        if let s = value as? String { return s }
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}

extension AdapterRegistry {
    /// Loads (verifying) both versions and compares them.
    package func diff(_ a: Version, _ b: Version) throws -> AdapterDiff {
        AdapterDiff(from: try load(a), to: try load(b))
    }
}
