import Foundation
import Registry
import Stream
import Testing
import Threads
@testable import AgentRuntime

extension AgentOffsetTests {
    /// The issue saw "at shutdown only partitions read in that run are committed": a partition
    /// the run owned but read nothing from kept whatever the group had (after kill -9 cycles,
    /// nothing). Here the second run joins a group with no commits at all (it starts from the
    /// registry alone) and reads only partition 0; its commits must mirror the manifest for both.
    @Test("a partition owned but not read in a run is committed at shutdown to what the manifest covers, like the read one")
    func shutdownCommitsUnreadPartitions() async throws {
        let bed = try AgentTestBed("agent-unread-commit")
        let dir = bed.dir
        let broker = try bed.broker(partitions: Self.partitions)
        _ = try await Self.produce(SyntheticStream.items(100, labels: 4, prefix: "both", seed: 0xC0), to: broker)
        // Snapshots only when the agent stops: the commits at shutdown are the ones under test.
        let config = try Self.config(broker, group: "unread", dir: dir, everyExamples: 100_000, everySeconds: 0)
        let agent1 = try await Blocking.run { try Agent(config: config, root: dir.url) }
        try agent1.start()
        #expect(await waitUntil(120, interval: 0.1) { (agent1.status.adapters.first?.examplesSeen ?? 0) >= 100 })
        await Blocking.run { agent1.stop() }
        let registry = dir.path("registry")
        let first = try #require(try RegistryChecks.newestDurable(root: registry, adapter: "default"))
        #expect(RegistryChecks.offsets(first, topic: TestPipeline.topic) == [0: 50, 1: 50])

        // A second run gets new records on partition 0 only.
        _ = try await Self.produce(SyntheticStream.items(20, labels: 4, prefix: "only0", seed: 0xC1), to: broker, only: 0)
        let config2 = try Self.config(broker, group: "unread-fresh", dir: dir, everyExamples: 100_000, everySeconds: 0)
        let agent2 = try await Blocking.run { try Agent(config: config2, root: dir.url) }
        try agent2.start()
        #expect(await waitUntil(120, interval: 0.1) { (agent2.status.adapters.first?.examplesSeen ?? 0) >= 120 })
        await Blocking.run { agent2.stop() }
        let final = try #require(try RegistryChecks.newestDurable(root: registry, adapter: "default"))
        #expect(RegistryChecks.offsets(final, topic: TestPipeline.topic) == [0: 70, 1: 50])
        let committed = try await RegistryChecks.committed(bootstrap: broker.bootstrapServers, group: "unread-fresh",
                                                           topic: TestPipeline.topic, partitions: Self.partitions)
        #expect(committed == [0: 70, 1: 50], "partition 1 was not read in the second run; its commit must still mirror the manifest")
    }
}
