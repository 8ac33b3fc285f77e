import Foundation
import Registry
import Testing
import Threads

@testable import AgentRuntime
@testable import Learner

/// Where a restarted agent starts a partition when one adapter's examples on it were trained but
/// not durable at a kill -9 while another adapter's manifest is already further on it. The start
/// must be at or before the first example any adapter has not made durable (its `firstUndurable`,
/// which holds Kafka's commit back); the lowest offset over the manifests that know the partition
/// is past it, and starting there loses that example: it is never redelivered, so it is neither
/// trained nor counted, and the adapter's next version claims an offset past an id it never
/// trained. (ResidencyCrashTests failed that way once, loaded: ad4, ad5 and ad6 each lost the
/// shares of a burst on three partitions at the first restart.)
@Suite("kill -9: examples not yet durable are redelivered after a restart", .serialized)
struct UndurableStartTests {
    static let group = "undurable-start"
    static let every = 8
    /// Each adapter's burst: enough for a version by count even with a held-out example or two.
    static let burst = 12

    @Test("a's example before b's durable ones on the same partition is trained after the restart, exactly once")
    func undurableExampleBelowAnotherAdaptersManifest() async throws {
        let harness = try await ServeCrashHarness("undurable-start", partitions: 1) { bootstrap, model, registry in
            // Snapshots by count only: b (8 examples) writes a version, a (1 example) does not.
            TestPipeline.yaml(bootstrap: bootstrap, group: Self.group, model: model, registry: registry,
                              everyExamples: Self.every, everySeconds: 0)
        }
        defer { harness.broker.send(SIGKILL) }
        let (registry, bootstrap) = (harness.bed.registry, harness.bootstrap)
        let producer = try RecordingProducer(bootstrap: bootstrap)
        defer { producer.close() }
        let items = SyntheticStream.items(1 + 2 * Self.burst, prefix: "u", seed: 0x57A7)
        func send(_ i: Int, to adapter: String) {
            producer.send(topic: TestPipeline.topic, partition: 0, key: Array(adapter.utf8), value: items[i].json, id: items[i].id)
        }
        // Offset 0 is a's, offsets 1…12 are b's: b writes a version past offset 0, a writes none.
        send(0, to: "a")
        for i in 1...Self.burst { send(i, to: "b") }
        var log = try await Blocking.run { [producer] in try producer.flush() }
        // Not vacuous: a's example at offset 0 is one it trains (not held out).
        #expect(RegistryChecks.expectedIDs(log, below: [0: 1], holdoutShare: TestPipeline.holdoutShare) == [items[0].id])

        let first = try harness.serve("0")
        #expect(await harness.assigned(first), "never assigned; log:\n\(first.logTail())")
        let bDurable = await waitUntil(60) { (try? RegistryChecks.newestDurable(root: registry, adapter: "b")) != nil }
        #expect(bDurable, "b never wrote its version; log:\n\(first.logTail())")
        #expect(try RegistryChecks.newestDurable(root: registry, adapter: "a") == nil, "a must have nothing durable at the kill")
        try await harness.kill(first, round: 0)

        // After the restart a gets the rest of its examples; a graceful stop once it has them all.
        for i in (1 + Self.burst)..<items.count { send(i, to: "a") }
        log = try await Blocking.run { [producer] in try producer.flush() }
        try await Self.finish(harness, once: "a", predicted: 1 + Self.burst)

        try Self.checkExactlyOnce(log, registry: registry) { $0 == 0 || $0 > Self.burst ? "a" : "b" }
        await harness.stop()
    }

    /// Each adapter's newest durable version trained exactly its ids below its offsets, and all of
    /// them together every id produced (`adapterOf` maps an item's index to its adapter).
    static func checkExactlyOnce(_ log: ProducedLog, registry: URL, adapterOf index: (Int) -> String) throws {
        var trained = 0
        for name in ["a", "b"] {
            let manifest = try RegistryChecks.newestDurable(root: registry, adapter: name)
            let offsets = RegistryChecks.offsets(manifest, topic: TestPipeline.topic)
            let expected = RegistryChecks.expectedIDs(log, below: offsets, holdoutShare: TestPipeline.holdoutShare)
                .filter { index(Int($0.split(separator: "-").last!)!) == name }
            #expect((manifest?.examplesTrained ?? 0) == expected.count,
                    "\(name) version \(manifest?.version.name ?? "none") trained \(manifest?.examplesTrained ?? 0), expected \(expected.count) below \(offsets)")
            #expect((manifest?.trainedIDs ?? TrainedIDsDigest()) == TrainedIDsDigest(expected), "\(name) trained-ids digest")
            trained += manifest?.examplesTrained ?? 0
        }
        let everything = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: TestPipeline.holdoutShare).count
        #expect(trained == everything, "every example trained once: \(trained) of \(everything)")
    }

    @Test("b's example being routed when it evicts a (max_adapters 1) is trained after a kill -9, exactly once")
    func exampleBeingRoutedDuringAnEvictionSnapshot() async throws {
        let harness = try await ServeCrashHarness("undurable-routing", partitions: 2) { bootstrap, model, registry in
            TestPipeline.yaml(bootstrap: bootstrap, group: Self.group, model: model, registry: registry,
                              everyExamples: Self.every, everySeconds: 0) + "\nresidency: {max_adapters: 1}\n"
        }
        defer { harness.broker.send(SIGKILL) }
        let (registry, bootstrap) = (harness.bed.registry, harness.bootstrap)
        let producer = try RecordingProducer(bootstrap: bootstrap)
        defer { producer.close() }
        let items = SyntheticStream.items(1 + 2 * Self.burst, prefix: "r", seed: 0x7E0A)
        // Index 0 is a's (partition 1); the rest are b's (partition 0).
        func send(_ i: Int) {
            producer.send(topic: TestPipeline.topic, partition: i == 0 ? 1 : 0, key: Array((i == 0 ? "a" : "b").utf8),
                          value: items[i].json, id: items[i].id)
        }
        send(0)
        _ = try await Blocking.run { [producer] in try producer.flush() }
        let first = try harness.serve("0")
        #expect(await harness.assigned(first), "never assigned; log:\n\(first.logTail())")
        // a has its example (predicted and trained, nothing durable): it is the resident trainer.
        let port = try #require(await Self.port(of: first), "serve never listened; log:\n\(first.logTail())")
        #expect(await waitUntil(60, interval: 0.1) { Self.predicted("a", port: port) == 1 }, "a never took its example")
        // b's first example evicts a, whose snapshot is written while that example is being routed.
        send(1)
        var log = try await Blocking.run { [producer] in try producer.flush() }
        #expect(RegistryChecks.expectedIDs(log, below: [0: 1, 1: 1], holdoutShare: TestPipeline.holdoutShare).sorted()
                == [items[0].id, items[1].id].sorted(), "not vacuous: both examples are trained ones")
        #expect(await waitUntil(60, interval: 0.1) { Self.predicted("b", port: port) == 1 }, "b never took its example")
        // Written by the eviction writer, off the learner thread.
        #expect(await waitUntil(60, interval: 0.1) { (try? RegistryChecks.newestDurable(root: registry, adapter: "a")) != nil },
                "a's eviction snapshot was never written")
        #expect(try RegistryChecks.newestDurable(root: registry, adapter: "b") == nil, "b must have nothing durable at the kill")
        try await harness.kill(first, round: 0)

        for i in 2..<items.count { send(i) }
        log = try await Blocking.run { [producer] in try producer.flush() }
        try await Self.finish(harness, once: "b", predicted: 2 * Self.burst)
        try Self.checkExactlyOnce(log, registry: registry) { $0 == 0 ? "a" : "b" }
        await harness.stop()
    }

    /// The last run: serve until `adapter` has predicted `count` examples (all of its records, the
    /// one lost before the fix included; bounded), then SIGTERM, which must stop it with status 0
    /// after a final snapshot of everything it holds.
    static func finish(_ harness: ServeCrashHarness, once adapter: String, predicted count: Int) async throws {
        let serve = try harness.serve("final")
        #expect(await harness.assigned(serve), "the final run was never assigned; log:\n\(serve.logTail())")
        let port = try #require(await Self.port(of: serve), "serve never listened; log:\n\(serve.logTail())")
        #expect(await waitUntil(60, interval: 0.1) { Self.predicted(adapter, port: port) == count },
                "\(adapter) predicted \(Self.predicted(adapter, port: port) ?? 0) of its \(count) examples")
        serve.send(SIGTERM)
        let ended = try await serve.waitForExit(within: 30)
        #expect(!ended.signaled && ended.status == 0, "SIGTERM must stop serve with status 0, got \(ended); log:\n\(serve.logTail())")
    }

    /// The HTTP port `serve` logged (bounded wait).
    static func port(of serve: ChildProcess) async -> Int? {
        var port: Int?
        _ = await waitUntil(60, interval: 0.1) {
            port = RunningAgent.listeningPort(in: serve)
            return port != nil || !serve.isRunning
        }
        return port
    }

    /// `streamlora_examples_total` of `adapter` (examples predicted) from `/metrics`.
    static func predicted(_ adapter: String, port: Int) -> Int? {
        guard let text = try? String(contentsOf: URL(string: "http://127.0.0.1:\(port)/metrics")!, encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix("streamlora_examples_total{") && $0.contains("adapter=\"\(adapter)\"") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "").map { Int($0) } }
    }
}
