import Threads
import AgentRuntime
import ArgumentParser
import Foundation
import Learner
import Registry
import Stream
import Tensor

/// `streamlora predict`: label and scores from a registry version (live by default).
struct Predict: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict labels with an adapter version (the live one by default).",
        discussion: "Reads the registry directly; it does not need a running `serve`."
    )

    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .long, help: "Adapter name (default: the pipeline's default adapter).")
    var adapter: String?

    // Not `--version`: that flag prints the program's version on every subcommand.
    @Option(name: .long, help: "Adapter version to use instead of the live one (e.g. 000042 or 42).")
    var adapterVersion: String?

    @Option(name: .long, help: "Text to classify.")
    var text: String?

    @Option(name: .long, help: "JSONL file of {\"text\": …} objects ('-' for stdin).")
    var input: String?

    @Option(name: .long, help: "Frozen-product arithmetic (fp32, bf16, auto); default: the pipeline's model.precision.")
    var precision: PrecisionSetting?

    @Flag(name: .long, help: "One JSON object per text.")
    var json = false

    func validate() throws {
        guard (text == nil) != (input == nil) else { throw ValidationError("give exactly one of --text or --input") }
        if let adapterVersion, Version(adapterVersion) == nil {
            throw ValidationError("--adapter-version '\(adapterVersion)' is not a version number (e.g. 42 or 000042)")
        }
    }

    func run() async throws {
        var loaded = try pipeline.load()
        if let precision { loaded.model.precision = precision }
        let config = loaded
        let texts = try readTexts()
        let name = adapter ?? config.routing.defaultAdapter
        let root = URL(fileURLWithPath: config.registry.path)
        // Never create a store for a typo: name the adapters that exist instead.
        let known = AdapterRegistry.adapters(in: root)
        guard known.contains(name) else {
            throw ValidationError("no adapter '\(name)' in registry \(root.path) (known: "
                + (known.isEmpty ? "none; run serve or demo first" : known.joined(separator: ", ")) + ")")
        }
        let predictions = try await Blocking.run { [adapterVersion] in
            let runtime = try ModelRuntime(config: config)
            if config.model.precision == .auto {
                FileHandle.standardError.write(Data("precision \(runtime.precision.precision): \(runtime.precision.reason)\n".utf8))
            }
            let registry = try AdapterRegistry(root: root, adapter: name, create: false)
            guard let chosen = try adapterVersion.flatMap(Version.init) ?? registry.live() else {
                throw AgentError.noLiveVersion(name)
            }
            let loaded = try registry.load(chosen)
            let live = try LiveAdapter(adapter: name, loaded: loaded, runtime: runtime)
            return try live.predict(texts)
        }
        for (text, p) in zip(texts, predictions) {
            if json {
                let object: [String: Any] = ["text": text, "label": p.label as Any, "scores": p.scores,
                                             "adapter": name, "version": p.version?.name as Any]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                let top = p.scores.sorted { $0.value > $1.value }.prefix(3)
                    .map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: ", ")
                print("\(p.label ?? "-")\t[\(top)]\tversion \(p.version?.name ?? "-")\t\(text)")
            }
        }
    }

    private func readTexts() throws -> [String] {
        if let text { return [text] }
        let data = input == "-" ? FileHandle.standardInput.readDataToEndOfFile()
            : try Data(contentsOf: URL(fileURLWithPath: input!))
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated().compactMap { i, line in
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = object["text"] as? String else {
                throw ValidationError("\(input!):\(i + 1): expected a JSON object with a string field \"text\"")
            }
            return text
        }
    }
}
