import API
import Threads
import Foundation
import Learner
import Logging
import Model
import Monitor
import Registry
import Stream

/// The running learner: Kafka → decode/validate (bad → DLQ) → route by key → per-adapter
/// test-then-train → snapshot/gate/swap → commit offsets that mirror durable manifests.
///
/// All learning happens on one dedicated thread (the "learner thread"); it owns every
/// ``AdapterWorker``. Other threads (HTTP handlers, the CLI, Kafka callbacks) see only
/// lock-protected publications: ``live`` (merged models for prediction), ``status``, the
/// drift hub, a command mailbox the learner drains between events, and the rebalance handoff
/// (on revoke the consumer's callback waits while the learner snapshots and commits the
/// partitions' adapters; on assign the learner follows the shared registry, see `Agent+Rebalance`).
package final class Agent: @unchecked Sendable {
    package let config: PipelineConfig
    package let runtime: ModelRuntime
    /// Live versions served, at most `residency.max_adapters` in memory (evicted ones reload on demand).
    package let live: LiveAdapters
    package let drift: DriftMonitorHub
    package let registryRoot: URL
    let logger: Logger
    let pipeline: IngestPipeline
    let started = ContinuousClock.now
    let published = Locked(AgentStatus())
    let mailbox = Locked<[Command]>([])
    /// Rebalance notices from the consumer's poll thread, served by the learner thread.
    let rebalances = RebalanceHandoff()
    let stopRequested = Locked(false)
    /// Partitions paused because their log ends before the registry's offsets, with the reason
    /// (written on the poll thread, published in the status).
    let partitionAlarms = Locked<[Int32: String]>([:])
    private let finished = DispatchSemaphore(value: 0)

    // Learner-thread state.
    var workers: [String: AdapterWorker] = [:]
    /// Adapters whose partitions were lost without a handover: not trained here, still served
    /// from their live version, following `LIVE` in the registry read-only.
    var followers: [String: AdapterWorker] = [:]
    /// Residency (`Agent+Residency`): when each worker last got an example, and the adapters whose
    /// workers were evicted (durable in the registry; reloaded on their next example or command).
    var workerUse: [String: UInt64] = [:]
    var useClock: UInt64 = 0
    var evictedWorkers: Set<String> = []
    /// Snapshots written by workers since evicted (so `commitAfterSnapshots` still counts them).
    var evictedSnapshots = 0
    /// What the newest durable version of each evicted adapter covers, once known: taken from
    /// its worker at eviction, or read from the registry at its first record (`skipsWithoutLoading`).
    var evictedLedgers: [String: OffsetLedger] = [:]
    /// Redeliveries skipped for adapters not resident, until their worker loads and counts them.
    var redeliveriesWhileEvicted: [String: Int] = [:]
    /// Trainers loaded from the registry by this process: within the budget at start-up, then on
    /// demand after an eviction (with many more active adapters than the budget, this climbs).
    var trainerLoads = 0
    /// Workers whose eviction snapshot the eviction writer is writing (`Agent+Eviction`).
    var evicting: [String: Eviction] = [:]
    /// Writes eviction snapshots, one at a time, off the learner thread.
    let evictionWriter = DispatchQueue(label: "streamlora.eviction-snapshots")
    /// For tests: runs on the eviction writer before each eviction snapshot (a test holds it
    /// there to show that learning goes on meanwhile). Set before `start()`.
    package var beforeEvictionSnapshot: (@Sendable (String) -> Void)?
    /// For tests: runs before each training pass with its adapters' names; what it throws fails
    /// the pass as an internal error would (see `trainDueGroups`). Set before `start()`.
    package var trainPassFault: (@Sendable ([String]) throws -> Void)?
    /// Poison messages: applied and durable once their dead letter is acknowledged.
    var deadLetterLedger = OffsetLedger()
    /// Next offset per partition of everything the learner has taken from the pipeline.
    var consumed: [Int32: Int64] = [:]
    /// Where each owned partition started (the registry's lowest durable offset over every
    /// adapter, at assignment): what Kafka may hold for a partition not read since, even when
    /// residency left the adapter that recorded it unloaded.
    var assignedStarts: [Int32: Int64] = [:]
    var lastExternalCheck = ContinuousClock.now
    var deadLettered = 0
    /// Snapshots written by all workers when the agent last committed (see `commitAfterSnapshots`).
    var snapshotsSeen = 0

    /// Loads the base model and every adapter already in the registry (each resumes from its
    /// newest durable version), and prepares the consumer. Nothing is consumed before `start()`.
    package init(config: PipelineConfig, root: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                logger: Logger = Logger(label: "streamlora.agent")) throws {
        self.config = config
        self.logger = logger
        runtime = try ModelRuntime(config: config, relativeTo: root)
        logger.notice("model precision \(runtime.precision.precision): \(runtime.precision.reason)")
        drift = try DriftMonitorHub(configuration: config.drift.monitorConfiguration)
        let registryPath = config.registry.path
        registryRoot = registryPath.hasPrefix("/") ? URL(fileURLWithPath: registryPath) : root.appendingPathComponent(registryPath)
        try FileManager.default.createDirectory(at: registryRoot, withIntermediateDirectories: true)
        live = LiveAdapters(capacity: config.residency.maxAdapters) { [runtime, registryRoot] name in
            try LiveAdapter.registryLive(adapter: name, registryRoot: registryRoot, runtime: runtime)
        }

        let topic = config.kafka.topic
        let rebalances = self.rebalances
        let registryRoot = self.registryRoot
        let unrecorded = config.kafka.unrecordedStart
        let alarms = partitionAlarms
        let hooks = RebalanceHooks(
            startOffsets: { partitions in
                Agent.durableStarts(of: partitions, topic: topic, registryRoot: registryRoot, unrecorded: unrecorded)
            },
            onAssigned: { partitions, starts in
                let mine = partitions.filter { $0.topic == topic }.map(\.partition)
                let recorded = starts.filter { $0.key.topic == topic && $0.value >= 0 }
                if !mine.isEmpty { rebalances.post(.assigned(mine, recorded: recorded)) }
            },
            onRevoke: { [logger] partitions, lost in
                rebalances.revoke(partitions.filter { $0.topic == topic }, lost: lost, timeout: Agent.revokeWait, logger: logger)
            },
            onLogBehindStart: { tp, start, high in Agent.logBehindStart(tp, start: start, high: high, alarms: alarms, logger: logger) })
        var settings = IngestPipeline.Configuration(
            kafka: KafkaConfig(config.kafka.consumerProperties), groupID: config.kafka.group, topics: [config.kafka.topic],
            // The model reads text: features-only records are dead-lettered, not dropped later.
            decoder: ExampleDecoder(maxValueBytes: config.kafka.maxMessageBytes, acceptsFeatures: false,
                                    maxWeight: config.training.maxWeight),
            deadLetterProducer: KafkaConfig(config.kafka.producerProperties))
        settings.deadLetterTopic = config.kafka.dlqTopicOverride
        pipeline = try IngestPipeline(settings, hooks: hooks, logger: logger)

        // Within the residency budget; the others load on their first example (served meanwhile
        // from the registry on demand).
        let stored = AdapterRegistry.adapters(in: registryRoot)
        let budget = config.residency.maxAdapters > 0 ? config.residency.maxAdapters : stored.count
        for name in stored.prefix(budget) { _ = try worker(name) }
        evictedWorkers.formUnion(stored.dropFirst(budget))
        publishStatus()
    }

    /// Starts consuming and learning on the learner thread.
    package func start() throws {
        rebalances.open()
        try pipeline.start()
        let thread = Thread { [self] in
            learn()
            finished.signal()
        }
        thread.name = "streamlora.learner"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Asks the learner to finish the current batch, snapshot every adapter, commit and stop;
    /// waits until it has.
    package func stop() {
        stopRequested.withLock { $0 = true }
        finished.wait()
    }

    /// Lets `w`'s snapshots record the agent's low watermark (`durable_below`), read on the
    /// learner thread when the snapshot is written.
    func attachLowWatermarks(_ w: AdapterWorker) {
        let name = w.name
        w.durableBelow = { [unowned self] ledger in lowWatermarks(replacing: name, with: ledger) }
    }

    /// The adapter's worker, created (and restored from the registry) on first use.
    func worker(_ name: String) throws -> AdapterWorker {
        useClock += 1
        workerUse[name] = useClock
        if let w = workers[name] ?? reclaimEvicting(name) { return w }
        // A follower trains again from the registry's newest durable version (it may be stale).
        followers[name] = nil
        let w = try AdapterWorker(name: name, config: config, runtime: runtime, registryRoot: registryRoot,
                                  live: live, drift: drift, logger: logger)
        attachLowWatermarks(w)
        workers[name] = w
        if w.parent != nil { trainerLoads += 1 }
        evictedWorkers.remove(name)
        evictedLedgers[name] = nil
        w.counters.skippedRedeliveries += redeliveriesWhileEvicted.removeValue(forKey: name) ?? 0
        evictWorkers(keeping: name)
        return w
    }
}
