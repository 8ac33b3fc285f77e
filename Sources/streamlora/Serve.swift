import AgentRuntime
import ArgumentParser
import Foundation
import Learner
import Logging
import Server
import Stream

/// `streamlora serve`: consumer → learner → registry, until SIGINT/SIGTERM.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Learn online from a Kafka topic: snapshot, gate, promote, roll back.",
        discussion: """
        Runs until SIGINT or SIGTERM, then finishes the current batch, snapshots every adapter \
        with new examples, commits the offsets those snapshots cover, and exits 0.
        """
    )

    @OptionGroup var pipeline: PipelineOptions

    @Option(name: .long, help: "Print a status line every N seconds (0: never).")
    var statusEvery: Double = 5

    // `.unconditional` so that `--http-port -1` is a value, not an unknown flag `-1`.
    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp(
        "HTTP port of the control plane and dashboard (default: the pipeline's server.port; 0: any free port; -1: no HTTP).",
        valueName: "port"))
    var httpPort: Int?

    func run() async throws {
        // Listen from the start: a signal during start-up (loading the model, restoring adapters)
        // must still end in a graceful stop with status 0, not in the default termination.
        let stopSignal = Task { await Signals.wait(for: [SIGINT, SIGTERM]) }
        let config = try pipeline.load()
        let logger = makeLogger("streamlora.serve")
        logger.info("pipeline \(config.name): topic \(config.kafka.topic) on \(config.kafka.brokers.joined(separator: ",")), registry \(config.registry.path)")
        let agent = try await Blocking.run { try Agent(config: config, logger: logger) }
        // Listen before consuming: a port that is taken stops the agent before it learns anything.
        let http = try await startHTTP(agent: agent, config: config, port: httpPort ?? config.server.port, logger: logger)
        try agent.start()
        logger.info("learning; SIGINT or SIGTERM stops after a final snapshot")
        SystemdNotify.ready(status: "learning from \(config.kafka.topic)")

        let reporter = Task {
            guard statusEvery > 0 else { return }
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(statusEvery))
                for a in agent.status.adapters { logger.info("\(a.statusLine)") }
            }
        }
        let signal = await stopSignal.value
        logger.info("received signal \(signal): finishing the current batch and snapshotting")
        SystemdNotify.stopping(status: "final snapshot")
        reporter.cancel()
        try await Blocking.run { agent.stop() }
        await http?.stop()
        for a in agent.status.adapters { logger.info("\(a.statusLine)") }
    }
}

extension LearnerStatus.Adapter {
    /// One line for logs and the terminal.
    var statusLine: String {
        func pct(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        return "adapter \(name): live \(live ?? "none"), \(examples) seen, \(trained) trained, \(steps) steps, "
            + "accuracy \(pct(accuracy)) (window \(pct(windowAccuracy))), \(labels.count) labels, "
            + "\(snapshots) snapshots, \(promotions) promoted, \(rejections) rejected, \(rollbacks) rollbacks"
    }
}
