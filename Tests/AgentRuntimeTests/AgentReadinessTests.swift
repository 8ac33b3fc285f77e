@testable import AgentRuntime
import Foundation
import Learner
import Registry
import Stream
import Testing
import Threads

/// `streamlora_ready` follows `/readyz`: 0 while a partition is paused by an alarm (its reason in
/// the readiness reasons), 1 once nothing holds it back.
@Suite("Agent: readiness gauge")
struct AgentReadinessTests {
    /// The value of `streamlora_ready` in the agent's Prometheus text.
    static func readyGauge(_ agent: Agent) async throws -> Double? {
        let text = try await AgentControlPlane(agent: agent, pipelineName: "readiness", buildVersion: "test").metrics()
        let line = text.split(separator: "\n").first { $0.hasPrefix("streamlora_ready ") }
        return line.flatMap { Double($0.split(separator: " ")[1]) }
    }

    /// Polls the gauge (bounded) until it reads `value`.
    static func waitForGauge(_ agent: Agent, _ value: Double) async throws -> Bool {
        for _ in 0..<1_200 {
            if try await readyGauge(agent) == value { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("streamlora_ready is 0 while a partition is paused by a log-behind-manifest alarm (reason in /readyz), and 1 again once the log covers the registry's offsets")
    func readyGaugeFollowsThePartitionAlarm() async throws {
        let bed = try AgentTestBed("agent-ready-gauge")
        let dir = bed.dir
        // The registry records 60 records of partition 0.
        let first = try bed.broker(partitions: AgentOffsetTests.partitions)
        _ = try await AgentOffsetTests.produce(SyntheticStream.items(60, labels: 4, prefix: "old", seed: 1), to: first, only: 0)
        let config1 = try AgentOffsetTests.config(first, group: "ready", dir: dir)
        let agent1 = try await Blocking.run { try Agent(config: config1, root: dir.url) }
        try agent1.start()
        #expect(await waitUntil(120, interval: 0.1) { (agent1.status.adapters.first?.examplesSeen ?? 0) >= 60 })
        #expect(try await Self.waitForGauge(agent1, 1), "ready while learning normally: \(agent1.status.notReadyReasons)")
        // Its group membership, from librdkafka's statistics: joined and assigned.
        #expect(await waitUntil(60, interval: 0.1) {
            agent1.status.consumerGroup.map { $0.state == "up" && $0.joinState == "steady" && $0.rebalances >= 1 } == true
        }, "consumer group: \(String(describing: agent1.status.consumerGroup))")
        await Blocking.run { agent1.stop() }

        // A recreated topic whose partition 0 ends at 10: paused, not ready, with the reason.
        let second = try bed.broker(partitions: AgentOffsetTests.partitions)
        _ = try await AgentOffsetTests.produce(SyntheticStream.items(10, labels: 4, prefix: "new0", seed: 2), to: second, only: 0)
        _ = try await AgentOffsetTests.produce(SyntheticStream.items(20, labels: 4, prefix: "new1", seed: 3), to: second, only: 1)
        let config2 = try AgentOffsetTests.config(second, group: "ready", dir: dir)
        let agent2 = try await Blocking.run { try Agent(config: config2, root: dir.url) }
        try agent2.start()
        #expect(await waitUntil(120, interval: 0.1) { agent2.status.partitionAlarms["0"] != nil })
        #expect(try await Self.readyGauge(agent2) == 0)
        let reasons = agent2.status.notReadyReasons
        #expect(reasons.contains { $0.hasPrefix("partition 0:") && $0.contains("10") && $0.contains("60") }, "readiness: \(reasons)")
        await Blocking.run { agent2.stop() }

        // The log grows past the recorded offset: the next agent is ready again.
        _ = try await AgentOffsetTests.produce(SyntheticStream.items(60, labels: 4, prefix: "more0", seed: 4), to: second, only: 0)
        let agent3 = try await Blocking.run { try Agent(config: config2, root: dir.url) }
        try agent3.start()
        #expect(try await Self.waitForGauge(agent3, 1), "readiness: \(agent3.status.notReadyReasons)")
        #expect(agent3.status.partitionAlarms.isEmpty && agent3.status.notReadyReasons.isEmpty)
        await Blocking.run { agent3.stop() }
    }
}
