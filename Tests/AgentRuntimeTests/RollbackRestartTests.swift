import Threads
@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Stream
import Testing

/// After a rollback, the learner continues from the version rolled back to; a restart before the
/// next snapshot must do the same, not resume the newer version the rollback withdrew.
@Suite("Agent: restart after a rollback")
struct RollbackRestartTests {
    @Test("a restart after a rollback (no snapshot since) resumes from the version rolled back to, offsets kept")
    func restartResumesFromTheRolledBackToVersion() async throws {
        let bed = try AgentTestBed("rollback-restart")
        let dir = bed.dir
        let broker = try bed.broker(partitions: 2)
        let items = SyntheticStream.items(300, labels: 4, prefix: "rr", seed: 0x5B)
        let log = try await AgentOffsetTests.produce(items, to: broker)
        let config = try AgentOffsetTests.config(broker, group: "rr", dir: dir, everyExamples: 100, everySeconds: 0)

        let first = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try first.start()
        #expect(await waitUntil(120, interval: 0.1) { (first.status.adapters.first?.examplesSeen ?? 0) >= items.count })
        await Blocking.run { first.stop() }

        // Roll back (as the monitor or an operator would) to the first version while no agent runs.
        let registry = try AdapterRegistry(root: dir.path("registry"), adapter: "default", create: false)
        let versions = try registry.versions()
        #expect(versions.count >= 2, "versions: \(versions.map(\.version))")
        let target = try #require(versions.first)
        let newest = try #require(registry.newestDurable())
        _ = try registry.rollback(to: target.version, reason: "test: regression")
        #expect(try registry.live() == target.version)

        let second = try await Blocking.run { try Agent(config: config, root: dir.url) }
        let adapter = try #require(second.status.adapters.first)
        #expect(adapter.examplesTrained == target.examplesTrained, "lineage of the version rolled back to, not of \(newest.version)")
        #expect(adapter.liveVersion == target.version.name)
        // Offsets stay where the newest manifest left them: nothing is trained twice.
        #expect(RegistryChecks.offsets(newest, topic: TestPipeline.topic) == log.highWatermarks)
        try second.start()
        await Blocking.run { second.stop() }
    }
}
