import Registry

/// The identity of one stream example, used for the holdout split and the trained-ids digest.
///
/// Producers should send an `id`; when they don't, the example's position in the log
/// (topic, partition, offset) identifies it. Both are stable across restarts and
/// replays, which is what the holdout split and the exactly-once digest need.
package enum ExampleKey: Hashable, Sendable, CustomStringConvertible {
    /// A producer-assigned example id.
    case id(String)
    /// The Kafka position of a message without an id.
    case position(topic: String, partition: Int32, offset: Int64)

    /// Builds the key from an optional id, falling back to the log position.
    /// An empty id counts as absent.
    package init(id: String?, topic: String, partition: Int32, offset: Int64) {
        if let id, !id.isEmpty {
            self = .id(id)
        } else {
            self = .position(topic: topic, partition: partition, offset: offset)
        }
    }

    /// The canonical string that is hashed: the id itself, or `topic/partition/offset`.
    ///
    /// Ids and positions could in principle collide (an id spelled `t/0/5`); that is harmless,
    /// because a topic uses one scheme consistently.
    var canonical: String {
        switch self {
        case .id(let id):
            return id
        case .position(let topic, let partition, let offset):
            return "\(topic)/\(partition)/\(offset)"
        }
    }

    /// The stable 64-bit hash of ``canonical``.
    var stableHash: UInt64 { StableHash.hash(canonical) }

    package var description: String { canonical }
}
