import Crdkafka
import Foundation

/// librdkafka's mock cluster: a Kafka-protocol broker over loopback TCP, in memory,
/// with fault injection. Used by `streamlora broker` and by the tests.
///
/// The 2.0.2 mock API binds each mock broker to an ephemeral loopback port and offers
/// no way to choose it. For a fixed port we put a `LoopbackProxy` on that port in front
/// of broker 1: clients bootstrap through the proxy, and the cluster's metadata then
/// sends them to the brokers' real (ephemeral) loopback ports, which are reachable
/// from the same host. Topics are created through the mock API (no CreateTopics);
/// topics auto-created by clients get 4 partitions.
///
/// Retention: each mock partition keeps at most 5 MiB (or 100,000 batches); older
/// batches are dropped and the low watermark moves up. Spread large data sets over
/// more partitions.
package final class EmbeddedBroker: @unchecked Sendable {
    /// Kafka protocol request types, for fault injection.
    package enum API: Int16, Sendable {
        case produce = 0, fetch = 1, listOffsets = 2, metadata = 3
        case offsetCommit = 8, offsetFetch = 9, findCoordinator = 10
        case joinGroup = 11, heartbeat = 12, leaveGroup = 13, syncGroup = 14
        case initProducerID = 22
    }

    /// `host:port[,host:port…]` to give clients as `bootstrap.servers`.
    package let bootstrapServers: String
    /// The brokers' own listeners (what metadata advertises).
    package let brokerAddresses: String
    let brokerCount: Int32
    // Destroy order: proxy, then cluster, then the handle the cluster was created on.
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    private let proxy: LoopbackProxy?

    /// Starts a mock cluster.
    /// - Parameters:
    ///   - brokers: number of mock brokers (ids 1…n).
    ///   - port: fixed loopback port for the bootstrap address, or nil for ephemeral ports only.
    /// - Throws: `KafkaError` if the cluster cannot start, `POSIXError` if `port` cannot be bound.
    package init(brokers: Int32 = 1, port: UInt16? = nil) throws {
        let conf = try KafkaConfig(["log_level": "3"]).makeConf()
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        handle = try makeKafkaHandle(RD_KAFKA_PRODUCER, conf: conf)
        guard let cluster = rd_kafka_mock_cluster_new(handle, brokers) else {
            rd_kafka_destroy(handle)
            throw KafkaError(code: RD_KAFKA_RESP_ERR__FAIL.rawValue, context: "mock cluster", message: "rd_kafka_mock_cluster_new failed")
        }
        self.cluster = cluster
        brokerCount = brokers
        brokerAddresses = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        if let port {
            let first = brokerAddresses.split(separator: ",")[0]
            let targetPort = UInt16(first.split(separator: ":").last!)!
            do {
                proxy = try LoopbackProxy(listenPort: port, targetPort: targetPort)
            } catch {
                rd_kafka_mock_cluster_destroy(cluster)
                rd_kafka_destroy(handle)
                throw error
            }
            bootstrapServers = "127.0.0.1:\(port)"
        } else {
            proxy = nil
            bootstrapServers = brokerAddresses
        }
    }

    deinit {
        proxy?.stop()
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }

    /// Creates `topic` with `partitions` partitions (mock brokers have no CreateTopics API).
    package func createTopic(_ topic: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        let err = rd_kafka_mock_topic_create(cluster, topic, partitions, replicationFactor)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "create topic \(topic)") }
    }

    /// The next `errors.count` requests of type `api` (any broker) fail with these errors, in order.
    /// `_TRANSPORT` closes the connection instead of answering.
    func pushRequestErrors(_ api: API, _ errors: [rd_kafka_resp_err_t]) {
        rd_kafka_mock_push_request_errors_array(cluster, api.rawValue, errors.count, errors)
    }

    /// Closes the broker's connections and refuses new ones until `setBrokerUp`.
    func setBrokerDown(_ id: Int32 = 1) throws {
        let err = rd_kafka_mock_broker_set_down(cluster, id)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "broker \(id) down") }
    }

    func setBrokerUp(_ id: Int32 = 1) throws {
        let err = rd_kafka_mock_broker_set_up(cluster, id)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(err, context: "broker \(id) up") }
    }
}
