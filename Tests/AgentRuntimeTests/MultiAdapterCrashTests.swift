import Registry
import Testing
@testable import Learner

/// Two adapters share both partitions and snapshot on different schedules, so neither one's
/// offsets are safe to commit alone: the Kafka commit must be the low watermark over both.
@Suite struct MultiAdapterCrashTests {
    private struct Msg {
        let partition: Int32
        let offset: Int64
        let id: String
        let adapter: String
    }

    private static let messages: [Msg] = (0..<3_000).map { i in
        let adapter = StableHash.unitInterval(StableHash.hash("route-\(i)")) < 0.7 ? "a" : "b"
        return Msg(partition: Int32(i % 3), offset: Int64(i / 3), id: "m-\(i)", adapter: adapter)
    }

    private struct Durable {
        var contents: [String: AdapterSession<Int>.SnapshotContents] = [:]
        var committed: [Int32: Int64] = [:]
    }

    private static func config(every: Int) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: """
            training: {batch_size: 5, max_wait_ms: 10000, replay: {capacity: 0}}
            holdout: {share: 0.05, buffer: 50}
            snapshot: {every_examples: \(every), every_seconds: 0}
            gate: {min_holdout: 10}
            rollback: {enabled: false}
            """, file: "multi.yaml", environment: [:])
    }

    private static func sessions(_ durable: Durable, t0: ContinuousClock.Instant) throws -> [String: AdapterSession<Int>] {
        var result: [String: AdapterSession<Int>] = [:]
        for (name, every) in [("a", 150), ("b", 41)] {
            let manifest = durable.contents[name]
            result[name] = AdapterSession(adapter: name, config: try config(every: every),
                                          durableOffsets: manifest?.offsets ?? [:],
                                          lineage: manifest?.lineage ?? .init(), start: t0)
        }
        return result
    }

    /// Processes `slice`, updating the consumer's next offsets in `consumed`.
    private static func process(_ slice: ArraySlice<Msg>, sessions: inout [String: AdapterSession<Int>],
                                durable: inout Durable, consumed: inout [Int32: Int64], t0: ContinuousClock.Instant) {
        for message in slice {
            consumed[message.partition] = message.offset + 1
            guard var session = sessions[message.adapter] else { continue }
            defer { sessions[message.adapter] = session }
            let key = ExampleKey.id(message.id)
            switch session.admit(key: key, partition: message.partition, offset: message.offset) {
            case .skip:
                continue
            case .holdout:
                session.addHoldout(0, partition: message.partition, offset: message.offset)
            case .train:
                guard let batch = session.enqueue(0, key: key, partition: message.partition,
                                                  offset: message.offset, now: t0) else { continue }
                if session.trained(batch, loss: 0.1, weightsFinite: true, now: t0).snapshot != nil {
                    // No flush: the other adapter's batcher may hold examples of the same partitions.
                    let contents = session.snapshotContents
                    durable.contents[message.adapter] = contents
                    session.snapshotSucceeded(contents, now: t0)
                    let others = sessions.filter { $0.key != message.adapter }.map(\.value.ledger)
                    durable.committed = OffsetLedger.commitPositions(consumed: consumed,
                                                                     ledgers: others + [session.ledger])
                }
            }
        }
    }

    @Test(arguments: [500, 1_234, 2_222, 2_999])
    func bothAdaptersTrainEveryExampleExactlyOnce(crashAt: Int) throws {
        let t0 = ContinuousClock.now
        var durable = Durable()
        var live = try Self.sessions(durable, t0: t0)
        var consumed: [Int32: Int64] = [:]
        Self.process(Self.messages[..<crashAt], sessions: &live, durable: &durable, consumed: &consumed, t0: t0)
        #expect(durable.contents.count == 2)

        // kill -9. Restart every adapter from its manifest; the consumer resumes per partition at the commit.
        var restarted = try Self.sessions(durable, t0: t0)
        var position = durable.committed
        let resumed = Self.messages.filter { $0.offset >= position[$0.partition, default: 0] }
        #expect(resumed.count > 3_000 - crashAt)  // the commit lags: some messages come again
        Self.process(resumed[...], sessions: &restarted, durable: &durable, consumed: &position, t0: t0)

        for name in ["a", "b"] {
            var session = try #require(restarted[name])
            if let batch = session.flush() {
                _ = session.trained(batch, loss: 0.1, weightsFinite: true, now: t0)
            }
            let splitter = HoldoutSplitter(share: 0.05)
            let expected = Self.messages.filter { $0.adapter == name && !splitter.isHoldout(.id($0.id)) }.map(\.id)
            #expect(session.lineage.digest == TrainedIDsDigest(expected), "adapter \(name)")
            #expect(session.lineage.examplesTrained == expected.count, "adapter \(name)")
        }
    }
}
