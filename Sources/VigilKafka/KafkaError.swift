internal import CRdKafka

/// An error raised by VigilKafka, carrying librdkafka's own text.
///
/// `code` is a coarse, extensible category to switch on; `rdKafkaCode` is the raw `rd_kafka_resp_err_t` when
/// librdkafka supplied one (compare it with ``KafkaErrorCode/rawValue``).
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// The category of a ``KafkaError``. New categories may be added: always keep a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Backing: Hashable, Sendable {
            case config, unknownTopic, unknownPartition, transport, delivery, timedOut, state, fatal, mockCluster
            case admin, other
        }

        private let backing: Backing
        private init(_ backing: Backing) { self.backing = backing }

        /// A bad librdkafka property or value, or a missing required setting.
        public static let config = Code(.config)
        /// The topic does not exist (or is not visible to this client).
        public static let unknownTopic = Code(.unknownTopic)
        /// The partition does not exist in its topic.
        public static let unknownPartition = Code(.unknownPartition)
        /// Broker connection problems.
        public static let transport = Code(.transport)
        /// A produced message could not be delivered.
        public static let delivery = Code(.delivery)
        /// An operation did not complete within its timeout.
        public static let timedOut = Code(.timedOut)
        /// The operation is not valid in the client's current state (for example after `close()`).
        public static let state = Code(.state)
        /// librdkafka raised a fatal error; the client instance is unusable and must be recreated.
        public static let fatal = Code(.fatal)
        /// A mock cluster operation (``EmbeddedKafka``) failed.
        public static let mockCluster = Code(.mockCluster)
        /// An admin request failed.
        public static let admin = Code(.admin)
        /// Anything else; see ``KafkaError/rdKafkaCode`` and the message.
        public static let other = Code(.other)

        public var description: String {
            switch backing {
            case .config: "config"
            case .unknownTopic: "unknownTopic"
            case .unknownPartition: "unknownPartition"
            case .transport: "transport"
            case .delivery: "delivery"
            case .timedOut: "timedOut"
            case .state: "state"
            case .fatal: "fatal"
            case .mockCluster: "mockCluster"
            case .admin: "admin"
            case .other: "other"
            }
        }
    }

    /// The category of the error.
    public var code: Code
    /// Human-readable text, including librdkafka's own message and the property, topic or partition concerned.
    public var message: String
    /// Whether retrying the same operation later may succeed.
    public var isRetriable: Bool
    /// Whether the client instance is unusable (librdkafka fatal error).
    public var isFatal: Bool
    /// The raw `rd_kafka_resp_err_t` value, when librdkafka supplied one.
    public var rdKafkaCode: Int32?

    /// Creates an error; normally only VigilKafka creates these.
    public init(code: Code, message: String, isRetriable: Bool = false, isFatal: Bool = false, rdKafkaCode: Int32? = nil) {
        self.code = code
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.rdKafkaCode = rdKafkaCode
    }

    public var description: String {
        var text = "KafkaError(\(code)): \(message)"
        if let rdKafkaCode { text += " [\(String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rdKafkaCode))))]" }
        return text
    }
}

// MARK: - Conversion from librdkafka errors (the one place that does it)

extension KafkaError {
    /// Builds an error from a response code; `context` says what was being done ("commit", "seek orders-3", ...).
    static func rdKafka(_ err: rd_kafka_resp_err_t, _ context: String, code: Code? = nil, detail: String? = nil)
        -> KafkaError
    {
        let text = detail ?? String(cString: rd_kafka_err2str(err))
        return KafkaError(
            code: code ?? Code(classifying: err), message: "\(context): \(text)",
            isRetriable: err.isRetriable, isFatal: err == RD_KAFKA_RESP_ERR__FATAL, rdKafkaCode: err.rawValue)
    }

    /// Builds an error from an `rd_kafka_error_t` and destroys it.
    static func consuming(_ error: OpaquePointer, _ context: String, code: Code? = nil) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let err = rd_kafka_error_code(error)
        return KafkaError(
            code: code ?? (rd_kafka_error_is_fatal(error) != 0 ? .fatal : Code(classifying: err)),
            message: "\(context): \(String(cString: rd_kafka_error_string(error)))",
            isRetriable: rd_kafka_error_is_retriable(error) != 0, isFatal: rd_kafka_error_is_fatal(error) != 0,
            rdKafkaCode: err.rawValue)
    }

    /// The fatal error recorded by `rk`, if any, as a ``Code/fatal`` error.
    static func fatal(of rk: OpaquePointer, _ context: String) -> KafkaError? {
        var buffer = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(rk, &buffer, buffer.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(
            code: .fatal, message: "\(context): fatal error: \(String(errorBuffer: buffer))", isFatal: true,
            rdKafkaCode: err.rawValue)
    }
}

extension KafkaError.Code {
    /// Maps a librdkafka response code onto a category.
    init(classifying err: rd_kafka_resp_err_t) {
        switch err {
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
            self = .unknownTopic
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION: self = .unknownPartition
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
            self = .timedOut
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR__SSL, RD_KAFKA_RESP_ERR__AUTHENTICATION, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
            self = .transport
        case RD_KAFKA_RESP_ERR__FATAL: self = .fatal
        case RD_KAFKA_RESP_ERR__STATE, RD_KAFKA_RESP_ERR__DESTROY: self = .state
        case RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR__UNKNOWN_GROUP: self = .config
        default: self = .other
        }
    }
}

extension rd_kafka_resp_err_t {
    /// Whether librdkafka or the broker may succeed when the same request is retried.
    var isRetriable: Bool {
        switch self {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT,
            RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__QUEUE_FULL,
            RD_KAFKA_RESP_ERR__RESOLVE, RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__IN_PROGRESS,
            RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS, RD_KAFKA_RESP_ERR__RETRY, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
            RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH, RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH,
            RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
            true
        default:
            false
        }
    }
}
