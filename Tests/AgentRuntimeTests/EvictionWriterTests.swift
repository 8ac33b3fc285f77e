import API
import Dispatch
import Foundation
import Learner
import Registry
import Stream
import Testing
import Threads

@testable import AgentRuntime

/// Eviction snapshots are written off the learning path (issue 10: "snapshots of many adapters
/// must not stall learning"). With `residency.max_adapters: 1`, adapter `a`'s unsaved work is
/// evicted when `b` arrives; the eviction writer is held at a gate (deterministic, no timer)
/// while `b` trains and snapshots its whole share. Meanwhile Kafka's commit stays below `a`'s
/// examples, which are not durable yet, and so does the `durable_below` of `b`'s versions (where a
/// restart would start). Opening the gate writes `a`'s version; `a` then comes
/// back for three more examples, and after a graceful stop each adapter's newest version trained
/// exactly its own ids, and the commit mirrors them.
@Suite("Agent: eviction snapshots off the learner thread")
struct EvictionWriterTests {
    /// A gate that stays open once opened.
    final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        let entered = Locked<[String]>([])
        func pass(_ adapter: String) {
            entered.withLock { $0.append(adapter) }
            semaphore.wait()
            semaphore.signal()
        }
        func open() { semaphore.signal() }
    }

    @Test("learning goes on while an eviction snapshot is held; the commit waits for it; every id trained once")
    func learningGoesOnWhileAnEvictionSnapshotIsHeld() async throws {
        let bed = try AgentTestBed("eviction-writer")
        let broker = try bed.broker(partitions: 1)
        let items = SyntheticStream.items(49, labels: 4, prefix: "evict", seed: 0xE71C)
        // Offsets 0–5: a; 6–45: b; 46–48: a again (sent after the gate opens).
        func adapter(_ i: Int) -> String { i < 6 || i >= 46 ? "a" : "b" }
        var owner: [String: String] = [:]
        for (i, item) in items.enumerated() { owner[item.id] = adapter(i) }
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        defer { producer.close() }
        func send(_ range: Range<Int>) {
            for i in range {
                producer.send(topic: TestPipeline.topic, partition: 0, key: Array(adapter(i).utf8), value: items[i].json, id: items[i].id)
            }
        }
        send(0..<46)
        _ = try await Blocking.run { [producer] in try producer.flush() }

        // Snapshots by count only (every 8 trained examples, so a's 6 never make one due).
        let yaml = TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "evict", model: bed.model, registry: bed.registry,
                                     everyExamples: 8, everySeconds: 0) + "\nresidency: {max_adapters: 1}\n"
        let config = try PipelineConfig.parse(yaml: yaml, file: "evict.yaml", environment: [:])
        let agent = try await Blocking.run { try Agent(config: config, root: bed.dir.url) }
        let gate = Gate()
        agent.beforeEvictionSnapshot = { gate.pass($0) }
        defer { gate.open() }  // whatever happens, the writer is not left waiting
        try agent.start()

        func b() -> AdapterStatus? { agent.status.adapters.first { $0.name == "b" } }
        let bTrained = await waitUntil(120, interval: 0.1) { (b()?.examplesSeen ?? 0) >= 40 && (b()?.snapshots ?? 0) >= 2 }
        #expect(bTrained, "b did not learn while a's eviction snapshot was held: \(String(describing: b()))")
        #expect(gate.entered.current == ["a"], "the writer holds a's eviction snapshot")
        #expect(try RegistryChecks.newestDurable(root: bed.registry, adapter: "a") == nil, "a is not durable yet")
        let held = try await RegistryChecks.committed(bootstrap: broker.bootstrapServers, group: "evict",
                                                      topic: TestPipeline.topic, partitions: 1)
        #expect((held[0] ?? 0) == 0, "Kafka committed \(held) past a's examples, which are not durable")
        // Nor may b's versions tell a restart to start past them (a kill -9 now would lose them).
        let bBelow = try RegistryChecks.newestDurable(root: bed.registry, adapter: "b")?.durableBelow?[TestPipeline.topic][0]
        #expect(bBelow == 0, "b's durable_below \(String(describing: bBelow)) passes a's examples, which are not durable")

        gate.open()
        let aDurable = await waitUntil(120, interval: 0.1) {
            ((try? RegistryChecks.newestDurable(root: bed.registry, adapter: "a"))?.examplesTrained ?? 0) > 0
        }
        #expect(aDurable, "a's eviction snapshot was never written")
        send(46..<49)
        let log = try await Blocking.run { [producer] in try producer.flush() }
        #expect(await waitUntil(120, interval: 0.1) {
            agent.status.adapters.first { $0.name == "a" }.map { $0.examplesSeen >= 9 } ?? false
        }, "a came back for its last examples")
        await Blocking.run { agent.stop() }

        for name in ["a", "b"] {
            let manifest = try #require(try RegistryChecks.newestDurable(root: bed.registry, adapter: name))
            let mine = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: TestPipeline.holdoutShare)
                .filter { owner[$0] == name }
            #expect(manifest.examplesTrained == mine.count && manifest.trainedIDs == TrainedIDsDigest(mine),
                    "\(name): trained \(manifest.examplesTrained), expected \(mine.count)")
        }
        let committed = try await RegistryChecks.committed(bootstrap: broker.bootstrapServers, group: "evict",
                                                           topic: TestPipeline.topic, partitions: 1)
        #expect(committed == [0: 49])
    }
}
