import Foundation
import Threads
import Crdkafka
import Logging

/// What the owner of a consumer wants to hear about, and decide, during a rebalance.
/// All closures run on the polling thread, inside `KafkaConsumer.poll`.
package struct RebalanceHooks: Sendable {
    /// Where each newly assigned partition starts. Partitions left out start at
    /// their committed offset, else at `auto.offset.reset`. The learner answers from
    /// its newest durable snapshot manifest (next offset = last handled + 1).
    package var startOffsets: @Sendable ([TopicPartition]) -> [TopicPartition: Int64]
    /// Called after partitions were assigned, with the start offsets `startOffsets` chose.
    package var onAssigned: @Sendable (_ partitions: [TopicPartition], _ starts: [TopicPartition: Int64]) -> Void
    /// Called before partitions are released, so their state can be snapshotted;
    /// the partitions are already marked not-owned (`owns` is false), but while this
    /// hook runs `commitSync` still accepts their final offsets. `lost` is true when
    /// the group already gave them to someone else (session timeout): then commits
    /// for them are refused.
    package var onRevoke: @Sendable (_ partitions: [TopicPartition], _ lost: Bool) -> Void
    /// Called (before `onAssigned`) for each assigned partition whose log ends before the explicit
    /// start offset (a recreated or truncated topic): the partition is left paused, since
    /// reading on from wherever `auto.offset.reset` lands would skip or misattribute records.
    package var onLogBehindStart: @Sendable (_ partition: TopicPartition, _ start: Int64, _ highWatermark: Int64) -> Void

    package init(startOffsets: @escaping @Sendable ([TopicPartition]) -> [TopicPartition: Int64] = { _ in [:] },
                onAssigned: @escaping @Sendable (_ partitions: [TopicPartition], _ starts: [TopicPartition: Int64]) -> Void = { _, _ in },
                onRevoke: @escaping @Sendable (_ partitions: [TopicPartition], _ lost: Bool) -> Void = { _, _ in },
                onLogBehindStart: @escaping @Sendable (TopicPartition, Int64, Int64) -> Void = { _, _, _ in }) {
        self.startOffsets = startOffsets
        self.onAssigned = onAssigned
        self.onRevoke = onRevoke
        self.onLogBehindStart = onLogBehindStart
    }
}

/// Lives as long as the C handle; reached from librdkafka callbacks through `Unmanaged`.
final class ConsumerContext: @unchecked Sendable {
    let hooks: RebalanceHooks
    let logger: Logger
    /// Partitions we currently own, maintained from the rebalance callback.
    let owned = Locked<Set<TopicPartition>>([])
    /// How many times each partition was assigned to this member: a record fetched under an
    /// earlier assignment is not owned, even when the partition came back (see `owns(_:)`).
    let generations = Locked<[TopicPartition: UInt64]>([:])
    /// Partitions being revoked (not lost) while the revoke hook runs: no longer owned
    /// for processing, but their final offsets may still be committed.
    let revoking = Locked<Set<TopicPartition>>([])
    /// Whether a broker connection was up in the last statistics (nil: none arrived yet).
    let brokersUp = Locked<Bool?>(nil)
    /// The group handler's state in the last statistics (nil: none arrived yet).
    let group = Locked<ConsumerGroupState?>(nil)
    /// Pipeline-internal hooks, run before the user's (e.g. purge buffered records).
    let internalRevoke = Locked<(@Sendable ([TopicPartition], Bool) -> Void)?>(nil)

    init(hooks: RebalanceHooks, logger: Logger) {
        self.hooks = hooks
        self.logger = logger
    }

    /// Records an assignment (by the group or by `assign`): each partition's generation moves
    /// on before the partition counts as owned, so a record of an earlier assignment never
    /// passes `owns(_:)` with the new generation.
    func assigned(_ partitions: [TopicPartition], replacingAll: Bool) {
        generations.withLock { g in for tp in partitions { g[tp, default: 0] += 1 } }
        owned.withLock { owned in
            if replacingAll { owned.removeAll() }
            owned.formUnion(partitions)
        }
    }

    func rebalance(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t,
                   _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        let partitions = PartitionList.elements(of: list).map(\.0)
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let explicit = hooks.startOffsets(partitions)
            for i in 0..<Int(list.pointee.cnt) {
                let tp = TopicPartition(String(cString: list.pointee.elems[i].topic), list.pointee.elems[i].partition)
                if let offset = explicit[tp] { list.pointee.elems[i].offset = offset }
            }
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, list) {
                    logger.error("incremental assign: \(KafkaError(consuming: error, context: "incremental_assign"))")
                }
            } else {
                let err = rd_kafka_assign(rk, list)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { logger.error("assign: \(KafkaError(err, context: "assign"))") }
            }
            // A partition paused by a previous owner-epoch (e.g. a stalled dead letter) starts unpaused.
            _ = rd_kafka_resume_partitions(rk, list)
            for (tp, high) in logsBehind(rk, explicit) {
                logger.error("\(tp): the log ends at offset \(high), before the recorded start \(explicit[tp] ?? 0) (topic recreated or truncated?); partition paused")
                let one = PartitionList([tp])
                _ = rd_kafka_pause_partitions(rk, one.pointer)
                hooks.onLogBehindStart(tp, explicit[tp] ?? 0, high)
            }
            assigned(partitions, replacingAll: !cooperative)
            if !partitions.isEmpty { logger.info("assigned \(partitions.sorted()) (\(cooperative ? "cooperative" : "eager")), explicit start \(explicit)") }
            hooks.onAssigned(partitions, explicit)

        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            owned.withLock { $0.subtract(partitions) }
            if !lost { revoking.withLock { $0 = Set(partitions) } }
            logger.info("revoking \(partitions.sorted())\(lost ? " (lost)" : "")")
            internalRevoke.withLock { $0 }?(partitions, lost)
            hooks.onRevoke(partitions, lost)
            revoking.withLock { $0.removeAll() }
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, list) {
                    logger.error("incremental unassign: \(KafkaError(consuming: error, context: "incremental_unassign"))")
                }
            } else {
                _ = rd_kafka_assign(rk, nil)
                owned.withLock { $0.removeAll() }
            }

        default:
            logger.error("rebalance error: \(KafkaError(err, context: "rebalance"))")
            _ = rd_kafka_assign(rk, nil)
            owned.withLock { $0.removeAll() }
        }
    }
}

extension ConsumerContext {
    /// The partitions among `starts` (real offsets, not `BEGINNING`/`END`) whose high watermark
    /// is below the start, with that watermark. A partition whose watermark cannot be read now
    /// (broker unreachable) is not judged: its fetch then fails or resets as librdkafka does.
    func logsBehind(_ rk: OpaquePointer, _ starts: [TopicPartition: Int64]) -> [(TopicPartition, Int64)] {
        starts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.compactMap { tp, start in
            var low: Int64 = -1, high: Int64 = -1
            let err = rd_kafka_query_watermark_offsets(rk, tp.topic, tp.partition, &low, &high, 5_000)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                logger.warning("\(tp): watermarks unknown at assignment (\(KafkaError(err, context: "watermarks"))); start \(start) not checked")
                return nil
            }
            return high < start ? (tp, high) : nil
        }
    }
}

/// librdkafka's rebalance callback: forwards to the consumer's context.
let consumerRebalanceCallback: @convention(c) (
    OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
) -> Void = { rk, err, list, opaque in
    guard let rk, let list, let opaque else { return }
    Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue().rebalance(rk, err, list)
}

/// Statistics callback: records whether any broker connection is `UP`, and the group handler's
/// state. Returns 0, so librdkafka frees the JSON.
let consumerStatsCallback: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
    _, json, length, opaque in
    guard let json, let opaque else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: json, count: length)
    let up = String(decoding: bytes, as: UTF8.self).contains(#""state":"UP""#)
    let context = Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
    context.brokersUp.withLock { $0 = up }
    let group = (try? JSONDecoder().decode(ConsumerStatistics.self, from: Data(bytes)))?.cgrp
    context.group.withLock { $0 = group }
    return 0
}

/// The part of librdkafka's statistics JSON the consumer reads.
private struct ConsumerStatistics: Decodable {
    var cgrp: ConsumerGroupState?
}

/// Error callback shared by consumers and producers: mostly transient (broker down), logged.
let kafkaErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    _, code, reason, _ in
    let error = KafkaError(code: code, context: "librdkafka", message: reason.map { String(cString: $0) })
    kafkaLogger.debug("\(error)")
}

/// Log callback: librdkafka's syslog levels mapped onto swift-log.
let kafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    _, level, facility, message in
    let text = "\(facility.map { String(cString: $0) } ?? ""): \(message.map { String(cString: $0) } ?? "")"
    switch level {
    case ...3: kafkaLogger.error("\(text)")
    case 4: kafkaLogger.warning("\(text)")
    case 5, 6: kafkaLogger.info("\(text)")
    default: kafkaLogger.debug("\(text)")
    }
}

let kafkaLogger = Logger(label: "streamlora.librdkafka")
