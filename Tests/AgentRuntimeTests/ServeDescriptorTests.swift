import Foundation
import Registry
import TestCorpora
import Testing
import Threads

/// File-descriptor exhaustion (issue 8, deliverable 5): a `serve` process under `ulimit -n 256`
/// whose descriptors are all taken by idle connections (no connection limit, a long idle
/// timeout) while a snapshot is due. Snapshots fail and are retried later; nothing traps; once the
/// connections are released the snapshot lands and every record has exactly one fate.
@Suite("serve: descriptor exhaustion")
struct ServeDescriptorTests {
    static let fileLimit = 256

    @Test("all descriptors taken while a snapshot is due: the snapshot fails and is retried, serve stays up, and after the release every record is trained or held out once")
    func snapshotsRetryAfterDescriptorExhaustion() async throws {
        try IdleConnections.raiseDescriptorLimit(to: 8_192)
        let agent = try await RunningAgent.start("fd-exhaustion", examples: 200,
                                                 server: "{port: 0, max_connections: 100000, idle_timeout_seconds: 3600}",
                                                 fileLimit: Self.fileLimit)
        let pid = agent.serve.pid
        let registry = agent.dir.path("registry")

        // Take every descriptor serve may open: idle connections it accepts until accept fails.
        var sockets = IdleConnections.open(2 * Self.fileLimit, port: agent.port)
        defer { IdleConnections.close(sockets) }
        let exhausted = await waitUntil(120, interval: 0.05) { IdleConnections.descriptorsHeld(by: pid) >= Self.fileLimit - 1 }
        #expect(exhausted, "serve holds only \(IdleConnections.descriptorsHeld(by: pid)) descriptors")

        // New records make snapshots due (every 100 examples, every second); writing one needs descriptors.
        let producer = try RecordingProducer(bootstrap: agent.broker.bootstrapServers)
        for (i, item) in SyntheticStream.items(150, labels: 4, prefix: "fd-late", seed: 0xFD).enumerated() {
            producer.send(topic: TestPipeline.topic, partition: Int32(i % 2), value: item.json, id: item.id)
        }
        let late = try await Blocking.run { [producer] in try producer.flush() }
        producer.close()
        let log = agent.produced.merging(late)
        let failed = await waitUntil(180, interval: 0.1) { agent.serve.logContains("snapshot aborted") }
        #expect(failed, "no snapshot failed while descriptors were exhausted; log:\n\(agent.serve.logTail(30))")
        #expect(agent.serve.isRunning, "serve died; log:\n\(agent.serve.logTail(30))")

        // Released: serve closes the connections, and a later snapshot covers every record.
        IdleConnections.close(sockets)
        sockets = []
        let landed = await waitUntil(180, interval: 0.2) {
            guard let newest = try? RegistryChecks.newestDurable(root: registry, adapter: "default") else { return false }
            return RegistryChecks.offsets(newest, topic: TestPipeline.topic) == log.highWatermarks
        }
        #expect(landed, "no snapshot covered the log after the release; log:\n\(agent.serve.logTail(30))")
        print("fd exhaustion: after the release serve holds \(IdleConnections.descriptorsHeld(by: pid)) descriptors, \(IdleConnections.socketsHeld(by: pid)) sockets")
        #expect(agent.serve.isRunning)
        #expect(try await agent.stop() == 0, "log:\n\(agent.serve.logTail(30))")
        #expect(!agent.serve.logContains("Fatal error"))

        let final = try #require(try RegistryChecks.newestDurable(root: registry, adapter: "default"))
        #expect(RegistryChecks.offsets(final, topic: TestPipeline.topic) == log.highWatermarks)
        let trained = RegistryChecks.expectedIDs(log, below: log.highWatermarks, holdoutShare: RunningAgent.holdoutShare)
        #expect(final.examplesTrained == trained.count)
        #expect(final.trainedIDs == TrainedIDsDigest(trained))
    }
}
