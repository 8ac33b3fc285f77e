import Foundation
import Stream
import Testing

/// One agent test's world, set up the same way by every agent test: a temporary directory with
/// the tiny base model (`tiny-bert`) and the registry path, and the broker the agent reads from.
struct AgentTestBed {
    let dir: TemporaryDirectory
    /// The tiny BERT written by ``TinyBaseModel``.
    let model: URL
    /// Where the pipeline keeps its registry (not created: the agent does that).
    let registry: URL

    /// - Parameter name: the temporary directory's prefix (the test's name, for a leftover's reader).
    init(_ name: String) throws {
        dir = try TemporaryDirectory(name)
        model = dir.path("tiny-bert")
        try TinyBaseModel.write(to: model)
        registry = dir.path("registry")
    }

    /// An embedded broker in this process with `TestPipeline.topic` of `partitions` partitions,
    /// and its dead-letter topic when `deadLetters`.
    func broker(partitions: Int32, deadLetters: Bool = false) throws -> EmbeddedBroker {
        let broker = try EmbeddedBroker()
        try broker.createTopic(TestPipeline.topic, partitions: partitions)
        if deadLetters { try broker.createTopic(TestPipeline.topic + ".dlq", partitions: partitions) }
        return broker
    }
}

/// The kill -9 harness: `streamlora serve` in its own process, against a broker in another
/// process, killed with SIGKILL round after round, then a last graceful run. The crash tests
/// decide what happens while it runs and what must hold after each kill.
struct ServeCrashHarness {
    let bed: AgentTestBed
    let executable: URL
    let broker: ChildProcess
    let bootstrap: String
    let pipeline: URL

    /// Starts the broker process and writes the pipeline.
    /// - Parameters:
    ///   - pipelineYAML: the pipeline for a bootstrap address, a model and a registry.
    init(_ name: String, partitions: Int32,
         pipelineYAML: (_ bootstrap: String, _ model: URL, _ registry: URL) -> String) async throws {
        bed = try AgentTestBed(name)
        executable = try TestPaths.streamloraExecutable()
        (broker, bootstrap) = try await ChildProcess.broker(executable, partitions: partitions, log: bed.dir.path("broker.log"))
        pipeline = bed.dir.path("\(name).yaml")
        try pipelineYAML(bootstrap, bed.model, bed.registry).write(to: pipeline, atomically: true, encoding: .utf8)
    }

    /// `streamlora serve` on the pipeline, logging to `serve-<label>.log`.
    func serve(_ label: String) throws -> ChildProcess {
        try ChildProcess(executable, ["serve", "--pipeline", pipeline.path, "--status-every", "0"],
                         log: bed.dir.path("serve-\(label).log"), name: "serve \(label)")
    }

    /// Whether `serve` was assigned partitions (bounded wait; false if it died first).
    func assigned(_ serve: ChildProcess, within seconds: Double = 30) async -> Bool {
        await waitUntil(seconds) { serve.logContains("assigned [\(TestPipeline.topic)[") || !serve.isRunning } && serve.isRunning
    }

    /// SIGKILL, and the process must die of it.
    func kill(_ serve: ChildProcess, round: Int) async throws {
        #expect(serve.isRunning, "round \(round): serve exited before the kill; log:\n\(serve.logTail())")
        serve.send(SIGKILL)
        let ended = try await serve.waitForExit(within: 10)
        #expect(ended.signaled && ended.status == SIGKILL, "round \(round): expected death by SIGKILL, got \(ended)")
    }

    /// The last run: serve until `learned` holds (bounded), then SIGTERM, which must stop it
    /// gracefully with status 0.
    func finish(within seconds: Double, until learned: () -> Bool) async throws {
        let serve = try serve("final")
        #expect(await assigned(serve), "the final run was never assigned partitions; log:\n\(serve.logTail())")
        let done = await waitUntil(seconds, interval: 0.25, learned)
        #expect(done, "the final run did not learn everything within \(seconds) s; log:\n\(serve.logTail())")
        serve.send(SIGTERM)
        let ended = try await serve.waitForExit(within: 30)
        #expect(!ended.signaled && ended.status == 0, "SIGTERM must stop serve with status 0, got \(ended); log:\n\(serve.logTail())")
    }

    /// Stops the broker process.
    func stop() async {
        broker.send(SIGTERM)
        _ = try? await broker.waitForExit(within: 10)
    }
}
