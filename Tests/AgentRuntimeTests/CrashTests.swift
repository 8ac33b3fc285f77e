import Threads
import Foundation
import Registry
import Testing

/// The crash harness of §6: a broker in its own process, a few thousand examples with unique ids,
/// `streamlora serve` killed with SIGKILL at random moments again and again; after every kill the
/// registry must hold no torn version, offsets must be consistent, and the newest durable version
/// must have trained every example below its offsets exactly once (count + order-independent digest).
@Suite("Crash harness (kill -9)", .serialized)
struct CrashTests {
    static let rounds = 22
    /// Enough for every round's capped feeding (≤ 160 examples a round), so no round finds the stream exhausted.
    static let examples = 3_600
    static let partitions: Int32 = 4
    static let group = "crash-test"
    static let adapter = "default"

    /// What the harness counted, printed at the end.
    struct Tally {
        var kills = 0
        var startupKills = 0
        var versionsVerified = 0
        var leftovers = 0
        var checks = 0
        var roundsWithNewVersion = 0
        /// Restarts whose first snapshot Kafka's commits were seen to mirror.
        var mirroredCommits = 0
    }

    @Test("kill -9 at random moments ≥ 20 times: no torn version, offsets consistent, every id trained exactly once")
    func killNineRepeatedly() async throws {
        let started = Date()
        let harness = try await ServeCrashHarness("crash", partitions: Self.partitions) { bootstrap, model, registry in
            TestPipeline.yaml(bootstrap: bootstrap, group: Self.group, model: model, registry: registry)
        }
        defer { harness.broker.send(SIGKILL) }
        let (registry, bootstrap) = (harness.bed.registry, harness.bootstrap)

        let items = SyntheticStream.items(Self.examples, prefix: "crash", seed: 0xC4A5)
        let producer = try RecordingProducer(bootstrap: bootstrap)
        defer { producer.close() }
        var rng = SeededGenerator(seed: 20_261_129)
        var tally = Tally()
        var log = ProducedLog()
        var previous: (offsets: [Int32: Int64], trained: Int) = ([:], 0)
        var lastVersion: Version?
        // A backlog for the first run, then a trickle (~20/s) while agents run: kills land while
        // examples arrive, batches train and snapshots are written.
        var feeder = Feeder(items: items, producer: producer, partitions: Self.partitions)
        feeder.feed(400)

        for round in 0..<Self.rounds {
            let serve = try harness.serve("\(round)")
            if round % 5 == 4 {
                // A kill during start-up (loading the model, restoring, joining the group).
                await feeder.trickle(for: Double.random(in: 0.05...0.6, using: &rng))
                tally.startupKills += 1
            } else {
                // Bounds turn hangs into failures; the examples fed while waiting are capped, so a
                // slow round on a busy machine does not use up the stream the later rounds need.
                let ready = await feeder.trickle(until: 120, atMost: 40) { serve.logContains("assigned [\(TestPipeline.topic)[") || !serve.isRunning }
                #expect(ready && serve.isRunning, "round \(round): serve was never assigned partitions; log:\n\(serve.logTail())")
                // After this run's first snapshot Kafka's commits mirror the newest durable manifest.
                let before = (try? RegistryChecks.newestDurable(root: registry, adapter: Self.adapter))?.version
                var seen: (committed: [Int32: Int64], manifest: [Int32: Int64]) = ([:], [:])
                let mirrored = await feeder.trickle(until: 120, atMost: 60) {
                    guard serve.isRunning, let newest = try? RegistryChecks.newestDurable(root: registry, adapter: Self.adapter),
                          newest.version != before,
                          let committed = try? RegistryChecks.committedSync(bootstrap: bootstrap, group: Self.group,
                                                                          topic: TestPipeline.topic, partitions: Self.partitions)
                    else { return false }
                    seen = (committed, RegistryChecks.offsets(newest, topic: TestPipeline.topic))
                    // The manifest read before the commits: a newer snapshot in between is caught next poll.
                    return seen.committed == seen.manifest
                }
                #expect(mirrored, "round \(round): committed \(seen.committed) never matched the newest manifest \(seen.manifest) after a snapshot")
                tally.mirroredCommits += mirrored ? 1 : 0
                await feeder.trickle(for: Double.random(in: 0.5...3.0, using: &rng))
            }
            try await harness.kill(serve, round: round)
            tally.kills += 1
            log = try await Blocking.run { [producer] in try producer.flush() }

            // No torn version; LIVE names a verified one; leftovers are only *.tmp.
            let scan: RegistryChecks.Scan
            do { scan = try RegistryChecks.scan(root: registry, adapter: Self.adapter) } catch {
                Issue.record("round \(round): \(error)")
                throw error
            }
            tally.versionsVerified += scan.verified.count
            tally.leftovers += scan.leftovers
            tally.checks += 1

            // Exactly once relative to the persisted state.
            let manifest = try RegistryChecks.newestDurable(root: registry, adapter: Self.adapter)
            let offsets = RegistryChecks.offsets(manifest, topic: TestPipeline.topic)
            let expected = RegistryChecks.expectedIDs(log, below: offsets, holdoutShare: TestPipeline.holdoutShare)
            #expect((manifest?.examplesTrained ?? 0) == expected.count,
                    "round \(round): version \(manifest?.version.name ?? "none") trained \(manifest?.examplesTrained ?? 0), expected \(expected.count) below \(offsets)")
            #expect((manifest?.trainedIDs ?? TrainedIDsDigest()) == TrainedIDsDigest(expected),
                    "round \(round): trained-ids digest \(manifest?.trainedIDs.description ?? "-") ≠ expected \(TrainedIDsDigest(expected))")
            tally.checks += 2

            // Offsets consistent: within what was produced, never going back, Kafka never ahead.
            let high = log.highWatermarks
            for (partition, next) in offsets {
                #expect(next <= high[partition] ?? 0, "round \(round): partition \(partition) next \(next) beyond produced \(high[partition] ?? 0)")
                #expect(next >= previous.offsets[partition] ?? 0, "round \(round): partition \(partition) went back from \(previous.offsets[partition] ?? 0) to \(next)")
            }
            #expect(previous.offsets.keys.allSatisfy { offsets[$0] != nil }, "round \(round): a partition vanished from the manifest")
            #expect((manifest?.examplesTrained ?? 0) >= previous.trained, "round \(round): examples_trained went back")
            let committed = try await RegistryChecks.committed(bootstrap: bootstrap, group: Self.group,
                                                               topic: TestPipeline.topic, partitions: Self.partitions)
            for (partition, position) in committed {
                #expect(position <= offsets[partition] ?? 0,
                        "round \(round): Kafka committed \(position) for partition \(partition), ahead of the manifest's \(offsets[partition] ?? 0)")
            }
            tally.checks += 4
            if let version = manifest?.version, version != lastVersion { tally.roundsWithNewVersion += 1 }
            lastVersion = manifest?.version
            previous = (offsets, manifest?.examplesTrained ?? 0)
            print("crash round \(round): killed pid \(serve.pid); newest durable \(manifest?.version.name ?? "none"), "
                + "\(manifest?.examplesTrained ?? 0) trained, offsets \(offsets.sorted { $0.key < $1.key }.map(\.value)), "
                + "\(scan.verified.count) versions verified, \(scan.leftovers) leftovers")
        }

        // Last run: the rest of the stream; no kill until every example is learned, then a graceful SIGTERM.
        feeder.feed(items.count)
        log = try await Blocking.run { [producer] in try producer.flush() }
        let everything = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: TestPipeline.holdoutShare)
        #expect(log.count == Self.examples)
        try await harness.finish(within: 90) {
            (try? RegistryChecks.newestDurable(root: registry, adapter: Self.adapter))?.examplesTrained == everything.count
        }

        let scan = try RegistryChecks.scan(root: registry, adapter: Self.adapter)
        tally.versionsVerified += scan.verified.count
        let final = try #require(try RegistryChecks.newestDurable(root: registry, adapter: Self.adapter))
        let finalOffsets = RegistryChecks.offsets(final, topic: TestPipeline.topic)
        #expect(finalOffsets == log.highWatermarks, "the final manifest must cover every offset")
        #expect(final.examplesTrained == everything.count)
        #expect(final.trainedIDs == TrainedIDsDigest(everything), "final digest \(final.trainedIDs) ≠ \(TrainedIDsDigest(everything))")
        let committed = try await RegistryChecks.committed(bootstrap: bootstrap, group: Self.group,
                                                           topic: TestPipeline.topic, partitions: Self.partitions)
        #expect(committed == finalOffsets, "after a graceful stop Kafka's commits mirror the final manifest")
        tally.checks += 5

        #expect(tally.kills >= 20)
        #expect(tally.mirroredCommits == tally.kills - tally.startupKills, "every restart's first snapshot was committed")
        #expect(tally.roundsWithNewVersion >= 5, "kills should interrupt learning, not only idle agents")
        let seconds = Date().timeIntervalSince(started)
        print("crash test: \(Self.rounds) rounds, \(tally.kills) kills (\(tally.startupKills) during start-up), "
            + "\(tally.roundsWithNewVersion) rounds made a new version, \(tally.mirroredCommits) restarts committed their first snapshot, \(tally.versionsVerified) version checks, "
            + "\(tally.leftovers) *.tmp leftovers ignored, \(tally.checks) invariant checks, final version \(final.version.name) "
            + "(\(final.examplesTrained) trained of \(log.count) produced), \(String(format: "%.1f", seconds)) s")
        await harness.stop()
    }
}

/// Sends the crash test's examples in order, round-robin over the partitions.
private struct Feeder {
    let items: [SyntheticStream.Item]
    let producer: RecordingProducer
    let partitions: Int32
    private(set) var cursor = 0

    init(items: [SyntheticStream.Item], producer: RecordingProducer, partitions: Int32) {
        self.items = items
        self.producer = producer
        self.partitions = partitions
    }

    /// Queues the next `count` examples (fewer at the end of the stream).
    mutating func feed(_ count: Int) {
        let end = min(items.count, cursor + count)
        while cursor < end {
            producer.send(topic: TestPipeline.topic, partition: Int32(cursor % Int(partitions)),
                          value: items[cursor].json, id: items[cursor].id)
            cursor += 1
        }
    }

    /// Feeds 2 examples every 100 ms for `seconds`.
    mutating func trickle(for seconds: Double) async {
        _ = await trickle(until: seconds) { false }
    }

    /// Feeds 2 examples every 100 ms (at most `atMost` in all) until `condition` holds or
    /// `seconds` pass; returns whether it held.
    mutating func trickle(until seconds: Double, atMost: Int = .max, _ condition: () -> Bool) async -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var fed = 0
        while Date() < deadline {
            if condition() { return true }
            if fed < atMost {
                feed(2)
                fed += 2
            }
            try? await Task.sleep(nanoseconds: 100_000_000)
        }
        return condition()
    }
}
