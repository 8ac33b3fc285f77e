import API
import Threads
import SeededRandom
import AgentRuntime
import ArgumentParser
import Foundation
import Learner
import Logging
import Model
import Registry
import Stream

/// `streamlora demo`: the whole product on one machine — an embedded broker, a real labelled
/// stream (Debian package descriptions → their archive section), the online learner with
/// snapshots, gates and promotions, and a summary of the versions it produced.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run broker + feed + learner end to end on Debian package descriptions.",
        discussion: """
        Starts an embedded Kafka-protocol broker, produces N labelled examples (text = a Debian \
        package's Description, label = its Section, from `apt-cache dumpavail`, shuffled with a \
        seed), learns from them with the pipeline (default pipelines/demo.yaml), and prints the \
        accuracy and the adapter versions. Afterwards try `streamlora adapters list \
        --registry registry/demo` and `streamlora predict --pipeline pipelines/demo.yaml --text …`.
        """
    )

    @Option(name: .long, help: "Pipeline definition.")
    var pipeline: String = "pipelines/demo.yaml"

    @Option(name: .long, help: ArgumentHelp(
        "How many examples to stream (default 2000). Given, the demo ends after learning them; not given "
            + "and run from a terminal, the agent and dashboard stay up until Ctrl-C.", valueName: "n"))
    var examples: Int?

    @Option(name: .long, help: "Broker port (0: any free port).")
    var port: UInt16 = 0

    @Option(name: .long, help: "Partitions of the topic. 1 keeps the stream in file order (the learning benchmark compares with a reference that reads the file in order).")
    var partitions: Int32 = 4

    @Option(name: .long, help: "Labelled JSONL to stream instead of the Debian descriptions.")
    var data: String?

    @Option(name: .long, help: "Shuffle seed for the Debian stream.")
    var seed: UInt64 = 7

    @Flag(name: .long, help: "Start from an empty registry (deletes the pipeline's registry directory).")
    var fresh = false

    @Option(name: .long, parsing: .unconditional,
            help: "HTTP port of the dashboard and control plane (default: the pipeline's; 0: any free port; -1: none).")
    var httpPort: Int?

    @Flag(name: .long, help: "Print a JSON summary (learning curve, examples/s) on stdout; progress goes to stderr.")
    var json = false

    @Option(name: .long, help: "Write a JSONL trace (examples seen, windowed accuracy, live version, drift severities and p-values) every 250 ms (the decision benchmark reads it).")
    var trace: String?

    private func say(_ line: String) {
        if json { FileHandle.standardError.write(Data((line + "\n").utf8)) } else { print(line) }
    }

    func validate() throws {
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1") }
        if let examples, examples < 1 { throw ValidationError("--examples must be at least 1") }
    }

    /// Whether to keep the agent and dashboard up after the stream was learned: an operator at a
    /// terminal who did not ask for a fixed run.
    private var staysUp: Bool { examples == nil && !json && isatty(STDIN_FILENO) != 0 }

    func run() async throws {
        lineBufferedStdout()
        let logger = makeLogger("streamlora.demo")
        let examples = self.examples ?? 2000
        var config = try PipelineConfig.load(contentsOf: URL(fileURLWithPath: pipeline))
        let rows = try data.map { try DemoData.jsonl(at: $0, limit: examples) } ?? DemoData.debian(limit: examples, seed: seed)
        let labels = Set(rows.map(\.label))
        say("demo: \(rows.count) examples with \(labels.count) labels")

        let broker = try EmbeddedBroker(port: port == 0 ? nil : port)
        try broker.createTopic(config.kafka.topic, partitions: partitions)
        config.kafka.brokers = [broker.bootstrapServers]
        say("demo: broker at \(broker.bootstrapServers), topic \(config.kafka.topic)")
        if fresh { try? FileManager.default.removeItem(atPath: config.registry.path) }

        let producer = try KafkaProducer(config: KafkaConfig(config.kafka.producerProperties))
        let feeder = Feeder(producer: producer, topic: config.kafka.topic)
        let feedStarted = Date()
        for row in rows {
            await feeder.send(key: nil, value: row.json, started: feedStarted)
        }
        let fed = await feeder.finish()
        producer.close()
        say("demo: produced \(fed.acknowledged) acknowledged, \(fed.failed) failed")

        let total = fed.acknowledged
        // The agent (and its Kafka clients) is gone when `learn` returns, before the broker.
        let (status, elapsed) = try await learn(config: config, total: total, logger: logger)
        for a in status.adapters { say("demo: \(a.statusLine)") }
        say(String(format: "demo: %.1f s, %.1f examples/s end to end", elapsed, Double(total) / elapsed))
        if json, let a = status.adapters.first {
            let summary = DemoSummary(impl: "streamlora", examples: a.examplesSeen, labels: a.labels.count,
                                      examplesPerS: Double(total) / elapsed, seconds: elapsed, curve: a.curve,
                                      live: a.liveVersion, snapshots: a.snapshots, promotions: a.promotions)
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        }
        say("demo: versions: streamlora adapters list --registry \(config.registry.path)")
        say("demo: predict:  streamlora predict --pipeline \(pipeline) --text \"Python bindings for the GTK toolkit\"")
        withExtendedLifetime(broker) {}
    }

    /// Runs the agent (and the HTTP control plane) until it has seen `total` examples, then
    /// stops it with a final snapshot. Returns its final status and the seconds from start to
    /// the last example.
    private func learn(config: PipelineConfig, total: Int, logger: Logger) async throws -> (AgentStatus, Double) {
        let agent = try await Blocking.run { try Agent(config: config, logger: logger) }
        let started = Date()
        let elapsed = Locked<Double>(0)
        let port = httpPort ?? config.server.port
        try await runAgent(agent, config: config, port: port, logger: logger) { [self] bound, shutdown in
            try await follow(agent, until: total)
            elapsed.withLock { $0 = Date().timeIntervalSince(started) }
            if staysUp {
                say(bound.map { "demo: learned the stream; the agent and the dashboard (http://\(config.server.host):\($0)/) keep running — Ctrl-C to stop" }
                    ?? "demo: learned the stream; the agent keeps running — Ctrl-C to stop")
            } else {
                await shutdown()
            }
        }
        if staysUp { say("demo: stopped (final snapshot)") }
        return (agent.status, elapsed.current)
    }
}

extension Demo {
    /// Prints progress (and writes `--trace` lines) every 250 ms until the agent has seen `total`
    /// examples.
    private func follow(_ agent: Agent, until total: Int) async throws {
        var lastLine = Date.distantPast
        let traceFile = try trace.map { path -> FileHandle in
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        }
        defer { try? traceFile?.close() }
        while true {
            try await Task.sleep(for: .milliseconds(250))
            let status = agent.status
            let seen = status.adapters.reduce(0) { $0 + $1.examplesSeen }
            if let traceFile, let a = status.adapters.first {
                let drift = agent.drift.report(adapter: a.name)
                let totals = a.prequential.cumulative
                let point = DemoTracePoint(examples: a.examplesSeen, windowAccuracy: a.prequential.windowed.accuracy,
                                           predicted: totals.count, correct: totals.accuracy.map { Int(($0 * Double(totals.count)).rounded()) },
                                           live: a.liveVersion,
                                           rollbacks: a.rollbacks, declinedRollbacks: a.declinedRollbacks,
                                           adaptations: a.adaptations,
                                           label: drift?.label?.severity.rawValue, labelP: drift?.label?.pValue,
                                           input: drift?.input?.severity.rawValue, inputP: drift?.input?.minAdjustedPValue,
                                           concept: drift?.concept.severity.rawValue,
                                           conceptDetections: drift?.concept.detections,
                                           referenceFrozen: drift?.reference.state == "frozen")
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                traceFile.write(try encoder.encode(point) + Data("\n".utf8))
            }
            if Date().timeIntervalSince(lastLine) >= 2 || seen >= total {
                lastLine = Date()
                let a = status.adapters.first
                let acc = a?.prequential.cumulative.accuracy.map { String(format: "%.3f", $0) } ?? "-"
                let win = a?.prequential.windowed.accuracy.map { String(format: "%.3f", $0) } ?? "-"
                say("demo: \(seen)/\(total) seen, prequential accuracy \(acc) (window \(win)), live \(a?.liveVersion ?? "none"), "
                      + "\(a?.snapshots ?? 0) snapshots, \(a?.promotions ?? 0) promoted, \(a?.rejections ?? 0) rejected")
            }
            if seen >= total { return }
        }
    }
}

/// One line of `demo --trace`.
struct DemoTracePoint: Encodable {
    let examples: Int
    let windowAccuracy: Double?
    /// Prequential predictions and how many were right, since the start: the difference of two
    /// points is the accuracy of the examples between them (the window's 200 hide where in them
    /// a recovery happens).
    let predicted: Int
    let correct: Int?
    let live: String?
    let rollbacks: Int
    let declinedRollbacks: Int
    let adaptations: Int
    let label: String?
    let labelP: Double?
    let input: String?
    let inputP: Double?
    let concept: String?
    let conceptDetections: Int?
    let referenceFrozen: Bool
}

/// `demo --json`: what the learning benchmark compares with the PEFT reference.
struct DemoSummary: Encodable {
    let impl: String
    let examples: Int
    let labels: Int
    let examplesPerS: Double
    let seconds: Double
    let curve: [CurvePoint]
    let live: String?
    let snapshots: Int
    let promotions: Int
}

/// Labelled rows for the demo.
enum DemoData {
    struct Row {
        let id: String
        let text: String
        let label: String
        var json: [UInt8] {
            let object = ["id": id, "text": text, "label": label]
            return Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
        }
    }

    /// Debian package descriptions from `apt-cache dumpavail`, deduplicated by package,
    /// sorted, then shuffled with `seed`.
    static func debian(limit: Int, seed: UInt64) throws -> [Row] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/apt-cache")
        process.arguments = ["dumpavail"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var seen = Set<String>()
        var rows: [Row] = []
        for stanza in String(decoding: output, as: UTF8.self).components(separatedBy: "\n\n") {
            var fields: [Substring: Substring] = [:]
            for line in stanza.split(separator: "\n") where !line.hasPrefix(" ") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon]] = line[line.index(after: colon)...].drop { $0 == " " }
            }
            guard let name = fields["Package"], let text = fields["Description"], let section = fields["Section"],
                  !text.isEmpty, seen.insert(String(name)).inserted else { continue }
            rows.append(Row(id: String(name), text: String(text), label: String(section.split(separator: "/").last!)))
        }
        guard !rows.isEmpty else {
            throw ValidationError("apt-cache dumpavail listed no packages; run `apt-get update` first, or pass --data FILE.jsonl")
        }
        rows.sort { $0.id < $1.id }
        var rng = SplitMix64(seed: seed)  // the same shuffle on every machine
        rows.shuffle(using: &rng)
        return Array(rows.prefix(limit))
    }

    /// `{"text", "label", "id"?}` lines.
    static func jsonl(at path: String, limit: Int) throws -> [Row] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").prefix(limit).enumerated().map { i, line in
            guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let t = o["text"] as? String, let label = o["label"].map({ "\($0)" }) else {
                throw ValidationError("\(path):\(i + 1): expected {\"text\": string, \"label\": …}")
            }
            return Row(id: (o["id"] as? String) ?? "\(path):\(i + 1)", text: t, label: label)
        }
    }
}
