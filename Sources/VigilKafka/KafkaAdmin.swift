internal import CRdKafka
import Logging

/// Topic administration: create topics, read partition counts.
///
/// - Important: Owns one `rd_kafka_t` (producer-type) handle used only for admin requests and metadata; destroyed in
///   `deinit`. `allow.auto.create.topics` defaults to `false` so that metadata look-ups never create topics.
/// - Note: Not thread-safe by contract (one owner at a time); each call blocks its thread up to its timeout.
///   librdkafka's logs for this handle are delivered on librdkafka's threads straight into the `Logger`.
public final class KafkaAdmin {
    private let client: RDKafkaClient

    /// Creates an admin client; `config` needs `bootstrap.servers`.
    ///
    /// - Throws: ``KafkaError/Code/config`` for a bad property or value (naming it).
    public init(config: KafkaConfig, logger: Logger) throws {
        var config = config
        if config["allow.auto.create.topics"] == nil { config["allow.auto.create.topics"] = "false" }
        self.client = try RDKafkaClient(
            type: RD_KAFKA_PRODUCER, config: config, context: ClientContext(logger: logger), logQueue: false)
    }

    /// Creates topics with `rd_kafka_CreateTopics`; a topic that already exists is not an error.
    ///
    /// - Throws: ``KafkaError/Code/admin`` naming each topic that failed (with the broker's text), or when the request
    ///   itself fails (e.g. librdkafka 2.0.2's mock cluster does not implement CreateTopics: use
    ///   ``EmbeddedKafka/createTopic(_:partitions:replicationFactor:)`` there); ``KafkaError/Code/timedOut``.
    public func createTopics(_ topics: [NewTopic], timeout: Duration) throws {
        guard !topics.isEmpty else { return }
        var newTopics: [OpaquePointer?] = []
        defer { for newTopic in newTopics { rd_kafka_NewTopic_destroy(newTopic) } }
        var errstr = [CChar](repeating: 0, count: 512)
        for topic in topics {
            guard let newTopic = rd_kafka_NewTopic_new(topic.name, topic.partitions, topic.replicationFactor, &errstr, errstr.count)
            else {
                throw KafkaError(code: .admin, message: "invalid new topic '\(topic.name)': \(String(errorBuffer: errstr))")
            }
            newTopics.append(newTopic)
            for (key, value) in topic.config.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError.rdKafka(err, "topic '\(topic.name)' config '\(key)'", code: .admin)
                }
            }
        }

        guard let options = rd_kafka_AdminOptions_new(client.rk, RD_KAFKA_ADMIN_OP_CREATETOPICS) else {
            throw KafkaError(code: .admin, message: "rd_kafka_AdminOptions_new failed")
        }
        defer { rd_kafka_AdminOptions_destroy(options) }
        let milliseconds = timeout.rdKafkaMilliseconds
        _ = rd_kafka_AdminOptions_set_request_timeout(options, milliseconds, &errstr, errstr.count)
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, milliseconds, &errstr, errstr.count)

        let queue = try RDKafkaQueue(newOn: client)
        // librdkafka enforces the request timeout itself; the margin only guards against a lost result.
        let event = withExtendedLifetime(queue) {
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(client.rk, buffer.baseAddress, buffer.count, options, queue.queue)
            }
            return rd_kafka_queue_poll(queue.queue, milliseconds &+ 5_000)
        }
        guard let event else {
            throw KafkaError(code: .timedOut, message: "CreateTopics \(topics.map(\.name)) got no result", isRetriable: true)
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = String(cString: rd_kafka_event_error_string(event))
            throw KafkaError.rdKafka(
                eventError, "CreateTopics \(topics.map(\.name))",
                code: eventError == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timedOut : .admin, detail: text)
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(code: .admin, message: "CreateTopics: unexpected result event \(rd_kafka_event_type(event))")
        }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return }
        var failures: [String] = []
        var firstCode: rd_kafka_resp_err_t?
        for index in 0..<count {
            guard let topicResult = results[index] else { continue }
            let err = rd_kafka_topic_result_error(topicResult)
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR, err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else { continue }
            let name = String(cString: rd_kafka_topic_result_name(topicResult))
            let text = rd_kafka_topic_result_error_string(topicResult).map { String(cString: $0) }
                ?? String(cString: rd_kafka_err2str(err))
            failures.append("'\(name)': \(text)")
            if firstCode == nil { firstCode = err }
        }
        if let firstCode {
            throw KafkaError.rdKafka(
                firstCode, "CreateTopics failed", code: .admin, detail: failures.joined(separator: "; "))
        }
    }

    /// The topic's partition count, from a metadata request for that topic alone.
    ///
    /// - Throws: ``KafkaError/Code/unknownTopic`` when the topic does not exist; ``KafkaError/Code/timedOut``.
    public func partitionCount(topic: String, timeout: Duration) throws -> Int32 {
        let handle = try RDKafkaTopic(name: topic, client: client)
        var metadata: UnsafePointer<rd_kafka_metadata_t>?
        let err = withExtendedLifetime(handle) {
            rd_kafka_metadata(client.rk, 0, handle.rkt, &metadata, timeout.rdKafkaMilliseconds)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError.rdKafka(err, "metadata for topic '\(topic)'")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let entry = metadata.pointee.topics[index]
            guard String(cString: entry.topic) == topic else { continue }
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.rdKafka(entry.err, "topic '\(topic)'")
            }
            return entry.partition_cnt
        }
        throw KafkaError(code: .unknownTopic, message: "topic '\(topic)': not in the metadata response")
    }
}
