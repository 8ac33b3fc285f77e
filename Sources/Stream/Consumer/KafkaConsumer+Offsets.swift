import Foundation
import Crdkafka

extension KafkaConsumer {
    /// Commits `offsets` (next offset to read = last handled + 1) synchronously,
    /// but only for partitions this member still owns (or is handing over inside the
    /// revoke hook); the rest are dropped, because committing for a partition someone
    /// else now reads would rewind or skip theirs.
    /// Blocking: from async code, call it through `Blocking.run`.
    /// - Returns: the offsets actually committed.
    /// - Throws: `KafkaError` when the coordinator rejects the commit (nothing is retried here).
    @discardableResult
    package func commitSync(_ offsets: [TopicPartition: Int64]) throws -> [TopicPartition: Int64] {
        try commitOwned(offsets, waiting: true)
    }

    /// `commitSync`, retried (`attempts` in all, backoff doubling from 100 ms up to 1 s) while the
    /// coordinator answers with a transient error — including `REBALANCE_IN_PROGRESS`, which a
    /// commit inside a cooperative revoke meets while the group's rebalance settles (measured here
    /// under CPU load: 5 refusals over ~1.5 s, then accepted). Blocking: the learner thread's
    /// handover and shutdown commits, which must land, call it directly.
    /// - Throws: the last `KafkaError` once attempts are exhausted or the error is permanent.
    @discardableResult
    package func commitSyncRetrying(_ offsets: [TopicPartition: Int64], attempts: Int = 6) throws -> [TopicPartition: Int64] {
        var delay = 0.1
        for attempt in 1...max(1, attempts) {
            do {
                return try commitSync(offsets)
            } catch let error as KafkaError where (error.isRetriable || error.isRebalanceInProgress) && attempt < attempts {
                logger.warning("commit attempt \(attempt) failed, retrying in \(delay) s: \(error)")
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 1)
            }
        }
        preconditionFailure("unreachable: the last attempt returns or throws")
    }

    /// The offsets of partitions this member owns (or hands over inside the revoke hook).
    private func committable(_ offsets: [TopicPartition: Int64]) -> [TopicPartition: Int64] {
        let owned = assignment.union(context.revoking.withLock { $0 })
        return offsets.filter { owned.contains($0.key) && $0.value >= 0 }
    }

    /// Queues a commit of `offsets` (owned partitions only, as `commitSync`) without waiting for
    /// the coordinator, so a frozen or unreachable broker never blocks the caller. A failed commit
    /// is only logged by librdkafka: the next one carries the same or newer offsets.
    /// - Returns: the offsets queued for commit.
    /// - Throws: `KafkaError` when librdkafka refuses to queue the commit.
    @discardableResult
    package func commitAsync(_ offsets: [TopicPartition: Int64]) throws -> [TopicPartition: Int64] {
        try commitOwned(offsets, waiting: false)
    }

    /// The owned part of `offsets`, committed; `waiting` for the coordinator's answer (then
    /// per-partition errors are reported too) or only queued.
    private func commitOwned(_ offsets: [TopicPartition: Int64], waiting: Bool) throws -> [TopicPartition: Int64] {
        let mine = committable(offsets)
        guard !mine.isEmpty else { return [:] }
        let list = PartitionList(offsets: mine)
        let err = rd_kafka_commit(handle, list.pointer, waiting ? 0 : 1)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "commit \(mine)") }
        if waiting {
            for (tp, _, perr) in list.elements where perr != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(perr, context: "commit \(tp)")
            }
        }
        return mine
    }

    /// The group's committed offsets for `partitions` (absent = nothing committed). Blocking.
    package func committed(_ partitions: [TopicPartition], timeoutMs: Int32 = 10_000) throws -> [TopicPartition: Int64] {
        let list = PartitionList(partitions)
        let err = rd_kafka_committed(handle, list.pointer, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "committed \(partitions)") }
        var result: [TopicPartition: Int64] = [:]
        for (tp, offset, _) in list.elements where offset >= 0 { result[tp] = offset }
        return result
    }

    /// Next offset the consumer will return per partition (absent = nothing consumed yet).
    package func position(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        let list = PartitionList(partitions)
        _ = rd_kafka_position(handle, list.pointer)
        var result: [TopicPartition: Int64] = [:]
        for (tp, offset, _) in list.elements where offset >= 0 { result[tp] = offset }
        return result
    }

    /// Explicit start offsets: the log's first record, and its end (records produced from now on).
    package static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    package static let end = Int64(RD_KAFKA_OFFSET_END)

    /// Stops fetching `partitions` until `resume`; records already returned stay returned.
    func pause(_ partitions: [TopicPartition]) throws {
        guard !partitions.isEmpty else { return }
        let list = PartitionList(partitions)
        let err = rd_kafka_pause_partitions(handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "pause \(partitions)") }
    }

    /// Resumes fetching `partitions` from where the application left off.
    package func resume(_ partitions: [TopicPartition]) throws {
        guard !partitions.isEmpty else { return }
        let list = PartitionList(partitions)
        let err = rd_kafka_resume_partitions(handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "resume \(partitions)") }
    }

    /// Moves the fetch position of assigned partitions (asynchronously; takes effect on later polls).
    func seek(_ offsets: [TopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        let list = PartitionList(offsets: offsets)
        if let error = rd_kafka_seek_partitions(handle, list.pointer, 0) {
            throw KafkaError(consuming: error, context: "seek \(offsets)")
        }
    }

    /// Low and high watermarks of a partition, asked of the leader. Blocking.
    package func watermarks(_ tp: TopicPartition, timeoutMs: Int32 = 5_000) throws -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(handle, tp.topic, tp.partition, &low, &high, timeoutMs)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "watermarks \(tp)") }
        return (low, high)
    }

    /// Records not yet consumed per assigned partition: high watermark − position
    /// (position falls back to the committed offset, then to the low watermark). Blocking.
    package func lag(timeoutMs: Int32 = 5_000) throws -> [TopicPartition: Int64] {
        let partitions = assignment.sorted()
        guard !partitions.isEmpty else { return [:] }
        let positions = position(partitions)
        let missing = partitions.filter { positions[$0] == nil }
        let committed = missing.isEmpty ? [:] : try self.committed(missing, timeoutMs: timeoutMs)
        var result: [TopicPartition: Int64] = [:]
        for tp in partitions {
            let (low, high) = try watermarks(tp, timeoutMs: timeoutMs)
            let from = positions[tp] ?? committed[tp] ?? low
            result[tp] = max(0, high - from)
        }
        return result
    }
}

extension KafkaConsumer {
    /// Reads `partitions` without group management (tools, tests, DLQ inspection),
    /// each from its given offset, else the committed one, else `auto.offset.reset`.
    /// Do not mix with `subscribe`.
    package func assign(_ partitions: [TopicPartition], offsets: [TopicPartition: Int64] = [:]) throws {
        let list = PartitionList(partitions, offsets: offsets)
        let err = rd_kafka_assign(handle, list.pointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "assign \(partitions)") }
        context.assigned(partitions, replacingAll: true)
    }
}
