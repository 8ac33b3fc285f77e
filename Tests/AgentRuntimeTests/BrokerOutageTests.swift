@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Stream
import Testing
import Threads

/// Serving never depends on the broker (DESIGN §9): with the broker in its own process, frozen past
/// the session timeout (SIGSTOP/SIGCONT) and then killed and restarted on the same port, the agent
/// answers predictions throughout, and rejoins the group each time the broker is back.
@Suite("Agent: broker outages")
struct BrokerOutageTests {
    static let partitions: Int32 = 2

    /// Predicts in a loop on a plain thread until stopped, counting answers and failures.
    final class Predictor: @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        private(set) var answered = 0
        private(set) var failures: [String] = []
        private let done = DispatchSemaphore(value: 0)

        init(_ agent: Agent, text: String) {
            Thread { [self] in
                while lock.withLock({ running }) {
                    do {
                        let predictions = try agent.predict(adapter: nil, texts: [text])
                        lock.withLock { if predictions.first?.label != nil { answered += 1 } else { failures.append("no label") } }
                    } catch {
                        lock.withLock { failures.append("\(error)") }
                    }
                    usleep(20_000)
                }
                done.signal()
            }.start()
        }

        var counts: (answered: Int, failures: [String]) { lock.withLock { (answered, failures) } }

        func stop() {
            lock.withLock { running = false }
            done.wait()
        }
    }

    /// A `streamlora broker` process on a free port; its bootstrap address and port.
    static func startBroker(_ dir: TemporaryDirectory) async throws -> (ChildProcess, bootstrap: String, port: String) {
        let broker = try ChildProcess(try TestPaths.streamloraExecutable(),
                                      ["broker", "--port", "0", "--topic", "\(TestPipeline.topic):\(Self.partitions)"],
                                      log: dir.path("broker.log"), name: "broker", pipeStdout: true)
        let first = try await broker.firstStdoutLine(within: 30)
        let bootstrap = try #require(first.split(separator: " ").last.map(String.init))
        let port = try #require(bootstrap.split(separator: ":").last.map(String.init))
        return (broker, bootstrap, port)
    }

    /// Produces `items` alternately to the partitions.
    static func produce(_ items: [SyntheticStream.Item], bootstrap: String) async throws {
        let producer = try RecordingProducer(bootstrap: bootstrap)
        for (i, item) in items.enumerated() {
            producer.send(topic: TestPipeline.topic, partition: Int32(i % Int(Self.partitions)), value: item.json, id: item.id)
        }
        _ = try await Blocking.run { [producer] in try producer.flush() }
        producer.close()
    }

    @Test("broker frozen past the session timeout, then killed and restarted on its port: predictions answer throughout, the agent rejoins")
    func frozenAndRestartedBroker() async throws {
        let executable = try TestPaths.streamloraExecutable()
        let bed = try AgentTestBed("broker-outage")
        let dir = bed.dir
        var (broker, bootstrap, port) = try await Self.startBroker(dir)
        defer { broker.send(SIGKILL) }
        let items = SyntheticStream.items(160, labels: 4, prefix: "outage", seed: 0x0DA6E)
        try await Self.produce(items, bootstrap: bootstrap)

        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: bootstrap, group: "outage", model: dir.path("tiny-bert"), registry: dir.path("registry")),
            file: "outage.yaml", environment: [:])
        let agent = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try agent.start()
        defer { agent.stop() }
        let learned = await waitUntil(120, interval: 0.1) {
            agent.live.current("default")?.version != nil && (agent.status.adapters.first?.examplesSeen ?? 0) >= items.count
        }
        #expect(learned, "status: \(agent.status)")
        let predictor = Predictor(agent, text: items[0].text)
        defer { predictor.stop() }

        // Frozen past the session timeout (3 s in the test pipeline): the partitions are lost.
        broker.send(SIGSTOP)
        let lost = await waitUntil(40, interval: 0.1) { agent.status.partitions.isEmpty }
        #expect(lost, "the agent should lose its partitions while the broker is frozen: \(agent.status.partitions)")
        let beforeThaw = predictor.counts.answered
        #expect(await waitUntil(30, interval: 0.05) { predictor.counts.answered >= beforeThaw + 20 },
                "predictions answer after the partitions were lost")
        // The reason says where the member stands in its group (librdkafka's statistics).
        #expect(agent.status.notReadyReasons.contains { $0.contains("no partition") && $0.contains("; consumer group: ") && $0.contains("join state") },
                "\(agent.status.notReadyReasons)")

        // Thawed: the agent rejoins and trains again.
        broker.send(SIGCONT)
        #expect(await waitUntil(120, interval: 0.1) { agent.status.partitions.count == Int(Self.partitions) },
                "the agent rejoins after SIGCONT: \(agent.status)")

        // Killed and restarted on the same port (memory only: an empty topic, shorter than the manifests).
        broker.send(SIGKILL)
        _ = try await broker.waitForExit(within: 30)
        let beforeRestart = predictor.counts.answered
        #expect(await waitUntil(30, interval: 0.05) { predictor.counts.answered >= beforeRestart + 20 },
                "predictions answer while no broker runs")
        // Meanwhile /readyz says why it is not ready (the issue saw "ready" with no broker at all).
        let unreachable = await waitUntil(120, interval: 0.1) {
            agent.status.notReadyReasons.contains("no Kafka broker is reachable")
        }
        #expect(unreachable, "readiness with the broker gone: \(agent.status.notReadyReasons)")
        let readiness = try await AgentControlPlane(agent: agent, pipelineName: "outage", buildVersion: "test").readiness()
        #expect(!readiness.ready && readiness.reasons.contains("no Kafka broker is reachable"), "\(readiness)")
        broker = try ChildProcess(executable, ["broker", "--port", port, "--topic", "\(TestPipeline.topic):\(Self.partitions)"],
                                  log: dir.path("broker2.log"), name: "broker2", pipeStdout: true)
        #expect(try await broker.firstStdoutLine(within: 30) == "bootstrap: \(bootstrap)")
        let rejoined = await waitUntil(180, interval: 0.1) {
            agent.status.partitions.count == Int(Self.partitions) && agent.status.partitionAlarms.count == Int(Self.partitions)
        }
        #expect(rejoined, "the agent rejoins the restarted broker and pauses its (now shorter) partitions: \(agent.status)")

        let counts = predictor.counts
        #expect(counts.failures.isEmpty, "prediction failures: \(counts.failures.prefix(3))")
        #expect(counts.answered > beforeRestart + 20)
        print("broker outage: \(counts.answered) predictions answered, \(counts.failures.count) failed")
    }

    @Test("kafka.lost_partitions: stop — adapters of lost partitions stop answering (no live version here) and answer again once their partitions are back")
    func lostPartitionsStopServing() async throws {
        let bed = try AgentTestBed("broker-outage-stop")
        let dir = bed.dir
        let (broker, bootstrap, _) = try await Self.startBroker(dir)
        defer { broker.send(SIGKILL) }
        let items = SyntheticStream.items(120, labels: 4, prefix: "stop", seed: 0x5709)
        try await Self.produce(items, bootstrap: bootstrap)
        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: bootstrap, group: "outage-stop", model: dir.path("tiny-bert"),
                                    registry: dir.path("registry"), lostPartitions: "stop"),
            file: "outage-stop.yaml", environment: [:])
        #expect(config.kafka.lostPartitions == .stop)
        let agent = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try agent.start()
        defer { agent.stop() }
        #expect(await waitUntil(120, interval: 0.1) {
            agent.live.current("default")?.version != nil && (agent.status.adapters.first?.examplesSeen ?? 0) >= items.count
        }, "status: \(agent.status)")
        #expect(try agent.predict(adapter: nil, texts: [items[0].text]).first?.label != nil)

        // Frozen past the session timeout: the partitions are lost, and with them the adapter's serving.
        broker.send(SIGSTOP)
        #expect(await waitUntil(40, interval: 0.1) { agent.status.partitions.isEmpty }, "\(agent.status.partitions)")
        #expect(await waitUntil(30, interval: 0.05) { (try? agent.predict(adapter: nil, texts: [items[0].text])) == nil })
        #expect(throws: AgentError.noLiveVersion("default")) { try agent.predict(adapter: nil, texts: [items[0].text]) }

        // Back: the partitions return; the adapter is loaded from the registry with its next record.
        broker.send(SIGCONT)
        #expect(await waitUntil(120, interval: 0.1) { agent.status.partitions.count == Int(Self.partitions) }, "\(agent.status)")
        try await Self.produce(SyntheticStream.items(2, labels: 4, prefix: "stop-again", seed: 0x570A), bootstrap: bootstrap)
        #expect(await waitUntil(120, interval: 0.1) { (try? agent.predict(adapter: nil, texts: [items[0].text]))?.first?.label != nil },
                "status: \(agent.status)")
    }
}
