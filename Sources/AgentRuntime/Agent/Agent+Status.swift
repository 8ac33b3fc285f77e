import API
import Foundation
import Learner
import Monitor
import Registry

extension Agent {
    /// The latest published status (cheap; any thread): what `/v1/status`, `streamlora status`,
    /// the dashboard and `/metrics` read, in the API's own type.
    package var status: AgentStatus {
        var s = published.current
        s.uptimeSeconds = Double((ContinuousClock.now - started).components.seconds)
        s.startedAt = Date(timeIntervalSinceNow: -s.uptimeSeconds)
        return s
    }

    /// Publishes the learner's numbers (learner thread).
    func publishStatus() {
        let topic = config.kafka.topic
        let committed = published.current.committed
        let partitions = pipeline.consumer.assignment.filter { $0.topic == topic }
            .sorted { $0.partition < $1.partition }
            .map { tp in
                PartitionLag(topic: topic, partition: Int(tp.partition), position: consumed[tp.partition],
                             highWatermark: pipeline.consumer.cachedWatermarks(tp)?.high,
                             committed: committed[String(tp.partition)])
            }
        let adapters = workers.values.sorted { $0.name < $1.name }.map { w -> AdapterStatus in
            let c = w.counters
            let learned = Set(consumed.keys).union(w.session.ledger.durable.keys).filter(w.knows)
            var a = AdapterStatus(
                name: w.name, liveVersion: live.liveVersion(w.name)?.name, labels: w.labels,
                examplesSeen: w.session.metrics.cumulative.count, examplesTrained: w.session.lineage.examplesTrained,
                examplesSkipped: w.session.lineage.examplesSkipped,
                holdoutExamples: w.session.holdout.count, steps: w.session.lineage.steps, lastTrainLoss: c.lastLoss,
                prequential: w.session.metrics.snapshot, lastSnapshot: c.lastSnapshot,
                partitions: partitions.filter { learned.contains(Int32($0.partition)) })
            a.heldOut = c.heldOut
            a.skippedRedeliveries = c.skippedRedeliveries
            a.skippedSteps = c.skippedSteps
            a.crossAdapterSteps = c.crossAdapterSteps
            a.snapshots = c.snapshots
            a.snapshotFailures = c.snapshotFailures
            a.promotions = c.promotions
            a.rejections = c.rejections
            a.rollbacks = c.rollbacks
            a.declinedRollbacks = c.declinedRollbacks
            a.adaptations = c.adaptations
            a.lastDecision = c.lastDecision
            a.curve = c.curve
            a.snapshotSeconds = c.snapshotSeconds
            return a
        }
        let stats = pipeline.stats
        published.withLock {
            $0.topic = topic
            $0.defaultAdapter = config.routing.defaultAdapter
            $0.baseModel = runtime.directory.lastPathComponent
            $0.adapters = adapters
            $0.ready = true
            $0.consumed = stats.consumed
            $0.dlqMessages = stats.deadLettered
            $0.dlqByReason = Dictionary(uniqueKeysWithValues: stats.rejections.map { ($0.key.rawValue, $0.value) })
            $0.stalledPartitions = Dictionary(uniqueKeysWithValues: stats.stalled.map { ("\($0.key)", $0.value) })
            $0.brokersReachable = pipeline.consumer.brokersReachable
            $0.consumerGroup = pipeline.consumer.groupState.map {
                ConsumerGroupStatus(state: $0.state, stateSeconds: Double($0.stateAgeMilliseconds) / 1000, joinState: $0.joinState,
                                    rebalances: $0.rebalances, lastRebalanceReason: $0.rebalanceReason.flatMap { $0.isEmpty ? nil : $0 })
            }
            $0.partitionAlarms = Dictionary(uniqueKeysWithValues: partitionAlarms.current.map { (String($0.key), $0.value) })
            $0.consumerErrors = stats.consumerErrors
            $0.trainerLoads = trainerLoads
            $0.partitions = partitions
        }
    }
}
