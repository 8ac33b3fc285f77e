@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Stream
import Testing
import Threads

/// Non-finite is contained where it happens (issue 8, deliverable 4), end to end: the agent over
/// the embedded broker, fed records whose weight makes the train step's loss genuinely infinite.
///
/// An operator raised `training.max_weight` to the largest Float (a larger one is refused at
/// pipeline load) and a producer sends that weight with a label the model has never learned
/// ("poison": its probability stays below 1/e, so the loss, weight × cross-entropy > 1, overflows
/// the Float it is computed in). The issue's observed defect: such steps were counted as trained,
/// entered the digest, and the rollback policy reset the trainer or un-lived a good version. With
/// one example per step and no replay, each poisoned record is exactly one skipped step, so every
/// count below is exact.
@Suite("Agent: non-finite steps contained")
struct AgentNonFiniteTests {
    static let partitions: Int32 = 2
    /// Rollback on, but neither noise rule can fire on this easy stream: any rollback, reload or
    /// cleared LIVE in the journal could only come from the non-finite steps.
    static let rollback = "{enabled: true, metric_drop: 1.0, loss_spike_floor: 1000}"

    /// A temp dir with the tiny model, its registry path, and a broker with the topic.
    static func setUp(_ label: String) throws -> (TemporaryDirectory, URL, EmbeddedBroker) {
        let bed = try AgentTestBed(label)
        let dir = bed.dir
        let broker = try bed.broker(partitions: partitions)
        return (dir, dir.path("registry"), broker)
    }

    /// A record of `item` with `weight` (ids of poisoned records start with "poison-").
    static let maxWeight = Double(Float.greatestFiniteMagnitude)

    static func value(_ item: SyntheticStream.Item, weight: Double) -> [UInt8] {
        let object: [String: Any] = ["id": item.id, "label": item.label, "text": item.text, "weight": weight]
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    @Test("steps whose loss is infinite are skipped: counted as examples_skipped, not trained, not in the digest; no rollback or reset; the live weights untouched")
    func infiniteLossStepsAreSkipped() async throws {
        let (dir, registry, broker) = try Self.setUp("agent-non-finite")
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        var sent = 0
        func send(_ items: [SyntheticStream.Item], poisonEvery: Int?) async throws -> ProducedLog {
            for (i, item) in items.enumerated() {
                let poisoned = poisonEvery.map { i % $0 == 0 } ?? false
                let record = poisoned ? SyntheticStream.Item(id: "poison-\(item.id)", label: "poison", text: item.text) : item
                producer.send(topic: TestPipeline.topic, partition: Int32(sent % Int(Self.partitions)),
                              value: Self.value(record, weight: poisoned ? Self.maxWeight : 1), id: record.id)
                sent += 1
            }
            return try await Blocking.run { [producer] in try producer.flush() }
        }
        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "non-finite", model: dir.path("tiny-bert"),
                                    registry: registry, everyExamples: 50, rollback: Self.rollback, batchSize: 1,
                                    replay: "{capacity: 0}", maxWeight: Self.maxWeight),
            file: "non-finite.yaml", environment: [:])
        let agent = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try agent.start()
        let store = try AdapterRegistry(root: registry, adapter: "default", create: true)
        /// Waits until `count` records were seen and the newest durable version covers `log` and is live.
        func settled(_ count: Int, _ log: ProducedLog) async -> Bool {
            await waitUntil(180, interval: 0.1) {
                guard (agent.status.adapters.first?.examplesSeen ?? 0) >= count,
                      let newest = try? RegistryChecks.newestDurable(root: registry, adapter: "default")
                else { return false }
                return RegistryChecks.offsets(newest, topic: TestPipeline.topic) == log.highWatermarks
                    && (try? store.live()) == newest.version
            }
        }

        // 1. A good stream: a version goes live. 2. Good records with every other one poisoned:
        // learning goes on around them. 3. Only poisoned records: nothing is learned.
        let clean = try await send(SyntheticStream.items(200, labels: 4, prefix: "good", seed: 0xF1), poisonEvery: nil)
        #expect(await settled(200, clean), "status: \(agent.status)")
        let mixed = try await send(SyntheticStream.items(160, labels: 4, prefix: "mixed", seed: 0xF2), poisonEvery: 2)
        #expect(await settled(360, mixed), "status: \(agent.status)")
        let liveBefore = try #require(try store.live())
        let liveWeights = try store.manifest(liveBefore).files["adapter_model.safetensors"]
        let trainedBefore = try store.manifest(liveBefore).examplesTrained
        let log = try await send(SyntheticStream.items(40, labels: 4, prefix: "only", seed: 0xF3), poisonEvery: 1)
        producer.close()
        #expect(await waitUntil(180, interval: 0.1) { (agent.status.adapters.first?.examplesSeen ?? 0) >= 400 },
                "status: \(agent.status)")
        await Blocking.run { agent.stop() }
        let status = agent.status
        let adapter = try #require(status.adapters.first)
        #expect(status.errors == 0, "learner errors: \(status.lastError ?? "")")

        // Each poisoned record is a skipped step; every other record trained or held out, once.
        let splitter = HoldoutSplitter(share: TestPipeline.holdoutShare)
        let ids = log.ids(below: log.highWatermarks)
        let poisoned = ids.filter { $0.hasPrefix("poison-") && !splitter.isHoldout(.id($0)) }
        let trained = ids.filter { !$0.hasPrefix("poison-") && !splitter.isHoldout(.id($0)) }
        #expect(poisoned.count > 90 && ids.count == 400)
        #expect(adapter.skippedSteps == poisoned.count)
        // The skipped examples are a fate of their own in /metrics and /v1/status.
        let plane = AgentControlPlane(agent: agent, pipelineName: config.name, buildVersion: "test")
        let metrics = try await plane.metrics()
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("streamlora_skipped_examples_total{adapter=\"default\"} ") }
        #expect(line.flatMap { Double($0.split(separator: " ")[1]) } == Double(poisoned.count), "\(line ?? "no streamlora_skipped_examples_total")")
        #expect(try await plane.status().adapters.first?.examplesSkipped == poisoned.count)
        let final = try #require(try RegistryChecks.newestDurable(root: registry, adapter: "default"))
        #expect(RegistryChecks.offsets(final, topic: TestPipeline.topic) == log.highWatermarks)
        #expect(final.examplesSkipped == poisoned.count)
        #expect(final.examplesTrained == trained.count)
        #expect(final.trainedIDs == TrainedIDsDigest(trained), "a skipped example entered the digest, or a trained one left it")
        #expect(adapter.rollbacks == 0)
        // The held-out poisoned records (weight +inf as a Float) are saved with the rest.
        let saved = try JSONSerialization.jsonObject(with: try #require(store.readHoldout())) as? [Any]
        #expect(saved?.count == adapter.holdoutExamples)

        // The journal: no rollback, reload or cleared LIVE; the snapshots carry the skipped count.
        let journal = try store.journal()
        let incidents = journal.filter { [.rollback, .reload, .clearLive, .reject].contains($0.event) }
        #expect(incidents.isEmpty, "journal: \(incidents.map { "\($0.event) \($0.reason)" })")
        let lastSnapshot = try #require(journal.last { $0.event == .snapshot })
        #expect(lastSnapshot.version == final.version)
        #expect(lastSnapshot.numbers["examples_skipped"] == Double(poisoned.count))

        // Phase 3 trained nothing: whatever version serves now has the weights that served before it.
        let live = try #require(try store.live())
        #expect(try store.manifest(live).files["adapter_model.safetensors"] == liveWeights)
        #expect(try store.manifest(live).examplesTrained == trainedBefore)
    }
    @Test("an absurd learning rate: the step that blows the weights up is applied, later ones skipped; after 3 candidates in a row refused for non-finite outputs the trainer reloads live (journaled with K and the counts discarded), and live stays")
    func absurdLearningRate() async throws {
        let (dir, registry, broker) = try Self.setUp("agent-absurd-lr")
        // Snapshots by example count only (skipped examples count too), so which candidates are
        // judged does not depend on timing.
        func config(lr: Double) throws -> PipelineConfig {
            try PipelineConfig.parse(
                yaml: TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "absurd-lr", model: dir.path("tiny-bert"),
                                        registry: registry, everyExamples: 10, lr: lr, everySeconds: 0, rollback: Self.rollback,
                                        batchSize: 1, replay: "{capacity: 0}"),
                file: "absurd-lr.yaml", environment: [:])
        }
        let splitter = HoldoutSplitter(share: TestPipeline.holdoutShare)

        // A sane run: a version goes live.
        let first = try await AgentOffsetTests.produce(SyntheticStream.items(200, labels: 4, prefix: "sane", seed: 0xA1), to: broker)
        let sane = try config(lr: 0.005)
        let agent1 = try await Blocking.run { try Agent(config: sane, root: dir.url) }
        try agent1.start()
        #expect(await waitUntil(180, interval: 0.1) { (agent1.status.adapters.first?.examplesSeen ?? 0) >= 200 })
        await Blocking.run { agent1.stop() }
        let store = try AdapterRegistry(root: registry, adapter: "default", create: false)
        let live = try #require(try store.live())
        let before = try store.manifest(live)
        let journalBefore = try store.journal().count

        // Restarted with lr 1e30: a step from live's weights moves the LoRA factors to ~1e30
        // (finite, so it is applied); every later forward pass overflows to NaN and its step is
        // skipped, and every candidate is refused. One partition, so the order of the records
        // (and which ones train) is fixed.
        let items = SyntheticStream.items(90, labels: 4, prefix: "absurd", seed: 0xA2)
        let log = try await AgentOffsetTests.produce(items, to: broker, only: 0)
        let absurd = try config(lr: 1e30)
        let agent2 = try await Blocking.run { try Agent(config: absurd, root: dir.url) }
        try agent2.start()
        #expect(await waitUntil(180, interval: 0.1) { (agent2.status.adapters.first?.examplesSeen ?? 0) >= 200 + items.count })
        await Blocking.run { agent2.stop() }
        let status = agent2.status
        let adapter = try #require(status.adapters.first)
        #expect(status.errors == 0, "learner errors: \(status.lastError ?? "")")
        let fresh = items.map(\.id).filter { !splitter.isHoldout(.id($0)) }
        let trainedBefore = RegistryChecks.expectedIDs(first, below: first.highWatermarks, holdoutShare: TestPipeline.holdoutShare)
        #expect(before.examplesTrained == trainedBefore.count)

        // Every 10 fresh examples a candidate; each is refused on non-finite outputs, and every
        // third refusal in a row reloads live, discarding the one step trained since.
        #expect(try store.live() == live)
        let entries = Array(try store.journal().dropFirst(journalBefore))
        let refused = entries.filter { $0.event == .snapshot && $0.status == .rejected }
        #expect(refused.count >= 6, "journal since the restart: \(entries.map { "\($0.event) \($0.reason)" })")
        #expect(refused.allSatisfy { $0.reason.contains("outputs are non-finite") }, "\(refused.map(\.reason))")
        let reloads = entries.filter { $0.event == .reload }
        #expect(adapter.rollbacks == reloads.count, "the status counts each reload")
        #expect(reloads.count == refused.count / 3, "\(refused.count) refusals, \(reloads.count) reloads")
        for reload in reloads {
            #expect(reload.reason.contains("non_finite_outputs") && reload.reason.contains("3 candidates in a row"), "\(reload.reason)")
            #expect(reload.numbers["consecutive_rejections"] == 3)
            #expect(reload.numbers["examples_discarded"] == 1, "\(reload.numbers)")
            #expect((reload.numbers["skipped_discarded"] ?? 0) >= 1, "\(reload.numbers)")
        }
        // In journal order: three refusals, then the reload, and again.
        let sequence = entries.compactMap { e -> String? in
            e.event == .reload ? "reload" : (e.event == .snapshot && e.status == .rejected ? "refused" : nil)
        }
        for (i, event) in sequence.enumerated() {
            #expect(event == (i % 4 == 3 ? "reload" : "refused"), "\(sequence)")
        }
        let moved = entries.filter { [.promote, .rollback, .clearLive].contains($0.event) }
        #expect(moved.isEmpty, "journal: \(moved.map { "\($0.event) \($0.reason)" })")

        // Every record one fate: the newest version covers the log; what it trained is live's
        // examples plus at most the one step since the last reload.
        let final = try #require(try RegistryChecks.newestDurable(root: registry, adapter: "default"))
        #expect(RegistryChecks.offsets(final, topic: TestPipeline.topic)[0] == log.highWatermarks[0])
        #expect(final.examplesTrained - before.examplesTrained <= 1)
        // Steps applied: the first, and one after each reload that more records followed.
        #expect(adapter.skippedSteps + reloads.count + 1 >= fresh.count && adapter.skippedSteps + reloads.count <= fresh.count,
                "\(adapter.skippedSteps) skipped of \(fresh.count), \(reloads.count) reloads")
    }
}
