import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Stream
import Testing

/// A real `streamlora serve` child process (tiny model, in-process embedded broker over TCP, HTTP
/// on a free port) that has learned a short synthetic stream with a few malformed records: what
/// the operations tests point Prometheus, Chromium and HTTP clients at.
final class RunningAgent: @unchecked Sendable {
    let dir: TemporaryDirectory
    let broker: EmbeddedBroker
    let serve: ChildProcess
    let port: Int
    let examples: Int
    /// Where the records of the start-up stream landed (holdout share 0.1, see `start`).
    let produced: ProducedLog
    static let holdoutShare = 0.1

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts the agent and waits (bounded, generously) until it has seen every example, a
    /// version is live and the drift reference is frozen.
    /// - Parameters:
    ///   - environment: extra environment of the serve process (e.g. `NOTIFY_SOCKET`).
    ///   - server: the pipeline's `server:` section (YAML flow mapping).
    ///   - fileLimit: the serve process's `ulimit -n` (nil: inherited).
    static func start(_ label: String, examples: Int = 600, environment: [String: String] = [:],
                      server: String = "{port: 0}", fileLimit: Int? = nil) async throws -> RunningAgent {
        let executable = try TestPaths.streamloraExecutable()
        let dir = try TemporaryDirectory(label)
        let model = dir.path("tiny-bert")
        try TinyBaseModel.write(to: model)
        let broker = try EmbeddedBroker()
        try broker.createTopic(TestPipeline.topic, partitions: 2)
        try broker.createTopic(TestPipeline.topic + ".dlq", partitions: 2)
        let items = SyntheticStream.items(examples, labels: 4, prefix: label, seed: 0x0B5)
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        for (i, item) in items.enumerated() {
            producer.send(topic: TestPipeline.topic, partition: Int32(i % 2), value: item.json, id: item.id)
            if i % 100 == 50 { producer.send(topic: TestPipeline.topic, partition: Int32(i % 2), value: Array("not json".utf8), id: nil) }
        }
        let produced = try producer.flush()
        producer.close()

        let pipeline = dir.path("agent.yaml")
        let yaml = TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: label, model: model,
                                     registry: dir.path("registry"), holdoutShare: holdoutShare, everyExamples: 100, minHoldout: 5,
                                     server: server)
            + "\ndrift: {reference_window: 100, current_window: 50, embedding_projections: 2}\n"
        try yaml.write(to: pipeline, atomically: true, encoding: .utf8)
        let arguments = ["serve", "--pipeline", pipeline.path, "--status-every", "0", "--http-port", "0"]
        // With a descriptor limit, a shell sets it and becomes serve (exec: the pid stays serve's).
        let serve = try fileLimit.map {
            try ChildProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "ulimit -n \($0) && exec \"$0\" \"$@\"", executable.path] + arguments,
                             log: dir.path("serve.log"), name: "serve", environment: environment)
        } ?? ChildProcess(executable, arguments, log: dir.path("serve.log"), name: "serve", environment: environment)
        var port: Int?
        _ = await waitUntil(120, interval: 0.1) {
            port = Self.listeningPort(in: serve)
            return port != nil || !serve.isRunning
        }
        guard let port else { throw TestFailure("serve never said where it listens; log:\n\(serve.logTail())") }
        let agent = RunningAgent(dir: dir, broker: broker, serve: serve, port: port, examples: examples, produced: produced)
        let learned = try await agent.poll(240) {
            let status = try await agent.json("/v1/status")
            let adapters = status["adapters"] as? [[String: Any]] ?? []
            let drift = try await agent.json("/v1/drift")
            let frozen = (drift["reports"] as? [[String: Any]])?.first.flatMap { ($0["label"] as? [String: Any]) } != nil
            return adapters.first.map { ($0["examples_seen"] as? Int ?? 0) >= examples && $0["live_version"] is String } == true
                && frozen
        }
        guard learned else {
            let readiness = (try? await agent.get("/readyz").body) ?? "no answer"
            throw TestFailure("the agent did not learn the stream; /readyz: \(readiness); log:\n\(serve.logTail(30))")
        }
        return agent
    }

    private init(dir: TemporaryDirectory, broker: EmbeddedBroker, serve: ChildProcess, port: Int, examples: Int,
                 produced: ProducedLog) {
        self.dir = dir
        self.broker = broker
        self.serve = serve
        self.port = port
        self.examples = examples
        self.produced = produced
    }

    /// The port from the log line `HTTP on http://127.0.0.1:PORT/`.
    static func listeningPort(in serve: ChildProcess) -> Int? {
        guard let data = FileManager.default.contents(atPath: serve.log.path) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let range = text.range(of: "HTTP on http://127.0.0.1:") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// GET `path` as text.
    func get(_ path: String) async throws -> (status: Int, body: String) {
        let (data, response) = try await URLSession.shared.data(from: baseURL.appendingPathComponent(path))
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// GET `path` as a JSON object.
    func json(_ path: String) async throws -> [String: Any] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: baseURL.absoluteString + path)!)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Polls `condition` every 0.5 s for up to `seconds` (a bound that turns a hang into a failure).
    func poll(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            guard serve.isRunning else { throw TestFailure("serve exited; log:\n\(serve.logTail(30))") }
            try await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    /// SIGTERM, then the exit status.
    func stop() async throws -> Int32 {
        serve.send(SIGTERM)
        return try await serve.waitForExit(within: 120).status
    }
}
