import Threads
import Crdkafka
import Logging

/// A group consumer over librdkafka with offsets under the caller's control.
///
/// Offsets are never committed or stored behind the caller's back
/// (`enable.auto.commit=false`, `enable.auto.offset.store=false`): the learner's
/// durable snapshot manifest is the truth and `commit(_:)` only mirrors it.
/// On assignment each partition starts at the offset `RebalanceHooks.startOffsets`
/// supplies, else the committed offset, else `auto.offset.reset` (default `earliest`).
///
/// `poll(timeoutMs:)` blocks and is meant for one dedicated thread (see `IngestPipeline`);
/// rebalance hooks run on that thread, inside the poll call.
package final class KafkaConsumer: @unchecked Sendable {
    /// How partitions move between group members.
    package enum RebalanceProtocol: String, Sendable {
        /// Stop-the-world: every rebalance revokes everything, then assigns.
        case eager = "range,roundrobin"
        /// KIP-429: only the partitions that move are revoked (`cooperative-sticky`).
        case cooperativeSticky = "cooperative-sticky"
    }

    /// One poll result: a record, or a consumer-level error that does not stop consumption.
    package enum Event: Sendable {
        case message(KafkaMessage)
        case error(KafkaError)
    }

    package let groupID: String
    let logger: Logger
    // Order matters: `context` is referenced by the C handle's callbacks and is
    // released only after `deinit` has destroyed `handle`.
    let context: ConsumerContext
    let handle: OpaquePointer
    private let closed = Locked(false)

    /// - Parameters:
    ///   - config: any librdkafka properties; `bootstrap.servers` is required.
    ///   - groupID: the consumer group (`group.id`).
    ///   - rebalance: eager or cooperative-sticky assignment.
    ///   - hooks: start offsets on assignment; notification on assign and before revocation.
    /// - Throws: `KafkaError` when a property is invalid or the client cannot be created.
    package init(config: KafkaConfig, groupID: String, rebalance: RebalanceProtocol = .cooperativeSticky,
                hooks: RebalanceHooks = RebalanceHooks(), logger: Logger = Logger(label: "streamlora.consumer")) throws {
        self.groupID = groupID
        self.logger = logger
        let effective = config
            .withDefaults([
                "auto.offset.reset": "earliest",
                "partition.assignment.strategy": rebalance.rawValue,
                "enable.partition.eof": "false",
                // Broker connection and group states for `brokersReachable` and `groupState`
                // (see `consumerStatsCallback`).
                "statistics.interval.ms": "1000",
            ])
            .overriding([
                "group.id": groupID,
                "enable.auto.commit": "false",
                "enable.auto.offset.store": "false",
            ])
        let conf = try effective.makeConf()
        context = ConsumerContext(hooks: hooks, logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf, consumerRebalanceCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        rd_kafka_conf_set_stats_cb(conf, consumerStatsCallback)
        handle = try makeKafkaHandle(RD_KAFKA_CONSUMER, conf: conf)
        // Route the main queue (errors, logs) through consumer_poll.
        rd_kafka_poll_set_consumer(handle)
    }

    deinit {
        close()
        rd_kafka_destroy(handle)
    }

    /// Joins the group for `topics`; assignment arrives later through the rebalance hooks.
    func subscribe(_ topics: [String]) throws {
        let list = PartitionList([])
        for topic in topics {
            rd_kafka_topic_partition_list_add(list.pointer, topic, RD_KAFKA_PARTITION_UA)
        }
        let err = rd_kafka_subscribe(handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "subscribe to \(topics)") }
    }

    /// Waits up to `timeoutMs` for the next record. Blocking: call from a dedicated thread.
    /// Rebalance hooks run inside this call.
    package func poll(timeoutMs: Int32) -> Event? {
        guard let m = rd_kafka_consumer_poll(handle, timeoutMs) else { return nil }
        defer { rd_kafka_message_destroy(m) }
        if m.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let detail = m.pointee.payload.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: m.pointee.len), as: UTF8.self)
            }
            var where_ = "consume"
            if let rkt = m.pointee.rkt { where_ += " \(topicName(rkt))[\(m.pointee.partition)]" }
            return .error(KafkaError(code: m.pointee.err.rawValue, context: where_, message: detail))
        }
        return .message(KafkaMessage(m, topic: topicName(m.pointee.rkt)))
    }

    /// Partitions currently assigned to this member: commits go only to these.
    package var assignment: Set<TopicPartition> { context.owned.withLock { $0 } }

    /// Whether librdkafka's last statistics (every `statistics.interval.ms`, served by `poll`)
    /// showed at least one broker connection up; nil before the first statistics arrived.
    package var brokersReachable: Bool? { context.brokersUp.withLock { $0 } }

    /// The group handler's state in librdkafka's last statistics (nil before the first): where a
    /// member that owns no partition stands in joining its group.
    package var groupState: ConsumerGroupState? { context.group.withLock { $0 } }

    /// Whether `partition` is still owned; check it (under your own lock) before
    /// acting on a record, since a revocation can happen between poll and use.
    package func owns(_ partition: TopicPartition) -> Bool {
        context.owned.withLock { $0.contains(partition) }
    }

    /// Whether the record is owned: its partition is, and by the same assignment that
    /// fetched it. A record taken out of the pipeline before a revocation and acted on only
    /// after the partition was assigned back would otherwise pass `owns(partition)` and be
    /// handled twice (once more from the new assignment's start).
    package func owns(_ record: RecordOrigin) -> Bool {
        let tp = record.topicPartition
        return generation(of: tp) == record.generation && owns(tp)
    }

    /// The current assignment's generation for `partition` (0: never assigned).
    func generation(of partition: TopicPartition) -> UInt64 {
        context.generations.withLock { $0[partition] ?? 0 }
    }

    /// The rebalance protocol the group settled on ("COOPERATIVE", "EAGER" or "NONE").
    var rebalanceProtocol: String {
        rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } ?? "NONE"
    }

    /// Leaves the group (running the revocation hook) and stops fetching. Blocking; idempotent.
    package func close() {
        let first = closed.withLock { wasClosed -> Bool in
            defer { wasClosed = true }
            return !wasClosed
        }
        guard first else { return }
        let err = rd_kafka_consumer_close(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("consumer close: \(KafkaError(err, context: "close"))")
        }
    }

    private func topicName(_ rkt: OpaquePointer) -> String {
        String(cString: rd_kafka_topic_name(rkt))
    }
}
