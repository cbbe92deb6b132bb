internal import CRdKafka

/// A Kafka protocol or librdkafka error code (`rd_kafka_resp_err_t`), used for mock-cluster fault injection and to
/// compare with ``KafkaError/rdKafkaCode``.
public struct KafkaErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// The raw `rd_kafka_resp_err_t` value (positive: Kafka protocol error; negative: librdkafka-internal error).
    public var rawValue: Int32

    /// Wraps a raw `rd_kafka_resp_err_t` value.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    private init(_ err: rd_kafka_resp_err_t) { self.rawValue = err.rawValue }

    /// No error.
    public static let noError = KafkaErrorCode(RD_KAFKA_RESP_ERR_NO_ERROR)
    /// OFFSET_OUT_OF_RANGE (1).
    public static let offsetOutOfRange = KafkaErrorCode(RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
    /// CORRUPT_MESSAGE / INVALID_MSG (2).
    public static let invalidMessage = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_MSG)
    /// UNKNOWN_TOPIC_OR_PARTITION (3).
    public static let unknownTopicOrPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    /// LEADER_NOT_AVAILABLE (5).
    public static let leaderNotAvailable = KafkaErrorCode(RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
    /// NOT_LEADER_OR_FOLLOWER (6).
    public static let notLeaderForPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION)
    /// REQUEST_TIMED_OUT (7).
    public static let requestTimedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT)
    /// BROKER_NOT_AVAILABLE (8).
    public static let brokerNotAvailable = KafkaErrorCode(RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE)
    /// MESSAGE_TOO_LARGE (10).
    public static let messageTooLarge = KafkaErrorCode(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    /// NETWORK_EXCEPTION (13).
    public static let networkException = KafkaErrorCode(RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION)
    /// COORDINATOR_LOAD_IN_PROGRESS (14).
    public static let coordinatorLoadInProgress = KafkaErrorCode(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS)
    /// COORDINATOR_NOT_AVAILABLE (15).
    public static let coordinatorNotAvailable = KafkaErrorCode(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
    /// NOT_COORDINATOR (16).
    public static let notCoordinator = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_COORDINATOR)
    /// NOT_ENOUGH_REPLICAS (19).
    public static let notEnoughReplicas = KafkaErrorCode(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS)
    /// ILLEGAL_GENERATION (22).
    public static let illegalGeneration = KafkaErrorCode(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION)
    /// UNKNOWN_MEMBER_ID (25).
    public static let unknownMemberID = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
    /// REBALANCE_IN_PROGRESS (27).
    public static let rebalanceInProgress = KafkaErrorCode(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
    /// TOPIC_AUTHORIZATION_FAILED (29).
    public static let topicAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
    /// GROUP_AUTHORIZATION_FAILED (30).
    public static let groupAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED)
    /// TOPIC_ALREADY_EXISTS (36).
    public static let topicAlreadyExists = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    /// librdkafka-local: broker transport failure; pushed as a mock request error it makes the broker disconnect.
    public static let transport = KafkaErrorCode(RD_KAFKA_RESP_ERR__TRANSPORT)

    /// librdkafka's symbolic name, e.g. `REQUEST_TIMED_OUT`.
    public var description: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue))) }
}
