@testable import AgentRuntime
import API
import Foundation
import Learner
import Stream
import Testing
import Threads

/// A training pass that throws (an internal failure, not bad input: that is dead-lettered by the
/// decoder, and a non-finite step is the trainer's own skip) must not take the fate of its
/// examples with it. Before, a cross-adapter pass that threw left every example of every adapter
/// in it taken from its group and never trained, skipped or kept: no snapshot covered them, so
/// Kafka's commit (and `durable_below`) stayed behind them for good.
@Suite("Agent: failed training passes")
struct AgentFailedStepTests {
    struct InjectedFault: Error, CustomStringConvertible {
        var description: String { "injected fault" }
    }

    static let adapters = ["a", "b", "c"]

    @Test("a pass that throws: its other adapters' steps run alone and train, the failing adapter's examples are counted skipped and its held-out ones kept, and Kafka's commit reaches the end of the log")
    func failedPassKeepsEveryFate() async throws {
        let bed = try AgentTestBed("agent-failed-step")
        let dir = bed.dir
        let partitions: Int32 = 2
        let broker = try bed.broker(partitions: partitions)
        let items = SyntheticStream.items(300, labels: 4, prefix: "fault", seed: 0xFA17)
        let producer = try RecordingProducer(bootstrap: broker.bootstrapServers)
        for (i, item) in items.enumerated() {
            producer.send(topic: TestPipeline.topic, partition: Int32(i) % partitions, key: Array(Self.adapters[i % 3].utf8),
                          value: item.json, id: item.id)
        }
        let log = try await Blocking.run { [producer] in try producer.flush() }
        producer.close()

        let config = try PipelineConfig.parse(
            yaml: TestPipeline.yaml(bootstrap: broker.bootstrapServers, group: "failed-step", model: dir.path("tiny-bert"),
                                    registry: dir.path("registry"), everyExamples: 50),
            file: "failed-step.yaml", environment: [:])
        let agent = try await Blocking.run { try Agent(config: config, root: dir.url) }
        // Every pass with b in it fails, whether b shares it or runs alone.
        let failedPasses = Locked(0)
        agent.trainPassFault = { names in
            guard names.contains("b") else { return }
            failedPasses.withLock { $0 += 1 }
            throw InjectedFault()
        }
        try agent.start()
        defer { agent.stop() }

        // Every record has its fate (trained, skipped or held out) and Kafka's commit reaches the
        // end of the log.
        func fates(_ s: AdapterStatus) -> Int { s.examplesTrained + s.examplesSkipped + s.heldOut }
        var committed: [Int32: Int64] = [:]
        let settled = await waitUntil(180, interval: 0.1) {
            guard agent.status.adapters.reduce(0, { $0 + fates($1) }) == items.count,
                  let now = try? RegistryChecks.committedSync(bootstrap: broker.bootstrapServers, group: "failed-step",
                                                              topic: TestPipeline.topic, partitions: partitions)
            else { return false }
            committed = now
            return committed == log.highWatermarks
        }
        #expect(settled, "committed \(committed), log \(log.highWatermarks); status: \(agent.status.adapters.map { ($0.name, $0.examplesSeen, $0.examplesTrained, $0.examplesSkipped, $0.heldOut) })")
        #expect(failedPasses.current > 0, "the fault never fired")

        // Each example has exactly one fate. b's were never trained (nor predicted: the failed
        // pass was to predict them); a's and c's steps ran alone after each failed shared pass.
        let status = Dictionary(uniqueKeysWithValues: agent.status.adapters.map { ($0.name, $0) })
        #expect(Set(status.keys) == Set(Self.adapters))
        for name in Self.adapters {
            let s = try #require(status[name])
            #expect(fates(s) == items.count / 3,
                    "\(name): trained \(s.examplesTrained) + skipped \(s.examplesSkipped) + held out \(s.heldOut) ≠ \(items.count / 3)")
        }
        let b = try #require(status["b"])
        #expect(b.examplesTrained == 0 && b.examplesSkipped > 0 && b.skippedSteps > 0,
                "b: trained \(b.examplesTrained), skipped \(b.examplesSkipped) in \(b.skippedSteps) steps")
        for name in ["a", "c"] {
            let s = try #require(status[name])
            #expect(s.examplesSkipped == 0 && s.examplesTrained > 0 && s.examplesSeen == items.count / 3,
                    "\(name): seen \(s.examplesSeen), trained \(s.examplesTrained), skipped \(s.examplesSkipped)")
        }
    }
}
