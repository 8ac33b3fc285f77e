import Foundation
@testable import Model
import Tensor
import Testing

/// Test fixtures live beside this file (committed outputs of the Fixtures/*.py generators).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func json(_ name: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: url(name))) as? [String: Any])
    }

    /// The repository root: the first ancestor of this file that holds Package.swift.
    static var repoRoot: URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    /// The real MiniLM directory; a missing model fails the test with a clear message.
    static func miniLM() throws -> URL {
        let dir = repoRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
        try #require(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path),
                     "models/all-MiniLM-L6-v2/model.safetensors is missing: run ops/setup")
        return dir
    }
}

/// max|a − b| / max(max|b|, tiny) per tensor.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
    var diff: Float = 0, mag: Float = 0
    for i in a.indices {
        diff = max(diff, abs(a[i] - b[i]))
        mag = max(mag, abs(b[i]))
    }
    return diff / max(mag, 1e-12)
}

/// One golden case written by make_golden.py.
struct GoldenCase {
    let name: String
    let meta: [String: Any]
    let config: BertConfig
    let base: BertWeights
    let adapter: SafeTensorsFile
    let expected: SafeTensorsFile

    /// - Parameter precision: the base's storage and frozen arithmetic.
    init(_ name: String, precision: ComputePrecision = .fp32) throws {
        self.name = name
        meta = try Fixtures.json("golden_\(name).json")
        let cfg = try JSONSerialization.data(withJSONObject: try #require(meta["config"]))
        config = try JSONDecoder().decode(BertConfig.self, from: cfg)
        base = try BertWeights(config: config, file: try SafeTensorsFile(contentsOf: Fixtures.url("golden_\(name)_base.safetensors")),
                               precision: precision)
        adapter = try SafeTensorsFile(contentsOf: Fixtures.url("golden_\(name)_adapter.safetensors"))
        expected = try SafeTensorsFile(contentsOf: Fixtures.url("golden_\(name)_expected.safetensors"))
    }

    /// LoRA config of the case: "qv" = query,value everywhere; "upper" = every module, layer 1 only.
    var lora: LoRAConfig {
        name == "qv"
            ? LoRAConfig(rank: 4, alpha: 8, targets: [.query, .value])
            : LoRAConfig(rank: 4, alpha: 8, targets: LoRATarget.allCases, layers: [1])
    }

    var optimizer: OptimizerConfig {
        let o = meta["optimizer"] as! [String: Any]
        return OptimizerConfig(learningRate: Float(o["lr"] as! Double), beta1: Float(o["beta1"] as! Double),
                               beta2: Float(o["beta2"] as! Double), eps: Float(o["eps"] as! Double),
                               weightDecay: Float(o["weight_decay"] as! Double), maxGradNorm: Float(o["max_grad_norm"] as! Double))
    }

    var batch: TokenBatch {
        get throws {
            let ids = (meta["input_ids"] as! [[Int]]).map { $0.map(Int32.init) }
            let mask = (meta["attention_mask"] as! [[Int]]).flatMap { $0.map(Int32.init) }
            return try TokenBatch(ids: ids.flatMap { $0 }, mask: mask, batch: ids.count, seq: ids[0].count)
        }
    }

    var labels: [Int] { meta["labels"] as! [Int] }
    var weights: [Float] { (meta["weights"] as! [Double]).map(Float.init) }
    var losses: [Float] { (meta["losses"] as! [Double]).map(Float.init) }
    var gradNorms: [Float] { (meta["grad_norms"] as! [Double]).map(Float.init) }

    /// The model with the case's initial adapter loaded.
    func model() throws -> BertLoRAModel {
        let m = try BertLoRAModel(base: base, lora: lora, labels: 3, optimizer: optimizer)
        try m.loadAdapter(try adapter.names.map { NamedTensor(name: $0, shape: adapter.shape(of: $0)!, data: try adapter.floats($0)) })
        return m
    }
}
