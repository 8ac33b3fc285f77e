import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Registry
import Stream
import Testing

@testable import Learner

/// Cross-adapter training in a real `streamlora serve`: six keyed adapters interleaved on two
/// partitions of the embedded broker train in shared passes (every adapter's
/// `streamlora_cross_adapter_steps_total` grows), and each one keeps its own exactly-once
/// lineage: after a graceful stop its newest version trained exactly its own ids (count and
/// digest), all of them, and every example was predicted once (prequential count).
@Suite("Cross-adapter training in the agent", .serialized)
struct CrossAdapterAgentTests {
    static let adapters = 6
    static let examples = 480

    static func adapter(_ i: Int) -> String { "ad\(i % adapters)" }

    @Test func adaptersShareStepsAndEachTrainsItsOwnIDsExactlyOnce() async throws {
        let executable = try TestPaths.streamloraExecutable()
        let bed = try AgentTestBed("cross-adapter")
        let (dir, model) = (bed.dir, bed.model)
        let broker = try bed.broker(partitions: 2)
        let items = SyntheticStream.items(Self.examples, labels: 4, prefix: "x", seed: 0xC805)
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        for (i, item) in items.enumerated() {
            producer.send(topic: TestPipeline.topic, partition: Int32(i % 2), key: Array(Self.adapter(i).utf8), value: item.json, id: item.id)
        }
        let log = try producer.flush()
        producer.close()
        let pipeline = dir.path("agent.yaml")
        try TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "cross", model: model, registry: dir.path("registry"))
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let serve = try ChildProcess(executable, ["serve", "--pipeline", pipeline.path, "--status-every", "0", "--http-port", "0"],
                                     log: dir.path("serve.log"), name: "serve")
        var port: Int?
        _ = await waitUntil(120, interval: 0.1) {
            port = RunningAgent.listeningPort(in: serve)
            return port != nil || !serve.isRunning
        }
        let metricsURL = URL(string: "http://127.0.0.1:\(try #require(port, "serve never listened; log:\n\(serve.logTail())"))/metrics")!
        var metrics = ""
        let predictedAll = await waitUntil(180, interval: 0.5) {
            metrics = (try? String(contentsOf: metricsURL, encoding: .utf8)) ?? ""
            return Self.sum("streamlora_examples_total", in: metrics) == Double(Self.examples)
        }
        #expect(predictedAll, "every example predicted once; metrics:\n\(metrics.split(separator: "\n").filter { $0.hasPrefix("streamlora_examples_total") })")
        for a in 0..<Self.adapters {
            #expect(Self.value("streamlora_cross_adapter_steps_total{adapter=\"ad\(a)\"}", in: metrics) ?? 0 > 0,
                    "ad\(a) never shared a pass")
        }
        serve.send(SIGTERM)
        let ended = try await serve.waitForExit(within: 60)
        #expect(!ended.signaled && ended.status == 0, "\(ended); log:\n\(serve.logTail())")

        for a in 0..<Self.adapters {
            let name = "ad\(a)"
            let manifest = try #require(try RegistryChecks.newestDurable(root: dir.path("registry"), adapter: name))
            let mine = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: TestPipeline.holdoutShare)
                .filter { Int($0.split(separator: "-").last!).map(Self.adapter) == name }
            #expect(manifest.examplesTrained == mine.count && manifest.trainedIDs == TrainedIDsDigest(mine),
                    "\(name): trained \(manifest.examplesTrained), expected \(mine.count)")
        }
    }

    /// The value of one sample line `name{labels} value`.
    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    /// The sum over a family's samples.
    static func sum(_ family: String, in text: String) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(family + "{") || $0.hasPrefix(family + " ") }
            .compactMap { Double($0.split(separator: " ").last!) }.reduce(0, +)
    }
}
