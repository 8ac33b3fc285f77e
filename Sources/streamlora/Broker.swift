import Threads
import ArgumentParser
import Foundation
import Synchronization
import Stream

/// `streamlora broker`: an embedded Kafka-protocol broker (librdkafka's mock cluster)
/// for demos, local pipelines and kcat, running until SIGINT/SIGTERM.
struct Broker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka-protocol broker (in memory) until interrupted.",
        discussion: """
        Prints `bootstrap: 127.0.0.1:PORT` as the first line of stdout. Topics given with \
        --topic are created with their dead-letter topic `<topic>.dlq`; topics that clients \
        auto-create get 4 partitions. Data lives in memory only and is gone on exit; each \
        partition keeps at most 5 MiB (older batches are dropped), so give big topics more partitions.
        """
    )

    @Option(help: "Loopback port for the bootstrap address (0 = ephemeral).")
    var port: UInt16 = 9092

    @Option(name: .customLong("topic"), help: "Topic to create, as NAME or NAME:PARTITIONS (repeatable).")
    var topics: [String] = []

    @Option(help: "Number of mock brokers.")
    var brokers: Int32 = 1

    @Flag(help: "Print the startup summary as one JSON object instead of text.")
    var json = false

    func validate() throws {
        for spec in topics {
            _ = try Broker.parseTopic(spec)
        }
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be 1…16") }
    }

    static func parseTopic(_ spec: String) throws -> (name: String, partitions: Int32) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty, parts.count <= 2 else {
            throw ValidationError("--topic '\(spec)': expected NAME or NAME:PARTITIONS")
        }
        guard parts.count == 2 else { return (String(name), 1) }
        guard let n = Int32(parts[1]), n > 0 else {
            throw ValidationError("--topic '\(spec)': partitions must be a positive integer")
        }
        return (String(name), n)
    }

    func run() async throws {
        let broker = try EmbeddedBroker(brokers: brokers, port: port == 0 ? nil : port)
        var created: [(String, Int32)] = []
        for spec in topics {
            let (name, partitions) = try Broker.parseTopic(spec)
            try broker.createTopic(name, partitions: partitions)
            try broker.createTopic(name + ".dlq", partitions: partitions)
            created += [(name, partitions), (name + ".dlq", partitions)]
        }
        if json {
            let summary: [String: Any] = [
                "bootstrap": broker.bootstrapServers,
                "brokers": broker.brokerAddresses,
                "topics": created.map { ["name": $0.0, "partitions": $0.1] },
            ]
            let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
            emit(String(decoding: data, as: UTF8.self))
        } else {
            emit("bootstrap: \(broker.bootstrapServers)")
            emit("brokers: \(broker.brokerAddresses)")
            for (name, partitions) in created { emit("topic: \(name) (\(partitions) partitions)") }
            emit("press Ctrl-C to stop (all data is in memory)")
        }
        let signal = await Broker.waitForTermination()
        FileHandle.standardError.write(Data("broker: received \(signal), shutting down\n".utf8))
        withExtendedLifetime(broker) {}
    }

    /// Suspends until SIGINT or SIGTERM arrives; returns the signal's name.
    static func waitForTermination() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let once = SignalOnce(continuation)
            for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
                source.setEventHandler { once.fire(name) }
                source.resume()
                once.keep(source)
            }
        }
    }
}

/// Writes a line to stdout unbuffered, so a script reading the first line sees it at once.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Resumes the waiting task on the first signal only, and keeps the sources alive.
private final class SignalOnce: @unchecked Sendable {
    private let continuation: Mutex<CheckedContinuation<String, Never>?>
    /// Kept alive for the life of the process (a released source stops delivering); appended
    /// only while the sources are set up, before any of them can fire.
    nonisolated(unsafe) private var sources: [DispatchSourceSignal] = []

    init(_ continuation: CheckedContinuation<String, Never>) { self.continuation = Mutex(continuation) }

    func keep(_ source: DispatchSourceSignal) {
        sources.append(source)
    }

    func fire(_ name: String) {
        let c = continuation.withLock { c in defer { c = nil }; return c }
        c?.resume(returning: name)
    }
}
