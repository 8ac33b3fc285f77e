import Foundation
import Registry
import Testing
import Threads

@testable import AgentRuntime
@testable import Learner

/// The crash harness with many adapters and a small residency budget: eight keyed adapters share
/// four partitions (keys come in bursts of 20 examples, as traffic of many tenants does) while `residency.max_adapters: 3` keeps evicting trainers (snapshot first) and
/// reloading them from the registry; `streamlora serve` is killed with SIGKILL again and again.
/// After every kill each adapter's newest durable version has trained exactly the ids of its own
/// examples below its offsets (count and digest), no version is torn, and Kafka's commit never
/// passes an example that is not durable; the last run trains everything and stops gracefully.
@Suite("Residency crash harness (kill -9, many adapters, small budget)", .serialized)
struct ResidencyCrashTests {
    static let adapters = 8
    static let examples = 1_600
    static let partitions: Int32 = 4
    static let rounds = 6
    static let group = "residency-crash"

    static func adapter(ofIndex i: Int) -> String { "ad\((i / 20) % adapters)" }
    static func adapter(ofID id: String) -> String { adapter(ofIndex: Int(id.split(separator: "-").last!)!) }

    /// Per adapter: its newest durable manifest trained exactly its ids below the manifest's offsets.
    static func checkExactlyOnce(_ log: ProducedLog, registry: URL, round: String) throws -> Int {
        var trained = 0
        for a in 0..<adapters {
            let name = "ad\(a)"
            _ = try RegistryChecks.scan(root: registry, adapter: name)  // throws on a torn version
            let manifest = try RegistryChecks.newestDurable(root: registry, adapter: name)
            let offsets = RegistryChecks.offsets(manifest, topic: TestPipeline.topic)
            let expected = RegistryChecks.expectedIDs(log, below: offsets, holdoutShare: TestPipeline.holdoutShare)
                .filter { adapter(ofID: $0) == name }
            #expect((manifest?.examplesTrained ?? 0) == expected.count,
                    "\(round): \(name) version \(manifest?.version.name ?? "none") trained \(manifest?.examplesTrained ?? 0), expected \(expected.count) below \(offsets)")
            #expect((manifest?.trainedIDs ?? TrainedIDsDigest()) == TrainedIDsDigest(expected), "\(round): \(name) trained-ids digest")
            if let manifest {
                // AdamW's state travels with the versions through evictions and kill -9 restarts:
                // its step count is the lineage's step count (a trainer that came back with empty
                // moments would count only the steps since its reload; a lineage that counted two
                // batches of one group as one step would count fewer).
                let stored = try AdapterRegistry(root: registry, adapter: name, create: false).load(manifest.version, optimizer: true)
                #expect((stored.snapshot.optimizer?.step ?? 0) == manifest.steps,
                        "\(round): \(name) version \(manifest.version.name): optimizer step \(stored.snapshot.optimizer?.step ?? 0), \(manifest.steps) steps")
            }
            trained += manifest?.examplesTrained ?? 0
        }
        return trained
    }

    /// Kafka never ahead: every example below a partition's commit is durable in its adapter's manifest.
    static func checkCommits(_ committed: [Int32: Int64], _ log: ProducedLog, registry: URL, round: String) throws {
        var durable: [String: [Int32: Int64]] = [:]
        for a in 0..<adapters {
            let name = "ad\(a)"
            durable[name] = RegistryChecks.offsets(try RegistryChecks.newestDurable(root: registry, adapter: name), topic: TestPipeline.topic)
        }
        for (partition, position) in committed {
            for (offset, id) in log.byPartition[partition] ?? [:] where offset < position {
                guard let id else { continue }
                let name = adapter(ofID: id)
                #expect(offset < durable[name]?[partition] ?? 0,
                        "\(round): Kafka committed \(position) on partition \(partition), past \(id) at \(offset) that \(name) has not made durable")
            }
        }
    }

    @Test("kill -9 with 8 adapters and max_adapters 3: every adapter's ids trained exactly once")
    func killNineWithEvictions() async throws {
        // No optimizer resets on drift, so each version's Adam step count must equal its lineage's steps.
        let harness = try await ServeCrashHarness("residency", partitions: Self.partitions) { bootstrap, model, registry in
            TestPipeline.yaml(bootstrap: bootstrap, group: Self.group, model: model, registry: registry, everyExamples: 40,
                              drift: "{adaptation: {reset_optimizer: false}}")
                + "\nresidency: {max_adapters: 3}\n"
        }
        defer { harness.broker.send(SIGKILL) }
        let (registry, bootstrap) = (harness.bed.registry, harness.bootstrap)

        let items = SyntheticStream.items(Self.examples, prefix: "res", seed: 0x5E51)
        let producer = try RecordingProducer(bootstrap: bootstrap)
        defer { producer.close() }
        var cursor = 0
        func feed(_ count: Int) {
            let end = min(items.count, cursor + count)
            while cursor < end {
                producer.send(topic: TestPipeline.topic, partition: Int32(cursor % Int(Self.partitions)),
                              key: Array(Self.adapter(ofIndex: cursor).utf8), value: items[cursor].json, id: items[cursor].id)
                cursor += 1
            }
        }
        var rng = SeededGenerator(seed: 20_261_130)
        var log = ProducedLog()
        var evicted = false, reloaded = false
        feed(300)
        for round in 0..<Self.rounds {
            let serve = try harness.serve("\(round)")
            #expect(await harness.assigned(serve), "round \(round): never assigned; log:\n\(serve.logTail())")
            let until = Date(timeIntervalSinceNow: Double.random(in: 1.5...4, using: &rng))
            while Date() < until {
                feed(8)
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            evicted = evicted || serve.logContains("evicted (least recently used")
            reloaded = reloaded || serve.logContains(": resumed from version")
            try await harness.kill(serve, round: round)
            log = try await Blocking.run { [producer] in try producer.flush() }
            let trained = try Self.checkExactlyOnce(log, registry: registry, round: "round \(round)")
            let committed = try await RegistryChecks.committed(bootstrap: bootstrap, group: Self.group,
                                                               topic: TestPipeline.topic, partitions: Self.partitions)
            try Self.checkCommits(committed, log, registry: registry, round: "round \(round)")
            print("residency crash round \(round): \(trained) examples durable over \(Self.adapters) adapters, commits \(committed.sorted { $0.key < $1.key }.map(\.value))")
        }
        #expect(evicted && reloaded, "the budget must have evicted trainers and reloaded them from the registry")

        // Last run: the rest of the stream, then a graceful stop; everything trained exactly once.
        feed(items.count)
        log = try await Blocking.run { [producer] in try producer.flush() }
        let everything = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: TestPipeline.holdoutShare).count
        try await harness.finish(within: 120) { (try? Self.checkQuietly(log, registry: registry)) == everything }
        let trained = try Self.checkExactlyOnce(log, registry: registry, round: "final")
        #expect(trained == everything)
        await harness.stop()
    }

    /// Examples durable over all adapters (no expectations recorded: polled while learning).
    static func checkQuietly(_ log: ProducedLog, registry: URL) throws -> Int {
        try (0..<adapters).reduce(0) { sum, a in
            sum + (try RegistryChecks.newestDurable(root: registry, adapter: "ad\(a)")?.examplesTrained ?? 0)
        }
    }
}
