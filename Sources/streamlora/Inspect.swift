import ArgumentParser
import Foundation
import Learner
import Model

/// `streamlora inspect`: architecture and parameter economy of a LoRA configuration.
struct Inspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a model's architecture and LoRA trainable vs total parameters.",
        discussion: """
            With --model, reads DIR/config.json and counts BertModel's frozen parameters plus the \
            adapter (LoRA A/B on the targets) and classifier. With --shape OUTxIN, counts one dense \
            layer: trainable = r·(in + out) of out·in.
            """
    )

    @Option(name: .long, help: "Model directory holding config.json (e.g. models/all-MiniLM-L6-v2).")
    var model: String?

    @Option(name: .long, help: "Pipeline whose model directory and LoRA settings (rank, alpha, targets) to inspect.")
    var pipeline: String?

    @Option(name: .long, help: "A single dense weight, OUTxIN (e.g. 1000x1000).")
    var shape: String?

    @Option(name: .long, help: "LoRA target modules, comma-separated (PEFT names).")
    var targets: String = "query,value"

    @Option(name: .long, help: "LoRA rank r.")
    var rank: Int = 8

    @Option(name: .long, help: "LoRA alpha (scaling = alpha / r).")
    var alpha: Float = 16

    @Option(name: .long, help: "Number of classifier labels.")
    var labels: Int = 2

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        guard [model, shape, pipeline].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --model DIR, --pipeline FILE or --shape OUTxIN")
        }
        guard rank > 0 else { throw ValidationError("--rank must be positive") }
        guard labels > 0 else { throw ValidationError("--labels must be positive") }
        if let shape { _ = try Self.parseShape(shape) }
        _ = try parsedTargets()
    }

    func run() async throws {
        var resolved = self
        if let pipeline {
            let config = try PipelineConfig.load(contentsOf: URL(fileURLWithPath: pipeline))
            _ = try ModelDirectoryCheck.run(config: config, pipelineFile: pipeline)
            resolved.model = config.model.path
            resolved.rank = config.model.rank
            resolved.alpha = Float(config.model.alpha)
            resolved.targets = config.model.targets.joined(separator: ",")
        }
        try resolved.report()
    }

    private func report() throws {
        if let shape {
            let (out, inp) = try Self.parseShape(shape)
            let trainable = rank * (inp + out), total = out * inp
            if json {
                try printJSON(["shape": [out, inp], "rank": rank, "trainable": trainable, "total": total,
                               "trainable_percent": Self.percent(trainable, total)])
            } else {
                print("dense \(out)×\(inp), LoRA r = \(rank)")
                print("trainable \(grouped(trainable)) of \(grouped(total)) = \(Self.percentText(trainable, total)) %")
            }
            return
        }
        let dir = URL(fileURLWithPath: model!)
        let config: BertConfig
        do {
            config = try BertConfig(contentsOf: dir.appendingPathComponent("config.json"))
        } catch {
            throw ValidationError("cannot read \(dir.path)/config.json: \(error) (run ops/setup to fetch the model)")
        }
        let lora = LoRAConfig(rank: rank, alpha: alpha, targets: try parsedTargets())
        let layout = ParameterLayout(config: config, lora: lora, labels: labels)
        let frozen = config.parameterCount, trainable = layout.count, total = frozen + trainable
        if json {
            try printJSON([
                "model": dir.path, "layers": config.numHiddenLayers, "hidden": config.hiddenSize,
                "heads": config.numAttentionHeads, "intermediate": config.intermediateSize, "vocab": config.vocabSize,
                "targets": lora.targets.map(\.rawValue), "rank": rank, "alpha": Double(alpha), "labels": labels,
                "lora_parameters": layout.loraCount, "classifier_parameters": trainable - layout.loraCount,
                "trainable": trainable, "frozen": frozen, "total": total,
                "trainable_percent": Self.percent(trainable, total),
            ])
        } else {
            print("model        \(dir.path)")
            print("architecture BERT: \(config.numHiddenLayers) layers, hidden \(config.hiddenSize), \(config.numAttentionHeads) heads, intermediate \(config.intermediateSize), vocab \(config.vocabSize)")
            print("adapter      LoRA r = \(rank), alpha = \(alpha), targets \(lora.targets.map(\.rawValue).joined(separator: ",")) (\(layout.modules.count) modules)")
            print("head         pooler + classifier, \(labels) labels")
            print("parameters   LoRA \(grouped(layout.loraCount)) + classifier \(grouped(trainable - layout.loraCount)) trainable; \(grouped(frozen)) frozen")
            print("trainable \(grouped(trainable)) of \(grouped(total)) = \(Self.percentText(trainable, total)) %")
        }
    }

    private func parsedTargets() throws -> [LoRATarget] {
        do { return try LoRATarget.parseList(targets) } catch { throw ValidationError("--targets: \(error)") }
    }

    static func parseShape(_ s: String) throws -> (Int, Int) {
        let parts = s.lowercased().split(whereSeparator: { $0 == "x" || $0 == "×" }).compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--shape must be OUTxIN with positive integers, got \"\(s)\"")
        }
        return (parts[0], parts[1])
    }

    static func percent(_ part: Int, _ whole: Int) -> Double { (Double(part) / Double(whole) * 1_000_000).rounded() / 10_000 }

    /// One decimal from 1 % up, two significant digits below (0.33 %, not 0.3 %).
    static func percentText(_ part: Int, _ whole: Int) -> String {
        let p = Double(part) / Double(whole) * 100
        return p >= 1 ? String(format: "%.1f", p) : String(format: "%.2g", p)
    }
}

/// 16000 → "16,000".
func grouped(_ n: Int) -> String {
    let s = String(abs(n))
    var out = ""
    for (i, ch) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return n < 0 ? "-" + out : out
}

/// Prints a JSON object with sorted keys on one line.
func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}
