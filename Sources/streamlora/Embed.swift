import Threads
import ArgumentParser
import Foundation
import Model
import Stream
import Tensor

/// `streamlora embed`: the base model's sentence embedding (mean-pooled, L2-normalized), the
/// same vector sentence-transformers' all-MiniLM-L6-v2 gives, so anyone can compare.
struct Embed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Print sentence embeddings of the base model (compare with sentence-transformers).",
        discussion: "Without --text, reads JSONL ({\"text\": …} per line) or plain lines from stdin."
    )

    @Option(name: .long, help: "Model directory (config.json, model.safetensors, vocab.txt).")
    var model: String = "models/all-MiniLM-L6-v2"

    @Option(name: .long, help: "Text to embed.")
    var text: String?

    @Option(name: .long, help: "Maximum tokens per text, [CLS] and [SEP] included.")
    var maxLength: Int = 256

    @Option(name: .long, help: "Frozen-product arithmetic: fp32, bf16 (needs AVX512_BF16) or auto.")
    var precision: PrecisionSetting = .fp32

    @Flag(name: .long, help: "One JSON object per text: {\"text\", \"embedding\"}.")
    var json = false

    func run() async throws {
        let texts = try text.map { [$0] } ?? readStdin()
        let directory = URL(fileURLWithPath: model)
        let maxLength = maxLength
        let precision = try precision.resolveAnnounced()
        let vectors = try await Blocking.run {
            let tokenizer = try WordPieceTokenizer(modelDirectory: directory)
            let model = try BertLoRAModel(base: BertWeights(directory: directory, precision: precision), labels: 1)
            var out: [[Float]] = []
            for start in stride(from: 0, to: texts.count, by: 32) {
                let chunk = texts[start..<min(start + 32, texts.count)]
                out += try model.embeddings(TokenBatch(rows: chunk.map { tokenizer.encode($0, maxLength: maxLength) }))
            }
            return out
        }
        for (t, v) in zip(texts, vectors) {
            if json {
                let data = try JSONSerialization.data(withJSONObject: ["text": t, "embedding": v.map(Double.init)],
                                                      options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(v.map { String(format: "%.6f", $0) }.joined(separator: " "))
            }
        }
    }

    private func readStdin() throws -> [String] {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        return try input.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { return nil }
            if trimmed.hasPrefix("{") {
                guard let o = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any],
                      let t = o["text"] as? String else {
                    throw ValidationError("stdin: a JSON line needs a string field \"text\": \(trimmed.prefix(80))")
                }
                return t
            }
            return String(line)
        }
    }
}
