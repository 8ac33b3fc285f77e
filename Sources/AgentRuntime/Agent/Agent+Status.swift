import Foundation
import Learner
import Monitor
import Registry

/// What the agent publishes for `/v1/status`, `streamlora status` and the metrics.
package struct LearnerStatus: Sendable, Codable, Equatable {
    package struct Adapter: Sendable, Codable, Equatable {
        package var name: String
        package var live: String?
        package var labels: [String]
        package var examples: Int
        package var trained: Int
        package var steps: Int
        /// Steps that shared a forward/backward pass with other adapters' steps.
        var crossAdapterSteps: Int?
        var skippedSteps: Int
        /// Fresh examples of those steps: consumed, not trained (the lineage's, as `trained`).
        var skippedExamples: Int?
        /// Examples held out (predicted, never trained) and redeliveries skipped, this process's run.
        var heldOut: Int
        var skippedRedeliveries: Int
        package var accuracy: Double?
        package var logLoss: Double?
        package var windowAccuracy: Double?
        var windowLogLoss: Double?
        /// Outcomes in the window (≤ the pipeline's `metrics.window`).
        var windowExamples: Int
        var lastLoss: Double?
        package var snapshots: Int
        package var promotions: Int
        package var rejections: Int
        package var rollbacks: Int
        /// Metric drops the paired test found shared by the predecessor (drift, not regression).
        package var declinedRollbacks: Int?
        /// Confirmed concept drifts the learner adapted to.
        package var adaptations: Int?
        var snapshotFailures: Int
        package var lastSnapshot: String?
        var lastDecision: String?
        var holdoutBuffered: Int
        /// Cumulative prequential accuracy every 500 examples.
        package var curve: [CurvePoint]
        /// Partitions whose examples this adapter has learned from (in this process).
        package var partitions: [Int32]
        /// Durations of this process's snapshots (evaluate, gate, durable write), in seconds.
        var snapshotSeconds: Histogram
    }

    /// The consumer's position in one assigned partition.
    package struct Partition: Sendable, Codable, Equatable {
        var partition: Int32
        /// Next offset to read (last consumed + 1); nil before the first message.
        var position: Int64?
        /// The high watermark as last fetched; nil before the first fetch.
        var highWatermark: Int64?
        /// Messages not consumed yet (high watermark − position, or − the committed offset
        /// before the first message); nil when unknown.
        var lag: Int64? {
            guard let high = highWatermark, let from = position ?? committed else { return nil }
            return max(0, high - from)
        }
        /// Last committed next offset.
        var committed: Int64?
    }

    package var uptimeSeconds: Double = 0
    package var ready = false
    package var adapters: [Adapter] = []
    package var consumed = 0
    var deadLettered = 0
    /// Records rejected by the decoder (and so dead-lettered), by reason code (`invalid_json`, …).
    var rejectionsByReason: [String: Int] = [:]
    /// Partitions paused because their dead letter cannot be written, with the reason.
    var stalledPartitions: [String: String] = [:]
    /// Partitions paused because their log ends before the registry's recorded offsets.
    var partitionAlarms: [String: String] = [:]
    /// Whether a broker connection is up (librdkafka's statistics); nil until first known.
    var brokersReachable: Bool?
    var unsupportedInputs = 0
    var consumerErrors = 0
    var errors = 0
    var lastError: String?
    /// Last committed next offset per partition.
    var committed: [String: Int64] = [:]
    /// Assigned partitions of the pipeline's topic, with position, high watermark and lag.
    package var partitions: [Partition] = []

    init() {}
}

extension Agent {
    /// The latest published status (cheap; any thread).
    package var status: LearnerStatus {
        var s = published.current
        s.uptimeSeconds = Double((ContinuousClock.now - started).components.seconds)
        return s
    }

    /// Publishes the learner's numbers (learner thread).
    func publishStatus() {
        let adapters = workers.values.sorted { $0.name < $1.name }.map { w -> LearnerStatus.Adapter in
            let m = w.session.metrics
            return LearnerStatus.Adapter(
                name: w.name, live: live.liveVersion(w.name)?.name, labels: w.labels,
                examples: m.cumulative.count, trained: w.session.lineage.examplesTrained, steps: w.session.lineage.steps,
                crossAdapterSteps: w.counters.crossAdapterSteps, skippedSteps: w.counters.skippedSteps,
                skippedExamples: w.session.lineage.examplesSkipped, heldOut: w.counters.heldOut,
                skippedRedeliveries: w.counters.skippedRedeliveries, accuracy: m.cumulative.accuracy, logLoss: m.cumulative.logLoss,
                windowAccuracy: m.windowed.accuracy, windowLogLoss: m.windowed.logLoss,
                windowExamples: m.windowed.count, lastLoss: w.counters.lastLoss,
                snapshots: w.counters.snapshots, promotions: w.counters.promotions, rejections: w.counters.rejections,
                rollbacks: w.counters.rollbacks, declinedRollbacks: w.counters.declinedRollbacks,
                adaptations: w.counters.adaptations, snapshotFailures: w.counters.snapshotFailures,
                lastSnapshot: w.counters.lastSnapshot?.name, lastDecision: w.counters.lastDecision,
                holdoutBuffered: w.session.holdout.count, curve: w.counters.curve,
                partitions: Set(consumed.keys).union(w.session.ledger.durable.keys).filter(w.knows).sorted(),
                snapshotSeconds: w.counters.snapshotSeconds)
        }
        let stats = pipeline.stats
        let committed = published.current.committed
        let partitions = pipeline.consumer.assignment.filter { $0.topic == config.kafka.topic }
            .sorted { $0.partition < $1.partition }
            .map { tp in
                LearnerStatus.Partition(partition: tp.partition, position: consumed[tp.partition],
                                        highWatermark: pipeline.consumer.cachedWatermarks(tp)?.high,
                                        committed: committed[String(tp.partition)])
            }
        published.withLock {
            $0.adapters = adapters
            $0.ready = true
            $0.consumed = stats.consumed
            $0.deadLettered = stats.deadLettered
            $0.rejectionsByReason = Dictionary(uniqueKeysWithValues: stats.rejections.map { ($0.key.rawValue, $0.value) })
            $0.stalledPartitions = Dictionary(uniqueKeysWithValues: stats.stalled.map { ("\($0.key)", $0.value) })
            $0.brokersReachable = pipeline.consumer.brokersReachable
            $0.partitionAlarms = Dictionary(uniqueKeysWithValues: partitionAlarms.current.map { (String($0.key), $0.value) })
            $0.consumerErrors = stats.consumerErrors
            $0.partitions = partitions
        }
    }
}

extension LearnerStatus {
    /// Why the agent is not fully ready, one sentence each (empty: ready): not started, no broker
    /// connection, no partition assigned, partitions paused by an alarm or an unwritable DLQ.
    /// Predictions are served regardless; these say whether training keeps up with the topic.
    var notReadyReasons: [String] {
        var reasons: [String] = []
        if !ready { reasons.append("the learner has not started") }
        if brokersReachable == false { reasons.append("no Kafka broker is reachable") }
        if partitions.isEmpty { reasons.append("no partition of the topic is assigned to this agent") }
        for (p, why) in partitionAlarms.sorted(by: { $0.key < $1.key }) { reasons.append("partition \(p): \(why)") }
        for (p, why) in stalledPartitions.sorted(by: { $0.key < $1.key }) { reasons.append("\(p) paused: \(why)") }
        return reasons
    }
}
