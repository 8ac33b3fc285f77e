import Threads
import Foundation
import Logging

/// Consume → decode/validate → (bad records to the DLQ) → events for the learner.
///
/// One dedicated thread polls the consumer (single-message `rd_kafka_consumer_poll`),
/// decodes each record and pushes `IngestEvent`s into a bounded buffer the learner
/// drains with `next()` (or `for await event in pipeline`).
///
/// A refused record pauses its partition until its dead letter is acknowledged; only
/// then is `.deadLettered` emitted and the partition resumed from the next offset.
/// A failed DLQ write is retried with exponential backoff, the partition staying
/// paused: nothing is skipped and other partitions keep flowing. A dead letter refused as
/// too large is retried at once, cut to half the size (see `DeadLetterWriter`), so size alone
/// never stalls a partition; `stats.stalled` names the partitions waiting on the DLQ and why.
///
/// Ownership: before the revocation hook runs, the revoked partitions are marked
/// not-owned and their buffered events dropped (the next owner re-reads them). A
/// learner that takes its own lock both in its revoke hook and while handling an
/// event, and checks `owns(_:)` under that lock, never acts on a record it no longer owns.
package final class IngestPipeline: @unchecked Sendable, AsyncSequence {
    package typealias Element = IngestEvent

    package struct Configuration: Sendable {
        /// librdkafka properties for both the consumer and the DLQ producer
        /// (`bootstrap.servers`, SASL/SSL…).
        package var kafka: KafkaConfig
        /// Extra properties only for the DLQ producer (e.g. `message.timeout.ms`).
        package var deadLetterProducer: KafkaConfig
        package var groupID: String
        package var topics: [String]
        package var rebalance: KafkaConsumer.RebalanceProtocol
        package var decoder: ExampleDecoder
        /// Events buffered ahead of the learner before polling waits.
        var bufferCapacity: Int
        var deadLetterSuffix: String
        /// A dead-letter topic named outright (e.g. a pipeline's `kafka.dlq_topic`); nil: `<topic><suffix>`.
        package var deadLetterTopic: String?
        /// First and largest wait between DLQ retries, in seconds.
        var retryBackoff: (initial: Double, max: Double)
        /// How long the polling thread waits for a dead letter's acknowledgement before
        /// pausing the partition instead (other partitions keep flowing while paused).
        var deadLetterWaitMs: Int = 250

        package init(kafka: KafkaConfig, groupID: String, topics: [String],
                    rebalance: KafkaConsumer.RebalanceProtocol = .cooperativeSticky,
                    decoder: ExampleDecoder = ExampleDecoder(), bufferCapacity: Int = 4096,
                    deadLetterProducer: KafkaConfig = [:], deadLetterSuffix: String = ".dlq",
                    retryBackoff: (initial: Double, max: Double) = (0.1, 5)) {
            self.kafka = kafka
            self.groupID = groupID
            self.topics = topics
            self.rebalance = rebalance
            self.decoder = decoder
            self.bufferCapacity = bufferCapacity
            self.deadLetterProducer = deadLetterProducer
            self.deadLetterSuffix = deadLetterSuffix
            self.retryBackoff = retryBackoff
        }
    }

    package let configuration: Configuration
    /// The consumer, for `commit`, `lag`, `assignment`, `owns`, `pause`/`resume`.
    package let consumer: KafkaConsumer
    let deadLetters: DeadLetterWriter
    let logger: Logger
    let buffer: EventBuffer<IngestEvent>
    let running = Locked(false)
    let finished = DispatchSemaphore(value: 0)
    let statsBox = Locked(IngestStats())
    /// DLQ results, written by the producer's poll thread, read by the pipeline thread.
    let inbox = Locked<[(TopicPartition, Int64, Result<DeliveryReport, KafkaError>)]>([])
    /// Partitions held back by an unacknowledged dead letter. Pipeline thread only.
    var stalls: [TopicPartition: Stall] = [:]

    /// - Parameter hooks: start offsets and assignment/revocation notifications (see `RebalanceHooks`).
    package init(_ configuration: Configuration, hooks: RebalanceHooks = RebalanceHooks(),
                logger: Logger = Logger(label: "streamlora.ingest")) throws {
        self.configuration = configuration
        self.logger = logger
        buffer = EventBuffer(capacity: configuration.bufferCapacity)
        consumer = try KafkaConsumer(config: configuration.kafka, groupID: configuration.groupID,
                                     rebalance: configuration.rebalance, hooks: hooks, logger: logger)
        // Dead letters are rare and someone waits on each: send them without lingering.
        let producerConfig = KafkaConfig(configuration.kafka.forProducer().properties.merging(
            configuration.deadLetterProducer.forProducer().properties, uniquingKeysWith: { _, dlq in dlq }))
            .withDefaults(["linger.ms": "0"])
        deadLetters = DeadLetterWriter(producer: try KafkaProducer(config: producerConfig, logger: logger),
                                       groupID: configuration.groupID, suffix: configuration.deadLetterSuffix,
                                       fixedTopic: configuration.deadLetterTopic,
                                       maxRecordBytes: producerConfig["message.max.bytes"].flatMap(Int.init) ?? 1_000_000)
        consumer.context.internalRevoke.withLock { hook in
            hook = { [weak self] partitions, _ in self?.partitionsRevoked(partitions) }
        }
    }

    /// Subscribes and starts the polling thread.
    package func start() throws {
        try consumer.subscribe(configuration.topics)
        running.withLock { $0 = true }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "streamlora.ingest.poll"
        thread.start()
    }

    /// The next event; nil after `stop()` once the buffer is drained.
    package func next() async -> IngestEvent? { await buffer.next() }

    /// The next event, blocking the calling thread until one arrives or `deadline` passes.
    /// For a consumer of events that runs on its own thread (never call it from a task).
    package func next(waitingUntil deadline: Date) -> Polled<IngestEvent> { buffer.next(waitingUntil: deadline) }

    /// Iterates in batches taken from the buffer, one event at a time. An event taken
    /// before a revocation can still come out after it: check `owns(_:)` under the lock
    /// your revoke hook also takes (see the type's documentation).
    package struct AsyncIterator: AsyncIteratorProtocol {
        let pipeline: IngestPipeline
        var batch: [IngestEvent] = []
        var index = 0

        package mutating func next() async -> IngestEvent? {
            if index == batch.count {
                batch = await pipeline.buffer.nextBatch(limit: 512)
                index = 0
                if batch.isEmpty { return nil }
            }
            defer { index += 1 }
            return batch[index]
        }
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pipeline: self) }

    package var stats: IngestStats { statsBox.withLock { $0 } }

    /// Whether `partition` is still assigned to this member.
    package func owns(_ partition: TopicPartition) -> Bool { consumer.owns(partition) }
    /// Whether `record` was fetched under the partition's current assignment (see `KafkaConsumer.owns(_:)`).
    package func owns(_ record: RecordOrigin) -> Bool { consumer.owns(record) }

    /// Stops polling, leaves the group (running the revocation hook), flushes the DLQ
    /// producer and ends the event stream. Blocking; see `stop() async`.
    package func stopSync() {
        let wasRunning = running.withLock { r -> Bool in defer { r = false }; return r }
        if wasRunning { finished.wait() } else { consumer.close() }
        deadLetters.producer.close(timeoutMs: 5_000)
        buffer.close()
    }

    package func stop() async {
        await Blocking.run { self.stopSync() }
    }

    deinit { stopSync() }
}
