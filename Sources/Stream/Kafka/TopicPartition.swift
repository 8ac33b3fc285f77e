import Crdkafka

/// One partition of one topic: the unit Kafka assigns, pauses and commits.
package struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    package let topic: String
    package let partition: Int32

    package init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    package var description: String { "\(topic)[\(partition)]" }

    package static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// Owns an `rd_kafka_topic_partition_list_t` and frees it in `deinit`.
final class PartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// Wraps a list librdkafka handed us; we become responsible for destroying it.
    init(owning pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    /// A new list holding `partitions`, each with an optional offset
    /// (absent → `RD_KAFKA_OFFSET_INVALID`, i.e. "use the committed offset").
    init(_ partitions: [TopicPartition], offsets: [TopicPartition: Int64] = [:]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(partitions.count, 1)))
        for tp in partitions {
            let element = rd_kafka_topic_partition_list_add(pointer, tp.topic, tp.partition)!
            element.pointee.offset = offsets[tp] ?? Int64(RD_KAFKA_OFFSET_INVALID)
        }
    }

    convenience init(offsets: [TopicPartition: Int64]) {
        self.init(offsets.keys.sorted(), offsets: offsets)
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    /// Reads a list that librdkafka still owns (e.g. inside a rebalance callback).
    static func elements(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> [(TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        var result: [(TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] = []
        result.reserveCapacity(Int(list.pointee.cnt))
        for i in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[i]
            result.append((TopicPartition(String(cString: element.topic), element.partition), element.offset, element.err))
        }
        return result
    }

    var elements: [(TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        PartitionList.elements(of: pointer)
    }

    var partitions: [TopicPartition] { elements.map(\.0) }
}
