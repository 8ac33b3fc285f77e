import Foundation
import Model
import Registry
import Stream
import TestCorpora
import Testing

/// The CLI as an operator meets it: real `streamlora` processes, a real broker, a learned registry.
@Suite("Command line without surprises")
struct CommandLineTests {
    /// Runs the built `streamlora` with `arguments` in `directory`; stdout and stderr apart.
    static func cli(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = try TestPaths.streamloraExecutable()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = Thread.detachedRead(err.fileHandleForReading)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), errors.wait())
    }

    /// A pipeline file for the tiny model and `bootstrap`, in `dir`.
    static func pipeline(in dir: TemporaryDirectory, bootstrap: String, model: URL? = nil) throws -> URL {
        let model = try model ?? {
            let tiny = dir.path("tiny-bert")
            if !FileManager.default.fileExists(atPath: tiny.path) { try TinyBaseModel.write(to: tiny) }
            return tiny
        }()
        let url = dir.path("cli.yaml")
        try TestPipeline.yaml(bootstrap: bootstrap, group: "cli", model: model, registry: dir.path("registry"))
            .write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test("a taken HTTP port stops serve with a non-zero status naming the address")
    func takenPortIsFatal() throws {
        let dir = try TemporaryDirectory("port")
        let holder = try ListeningSocket()
        let pipeline = try Self.pipeline(in: dir, bootstrap: "127.0.0.1:1")
        let run = try Self.cli(["serve", "--pipeline", pipeline.path, "--status-every", "0", "--http-port", String(holder.port)])
        #expect(run.status != 0)
        #expect(run.error.contains("cannot listen on 127.0.0.1:\(holder.port): address already in use"), "\(run.error)")
    }

    @Test("predict has one --version (the build's); the version to predict with is --adapter-version")
    func predictHasOneVersionOption() throws {
        let help = try Self.cli(["predict", "--help"])
        #expect(help.status == 0, "\(help.error)")
        let options = help.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(options.filter { $0.hasPrefix("--version") }.count == 1, "\(help.output)")
        #expect(options.contains { $0.hasPrefix("--adapter-version <adapter-version>") }, "\(help.output)")
        let root = try Self.cli(["--version"])
        #expect(root.status == 0 && root.output.trimmingCharacters(in: .whitespacesAndNewlines).first?.isNumber == true,
                "\(root.output)\(root.error)")
    }

    @Test("--http-port -1 is a value, not an unknown option")
    func negativePortParses() throws {
        let run = try Self.cli(["serve", "--pipeline", "/nonexistent/p.yaml", "--http-port", "-1"])
        #expect(run.status != 0)
        #expect(!run.error.contains("Unknown option") && !run.error.contains("Missing value"), "\(run.error)")
        #expect(run.error.contains("/nonexistent/p.yaml"), "\(run.error)")
    }

    @Test("validate checks the pipeline, the model directory and the brokers, naming what fails")
    func validateNamesFailures() throws {
        let dir = try TemporaryDirectory("validate")
        let broker = try EmbeddedBroker()
        let good = try Self.pipeline(in: dir, bootstrap: broker.bootstrapServers)
        let ok = try Self.cli(["validate", "--pipeline", good.path])
        #expect(ok.status == 0, "\(ok)")
        #expect(ok.output.contains("ok   model: ") && ok.output.contains("ok   broker: \(broker.bootstrapServers): reachable"), "\(ok.output)")

        let closed = try ListeningSocket().port  // closed again when the value dies at the end of this line
        let bad = try Self.pipeline(in: dir, bootstrap: "127.0.0.1:\(closed)", model: dir.path("no-such-model"))
        let failed = try Self.cli(["validate", "--pipeline", bad.path, "--timeout", "2"])
        #expect(failed.status == 1)
        #expect(failed.output.contains("FAIL model: model directory '\(dir.path("no-such-model").path)' (model.path in \(bad.path)"), "\(failed.output)")
        #expect(failed.output.contains("FAIL broker: 127.0.0.1:\(closed): "), "\(failed.output)")
    }

    @Test("feed names a missing CSV column once, with the option that fixes it")
    func feedNamesMissingHeader() throws {
        let dir = try TemporaryDirectory("feed")
        let csv = dir.path("data.csv")
        try "body,label\nhello,a\nworld,b\n".write(to: csv, atomically: true, encoding: .utf8)
        let run = try Self.cli(["feed", "--brokers", "127.0.0.1:1", "--topic", "t", csv.path])
        #expect(run.status != 0)
        #expect(run.error.contains("the CSV header has no column 'text' (columns: 'body', 'label')") && run.error.contains("--text-field"),
                "\(run.error)")
        #expect(run.error.components(separatedBy: "no column").count == 2, "named once: \(run.error)")
    }

    @Test("after learning: adapters take --pipeline, CLI JSON says live_version like the API, predict refuses a typo without creating it")
    func learnedRegistryThroughTheCLI() async throws {
        let agent = try await RunningAgent.start("cli", examples: 300)
        let api = try await agent.json("/v1/adapters")
        let apiLive = try #require(((api["adapters"] as? [[String: Any]])?.first)?["live_version"] as? String)
        let info = try #require((api["adapters"] as? [[String: Any]])?.first?["lora"] as? [String: Any])
        // Tiny model: 2 layers, hidden 32, targets query+value at rank 4, classifier 32 x 4 + 4.
        #expect(info["trainable_parameters"] as? Int == 2 * 2 * 4 * (32 + 32) + 32 * 4 + 4, "\(info)")
        // Another adapter's version written with its own config (rank 3, key + output.dense, layer 1)
        // is listed with that config, not the pipeline's.
        let odd = LoRAConfig(rank: 3, alpha: 5, targets: [.key, .output], layers: [1])
        let oddModel = try BertLoRAModel(base: BertWeights(directory: agent.dir.path("tiny-bert")), lora: odd, labels: 2)
        _ = try AdapterRegistry(root: agent.dir.path("registry"), adapter: "odd", create: true).write(AdapterSnapshot(
            tensors: oddModel.adapterTensors(), config: PEFTLoRAConfig(lora: odd, layerCount: 2, baseModelNameOrPath: "tiny"),
            baseModelSHA256: "00", labels: ["p", "q"]), status: .live, reason: "test")
        let listed = try #require((try await agent.json("/v1/adapters")["adapters"] as? [[String: Any]])?
            .first { $0["name"] as? String == "odd" }?["lora"] as? [String: Any])
        #expect(listed["r"] as? Int == 3 && listed["lora_alpha"] as? Double == 5, "\(listed)")
        #expect(listed["target_modules"] as? [String] == ["key", "output.dense"], "\(listed)")
        #expect(listed["trainable_parameters"] as? Int == 3 * (32 + 32) + 3 * (64 + 32) + 32 * 2 + 2, "\(listed)")
        #expect(try await agent.stop() == 0)

        let pipeline = agent.dir.path("agent.yaml").path
        let list = try Self.cli(["adapters", "list", "--pipeline", pipeline, "--json"])
        #expect(list.status == 0, "\(list.error)")
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]])
        // The final snapshot at stop may have promoted a newer version than the API showed: compare
        // with LIVE, and the form with the API's.
        let live = try String(contentsOf: agent.dir.path("registry/default/LIVE"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(listing.first?["live_version"] as? String == live)
        #expect(apiLive.count == 6 && Int(apiLive) != nil && live.count == 6)
        let text = try Self.cli(["adapters", "list", "--pipeline", pipeline])
        #expect(text.output.contains("live \(live)"), "\(text.output)")
        // Counts are integers: `examples 32, accuracy 1.0000`, not `examples 32.0000`.
        let show = try Self.cli(["adapters", "show", "--pipeline", pipeline])
        #expect(show.status == 0, "\(show.error)")
        #expect(show.output.range(of: #"examples [0-9]+(,|\n|$)"#, options: .regularExpression) != nil
                && show.output.range(of: #"examples [0-9]+\.[0-9]"#, options: .regularExpression) == nil, "\(show.output)")

        let typo = try Self.cli(["predict", "--pipeline", pipeline, "--adapter", "defualt", "--text", "red blue"])
        #expect(typo.status != 0 && typo.error.contains("no adapter 'defualt'") && typo.error.contains("known: default"), "\(typo.error)")
        #expect(!FileManager.default.fileExists(atPath: agent.dir.path("registry/defualt").path))

        let first = try Self.cli(["predict", "--pipeline", pipeline, "--adapter-version", "1", "--text", "red blue green", "--json"])
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains(#""version":"000001""#), "\(first.output)")
    }
}

extension Thread {
    /// Reads `handle` to its end on a thread of its own (so two pipes cannot deadlock each other).
    static func detachedRead(_ handle: FileHandle) -> PendingText {
        let pending = PendingText()
        Thread { pending.finish(String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)) }.start()
        return pending
    }
}

/// Text another thread is still reading.
final class PendingText: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var text = ""

    func finish(_ value: String) {
        text = value
        done.signal()
    }

    func wait() -> String {
        done.wait()
        return text
    }
}
