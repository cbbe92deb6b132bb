internal import CRdKafka
import Logging

/// An in-process Kafka cluster for tests and local development: librdkafka's mock cluster, on loopback only.
///
/// Brokers are numbered from 1. Topics are created with ``createTopic(_:partitions:replicationFactor:)`` (the 2.0.2
/// mock has no CreateTopics API); a producer writing to an unknown topic also auto-creates it. The 2.0.2 mock keeps at
/// most about 5 MiB / 100k messages per partition. It does not persist anything.
///
/// - Important: Owns a `rd_kafka_t` handle and the mock cluster created on it; `deinit` destroys the cluster, then the
///   handle. Clients connected to it should be closed first.
/// - Note: `@unchecked Sendable`: the mock cluster runs on its own thread, and the rdkafka_mock.h functions hand their
///   commands to that thread (or take the cluster's lock), so they may be called from any thread.
public final class EmbeddedKafka: @unchecked Sendable {
    private let client: RDKafkaClient
    private let cluster: OpaquePointer
    /// The number of brokers (ids `1...brokerCount`).
    public let brokerCount: Int
    /// The `bootstrap.servers` value for clients.
    public let bootstrapServers: String

    /// Starts a mock cluster with `brokers` brokers.
    public init(brokers: Int = 1, logger: Logger) throws {
        guard brokers >= 1 else { throw KafkaError(code: .mockCluster, message: "a mock cluster needs at least one broker") }
        self.client = try RDKafkaClient(
            type: RD_KAFKA_PRODUCER, config: KafkaConfig(), context: ClientContext(logger: logger), logQueue: false)
        guard let cluster = rd_kafka_mock_cluster_new(client.rk, Int32(clamping: brokers)) else {
            throw KafkaError(code: .mockCluster, message: "rd_kafka_mock_cluster_new(\(brokers) brokers) failed")
        }
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Creates a topic.
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        try check(
            rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor),
            "create topic '\(name)' (\(partitions) partitions, replication \(replicationFactor))")
    }

    /// Makes a broker unreachable: it closes its connections and refuses new ones.
    public func setBrokerDown(_ brokerID: Int32) throws {
        try check(rd_kafka_mock_broker_set_down(cluster, brokerID), "set broker \(brokerID) down")
    }

    /// Makes a broker reachable again.
    public func setBrokerUp(_ brokerID: Int32) throws {
        try check(rd_kafka_mock_broker_set_up(cluster, brokerID), "set broker \(brokerID) up")
    }

    /// Delays every response of a broker by `milliseconds`.
    public func setRoundTripTime(broker: Int32, milliseconds: Int) throws {
        try check(
            rd_kafka_mock_broker_set_rtt(cluster, broker, Int32(clamping: milliseconds)),
            "set broker \(broker) round-trip time to \(milliseconds) ms")
    }

    /// Sets a broker's rack id.
    public func setBrokerRack(broker: Int32, rack: String) throws {
        try check(rd_kafka_mock_broker_set_rack(cluster, broker, rack), "set broker \(broker) rack")
    }

    /// Makes the next `errors.count` requests of type `apiKey` (see ``KafkaAPIKey``), on any broker, fail with these
    /// errors in order. ``KafkaErrorCode/transport`` makes the broker disconnect instead.
    public func pushRequestErrors(apiKey: Int16, errors: [KafkaErrorCode]) {
        let codes = errors.map { rd_kafka_resp_err_t($0.rawValue) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, apiKey, buffer.count, buffer.baseAddress)
        }
    }

    /// Drops the pending errors pushed for `apiKey`.
    public func clearRequestErrors(apiKey: Int16) {
        rd_kafka_mock_clear_request_errors(cluster, apiKey)
    }

    /// Makes metadata responses report `error` for `topic` (``KafkaErrorCode/noError`` clears it).
    public func setTopicError(_ topic: String, error: KafkaErrorCode) {
        rd_kafka_mock_topic_set_error(cluster, topic, rd_kafka_resp_err_t(error.rawValue))
    }

    /// Moves a partition's leadership to `broker` (`-1`: no leader).
    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) throws {
        try check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker),
            "set leader of \(topic)-\(partition) to broker \(broker)")
    }

    /// Sets the preferred replica (follower) clients should fetch `topic`-`partition` from.
    public func setPartitionFollower(topic: String, partition: Int32, broker: Int32) throws {
        try check(
            rd_kafka_mock_partition_set_follower(cluster, topic, partition, broker),
            "set follower of \(topic)-\(partition) to broker \(broker)")
    }

    /// Makes `broker` the coordinator of consumer group `group`.
    public func setGroupCoordinator(group: String, broker: Int32) throws {
        try check(rd_kafka_mock_coordinator_set(cluster, "group", group, broker), "set coordinator of group '\(group)'")
    }

    /// Makes `broker` the coordinator of transactional id `transactionalID`.
    public func setTransactionCoordinator(transactionalID: String, broker: Int32) throws {
        try check(
            rd_kafka_mock_coordinator_set(cluster, "transaction", transactionalID, broker),
            "set coordinator of transactional id '\(transactionalID)'")
    }

    /// Restricts the API versions the mock advertises for `apiKey` (`-1, -1` disables the API).
    public func setAPIVersion(apiKey: Int16, minVersion: Int16, maxVersion: Int16) throws {
        try check(
            rd_kafka_mock_set_apiversion(cluster, apiKey, minVersion, maxVersion),
            "set API versions of key \(apiKey) to \(minVersion)...\(maxVersion)")
    }

    private func check(_ err: rd_kafka_resp_err_t, _ what: String) throws {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        throw KafkaError.rdKafka(err, "mock cluster: \(what)", code: .mockCluster)
    }
}
