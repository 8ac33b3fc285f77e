/// The consumer group handler's state, as librdkafka's statistics (`cgrp`) report it: what a
/// member that owns no partition is waiting for.
package struct ConsumerGroupState: Sendable, Equatable, Decodable {
    /// The handler's state: `up` once it has a coordinator; `wait-coord`, `wait-broker`, … before.
    package var state: String
    /// Milliseconds since `state` last changed.
    package var stateAgeMilliseconds: Int
    /// Where the member is in joining: `init`, `wait-join`, `wait-metadata`, `wait-sync`,
    /// `wait-assign-call`, `steady`, ….
    package var joinState: String
    /// Rebalances (assign or revoke) since the consumer started.
    package var rebalances: Int
    /// Why the last rebalance happened (absent before the first).
    package var rebalanceReason: String?

    enum CodingKeys: String, CodingKey {
        case state, stateAgeMilliseconds = "stateage", joinState = "join_state", rebalances = "rebalance_cnt"
        case rebalanceReason = "rebalance_reason"
    }
}
