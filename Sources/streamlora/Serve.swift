import API
import Threads
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
        let config = try pipeline.load()
        let logger = makeLogger("streamlora.serve")
        logger.info("pipeline \(config.name): topic \(config.kafka.topic) on \(config.kafka.brokers.joined(separator: ",")), registry \(config.registry.path)")
        let agent = try await Blocking.run { try Agent(config: config, logger: logger) }
        try await runAgent(agent, config: config, port: httpPort ?? config.server.port, logger: logger) { [statusEvery] _, _ in
            guard statusEvery > 0 else { return }
            while !Task.isCancelled {
                try await Task.sleep(for: .seconds(statusEvery))
                for a in agent.status.adapters { logger.info("\(a.statusLine)") }
            }
        }
        for a in agent.status.adapters { logger.info("\(a.statusLine)") }
    }
}

extension AdapterStatus {
    /// One line for logs and the terminal.
    var statusLine: String {
        func pct(_ x: Double?) -> String { x.map { String(format: "%.1f%%", $0 * 100) } ?? "-" }
        return "adapter \(name): live \(liveVersion ?? "none"), \(examplesSeen) seen, \(examplesTrained) trained, \(steps) steps, "
            + "accuracy \(pct(prequential.cumulative.accuracy)) (window \(pct(prequential.windowed.accuracy))), \(labels.count) labels, "
            + "\(snapshots) snapshots, \(promotions) promoted, \(rejections) rejected, \(rollbacks) rollbacks"
    }
}
