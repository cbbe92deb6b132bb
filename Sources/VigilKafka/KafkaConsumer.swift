internal import CRdKafka
import Logging

/// A Kafka consumer-group member with manual offset management, polled synchronously in batches.
///
/// Auto-commit and auto offset store are always off (`enable.auto.commit=false`, `enable.auto.offset.store=false`):
/// offsets move only through ``commit(_:async:)``. `group.id` is required. librdkafka's logs, error events and the
/// rebalance callback are all delivered on the thread that calls ``poll(maxMessages:timeout:)``.
///
/// - Important: Owns one `rd_kafka_t` consumer handle and its consumer-queue reference. `deinit` calls ``close()``
///   (leaving the group, so the listener sees the revoke) and then destroys the handle. The rebalance listener is held
///   strongly until ``close()``.
/// - Note: Not thread-safe: one owner thread creates (or receives) it and makes every call, typically a dedicated
///   stream thread. It is deliberately not `Sendable`.
public final class KafkaConsumer {
    private let client: RDKafkaClient
    private let context: ConsumerContext
    private let consumerQueue: RDKafkaQueue
    private let logger: Logger
    private var closed = false
    private var subscribed = false

    /// How long ``close()`` waits for the group to revoke this member's partitions before closing anyway.
    public var closeRevokeTimeout: Duration = .seconds(10)

    /// Scratch array for `rd_kafka_consume_batch_queue`.
    private var batch: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var batchCapacity: Int

    /// The topic name of the previous message, reused while the topic handle stays the same.
    private var cachedTopicHandle: OpaquePointer?
    private var cachedTopicCName: UnsafePointer<CChar>?
    private var cachedTopic = ""
    private var cachedEpoch = -1

    /// Creates a consumer; `config` must contain `bootstrap.servers` and `group.id`.
    ///
    /// - Throws: ``KafkaError/Code/config`` for a missing `group.id` or a bad property or value (naming it).
    public init(config: KafkaConfig, logger: Logger) throws {
        guard let groupID = config["group.id"], !groupID.isEmpty else {
            throw KafkaError(code: .config, message: "KafkaConsumer requires the librdkafka property 'group.id'")
        }
        for key in ["enable.auto.commit", "enable.auto.offset.store"] where config[key] == "true" {
            logger.warning("ignoring '\(key)=true': VigilKafka consumers manage offsets manually")
        }
        let context = ConsumerContext(logger: logger)
        let client = try RDKafkaClient(
            type: RD_KAFKA_CONSUMER, config: config,
            overrides: ["enable.auto.commit": "false", "enable.auto.offset.store": "false"], context: context,
            logQueue: true
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, vigilRebalanceCallback)
            rd_kafka_conf_set_offset_commit_cb(conf, vigilOffsetCommitCallback)
        }
        // Serve the main queue (logs, errors) from the consumer queue, i.e. on the polling thread.
        let err = rd_kafka_poll_set_consumer(client.rk)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, "rd_kafka_poll_set_consumer") }
        guard let queue = rd_kafka_queue_get_consumer(client.rk) else {
            throw KafkaError(code: .state, message: "rd_kafka_queue_get_consumer returned no queue")
        }
        self.consumerQueue = RDKafkaQueue(queue: queue, client: client)
        self.client = client
        self.context = context
        self.logger = logger
        self.batchCapacity = 1024
        self.batch = .allocate(capacity: 1024)
    }

    deinit {
        close()
        batch.deallocate()
    }

    /// Joins the group and subscribes to `topics`; assignments are reported to `listener` during ``poll(maxMessages:timeout:)``.
    public func subscribe(topics: [String], listener: any RebalanceListener) throws {
        try checkOpen()
        context.listener = listener
        let list = RDKafkaTopicPartitionList(capacity: topics.count)
        for topic in topics { list.add(TopicPartition(topic, -1), offset: KafkaOffset.invalid) }  // -1: RD_KAFKA_PARTITION_UA
        let err = list.withPointer { rd_kafka_subscribe(client.rk, $0) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, "subscribe to \(topics)") }
        subscribed = true
    }

    /// Assigns partitions directly (no group rebalance), each starting at the given offset (next offset to read, or a
    /// ``KafkaOffset`` constant). An empty dictionary clears the assignment.
    public func assign(_ offsets: [TopicPartition: Int64]) throws {
        try checkOpen()
        context.assignmentEpoch &+= 1
        let err: rd_kafka_resp_err_t
        if offsets.isEmpty {
            err = rd_kafka_assign(client.rk, nil)
        } else {
            err = RDKafkaTopicPartitionList(offsets).withPointer { rd_kafka_assign(client.rk, $0) }
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.rdKafka(err, "assign \(offsets.keys.sorted { $0.description < $1.description })")
        }
    }

    /// Returns up to `maxMessages` messages, waiting at most `timeout` for the first one.
    ///
    /// Returns as soon as at least one message is available (then takes whatever else is already fetched, without
    /// waiting). Rebalance callbacks run inside this call. Partition EOF is not an error; retriable consumer errors
    /// are logged. An error that arrives in the same batch as messages is thrown by the next call, so no message is
    /// dropped for it. Messages of a partition revoked during this call are not returned (the listener has already
    /// closed the partition; its next owner resumes from the committed offset).
    ///
    /// - Throws: ``KafkaError/Code/unknownTopic`` when a subscribed or assigned topic or partition does not exist,
    ///   ``KafkaError/Code/fatal`` on a fatal consumer error, ``KafkaError/Code/state`` after ``close()``.
    public func poll(maxMessages: Int, timeout: Duration) throws -> [KafkaMessage] {
        try checkOpen()
        if let error = takePendingError() { throw error }
        let maxMessages = max(1, maxMessages)
        context.revokedDuringPoll.removeAll(keepingCapacity: true)
        var messages: [KafkaMessage] = []
        messages.reserveCapacity(min(maxMessages, 4096))

        // Wait for the first message (rebalances and logs are served meanwhile).
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while messages.isEmpty && context.pendingError == nil {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard let message = rd_kafka_consumer_poll(client.rk, max(remaining, .zero).rdKafkaMilliseconds) else {
                break  // timed out
            }
            take(message, into: &messages)
            dropRevoked(from: &messages)
            if ContinuousClock.now >= deadline { break }
        }

        // Drain what is already fetched, without waiting.
        while messages.count < maxMessages && context.pendingError == nil {
            let wanted = maxMessages - messages.count
            if batchCapacity < wanted {
                batch.deallocate()
                batchCapacity = max(wanted, batchCapacity * 2)
                batch = .allocate(capacity: batchCapacity)
            }
            let count = rd_kafka_consume_batch_queue(consumerQueue.queue, 0, batch, wanted)
            guard count > 0 else { break }
            for index in 0..<count {
                if let message = batch[index] { take(message, into: &messages) }
            }
            dropRevoked(from: &messages)
        }

        if messages.isEmpty, let error = takePendingError() { throw error }
        return messages
    }

    /// Commits offsets (each the next offset to read, i.e. last processed + 1) for the group.
    ///
    /// An `async` commit returns at once; its failure is only logged.
    public func commit(_ offsets: [TopicPartition: Int64], async: Bool) throws {
        try checkOpen()
        guard !offsets.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(offsets)
        let err = list.withPointer { rd_kafka_commit(client.rk, $0, async ? 1 : 0) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, "commit of \(offsets.count) partitions") }
        if !async {
            var firstError: KafkaError?
            list.forEach { element in
                if element.err != RD_KAFKA_RESP_ERR_NO_ERROR && firstError == nil {
                    firstError = KafkaError.rdKafka(element.err, "commit of \(element.topicPartition)")
                }
            }
            if let firstError { throw firstError }
        }
    }

    /// The group's committed offsets (next offset to read). Partitions without a committed offset are absent.
    public func committed(_ partitions: [TopicPartition], timeout: Duration) throws -> [TopicPartition: Int64] {
        try checkOpen()
        guard !partitions.isEmpty else { return [:] }
        let list = RDKafkaTopicPartitionList(partitions)
        let err = list.withPointer { rd_kafka_committed(client.rk, $0, timeout.rdKafkaMilliseconds) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, "committed offsets of \(partitions)") }
        var result: [TopicPartition: Int64] = [:]
        var firstError: KafkaError?
        list.forEach { element in
            if element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if firstError == nil { firstError = KafkaError.rdKafka(element.err, "committed offset of \(element.topicPartition)") }
            } else if element.offset >= 0 {
                result[element.topicPartition] = element.offset
            }
        }
        if let firstError { throw firstError }
        return result
    }

    /// Moves an assigned partition's fetch position to `offset` (next offset to read, or a ``KafkaOffset`` constant).
    public func seek(_ partition: TopicPartition, to offset: Int64, timeout: Duration) throws {
        try checkOpen()
        let list = RDKafkaTopicPartitionList([partition: offset])
        if let error = list.withPointer({ rd_kafka_seek_partitions(client.rk, $0, timeout.rdKafkaMilliseconds) }) {
            throw KafkaError.consuming(error, "seek \(partition) to \(offset)")
        }
        var firstError: KafkaError?
        list.forEach { element in
            if element.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                firstError = KafkaError.rdKafka(element.err, "seek \(partition) to \(offset)")
            }
        }
        if let firstError { throw firstError }
    }

    /// Stops fetching from `partitions` (they stay assigned): used to bound what is buffered for a partition that is
    /// ahead of the others. Records already returned by `poll` are unaffected; fetching resumes after the last one.
    public func pause(_ partitions: [TopicPartition]) throws {
        try checkOpen()
        guard !partitions.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(partitions)
        let err = list.withPointer { rd_kafka_pause_partitions(client.rk, $0) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, "pause of \(partitions)") }
    }

    /// Resumes fetching from paused `partitions`.
    public func resume(_ partitions: [TopicPartition]) throws {
        try checkOpen()
        guard !partitions.isEmpty else { return }
        let list = RDKafkaTopicPartitionList(partitions)
        let err = list.withPointer { rd_kafka_resume_partitions(client.rk, $0) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, "resume of \(partitions)") }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws -> [TopicPartition] {
        try checkOpen()
        var listPointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(client.rk, &listPointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let listPointer else { throw KafkaError.rdKafka(err, "assignment") }
        return RDKafkaTopicPartitionList(adopting: listPointer).partitions
    }

    /// The partition's low and high watermarks (first offset, and offset of the next message to be written), asked of
    /// the partition leader.
    public func watermarks(_ partition: TopicPartition, timeout: Duration) throws -> (low: Int64, high: Int64) {
        try checkOpen()
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(
            client.rk, partition.topic, partition.partition, &low, &high, timeout.rdKafkaMilliseconds)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, "watermarks of \(partition)") }
        return (low, high)
    }

    /// The partition's watermarks as last seen in fetch responses, without asking the broker (cheap; for lag and
    /// catch-up checks on the polling thread). Nil until a fetch for the partition has returned.
    public func cachedWatermarks(_ partition: TopicPartition) throws -> (low: Int64, high: Int64)? {
        try checkOpen()
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(client.rk, partition.topic, partition.partition, &low, &high)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError.rdKafka(err, "cached watermarks of \(partition)") }
        guard high >= 0 else { return nil }
        return (max(low, 0), high)
    }

    /// Leaves the group: the listener's `partitionsRevoked` runs (on this thread) before this returns. Idempotent;
    /// every other call throws ``KafkaError/Code/state`` afterwards. Messages fetched but not yet returned are dropped
    /// (they were not committed, so the partitions' next owner reads them).
    ///
    /// A subscribed consumer first unsubscribes and serves its queue until the revoke has run (at most
    /// ``closeRevokeTimeout``), and only then calls `rd_kafka_consumer_close`: librdkafka 2.0.2 can hang forever
    /// when a cooperative rebalance is processed inside `rd_kafka_consumer_close` (librdkafka issue #4527).
    public func close() {
        guard !closed else { return }
        closed = true
        if subscribed {
            let err = rd_kafka_unsubscribe(client.rk)
            if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                let deadline = ContinuousClock.now.advanced(by: closeRevokeTimeout)
                while (try? assignmentIsEmpty()) == false && ContinuousClock.now < deadline {
                    if let message = rd_kafka_consumer_poll(client.rk, 50) { rd_kafka_message_destroy(message) }
                }
            } else {
                logger.warning("consumer unsubscribe before close: \(String(cString: rd_kafka_err2str(err)))")
            }
        }
        let err = rd_kafka_consumer_close(client.rk)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("consumer close: \(String(cString: rd_kafka_err2str(err)))")
        }
        context.listener = nil
    }

    // MARK: - Internals

    private func assignmentIsEmpty() throws -> Bool {
        var listPointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let err = rd_kafka_assignment(client.rk, &listPointer)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let listPointer else { throw KafkaError.rdKafka(err, "assignment") }
        return RDKafkaTopicPartitionList(adopting: listPointer).count == 0
    }

    private func checkOpen() throws {
        if closed { throw KafkaError(code: .state, message: "the consumer is closed") }
    }

    /// Removes messages of partitions revoked while this `poll` call was collecting them: the listener has already
    /// closed those partitions, and their next owner resumes from the committed offset.
    private func dropRevoked(from messages: inout [KafkaMessage]) {
        guard !context.revokedDuringPoll.isEmpty else { return }
        let revoked = context.revokedDuringPoll
        context.revokedDuringPoll.removeAll(keepingCapacity: true)
        let before = messages.count
        messages.removeAll { revoked.contains(TopicPartition($0.topic, $0.partition)) }
        if messages.count != before {
            logger.debug("dropped \(before - messages.count) messages of partitions revoked during poll")
        }
    }

    private func takePendingError() -> KafkaError? {
        defer { context.pendingError = nil }
        return context.pendingError
    }

    /// Converts one librdkafka message (an error event or a record) and destroys it.
    private func take(_ message: UnsafeMutablePointer<rd_kafka_message_t>, into messages: inout [KafkaMessage]) {
        defer { rd_kafka_message_destroy(message) }
        let err = message.pointee.err
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            handleError(message, err)
            return
        }
        messages.append(convert(message))
    }

    private func handleError(_ message: UnsafeMutablePointer<rd_kafka_message_t>, _ err: rd_kafka_resp_err_t) {
        let text = String(cString: rd_kafka_message_errstr(message))
        let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) }
        let location: String
        switch (topic, err) {
        case (nil, _): location = ""
        case (let topic?, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), (let topic?, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC):
            location = " of topic '\(topic)'"
        case (let topic?, _): location = " of \(topic)-\(message.pointee.partition)"
        }
        let error: KafkaError
        switch err {
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            return
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
            RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            error = KafkaError.rdKafka(err, "consume\(location)", code: .unknownTopic, detail: text)
        case RD_KAFKA_RESP_ERR__FATAL:
            error = KafkaError.fatal(of: client.rk, "consume") ?? KafkaError.rdKafka(err, "consume", detail: text)
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
            error = KafkaError.rdKafka(err, "consume\(location)", detail: text)
        default:
            // librdkafka recovers from the rest by itself: they are informational.
            logger.warning(
                "consumer error\(location): \(text)",
                metadata: ["rdkafka.error": "\(String(cString: rd_kafka_err2name(err)))"])
            return
        }
        if context.pendingError == nil { context.pendingError = error }
    }

    private func convert(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let message = pointer.pointee
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(pointer, &timestampType)
        var headers: [KafkaHeader] = []
        var headerList: OpaquePointer?
        if rd_kafka_message_headers(pointer, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
            headers = Self.headers(of: headerList)
        }
        return KafkaMessage(
            topic: topicName(message.rkt),
            partition: message.partition,
            offset: message.offset,
            key: message.key.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: message.key_len)) },
            value: message.payload.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: message.len)) },
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
            headers: headers)
    }

    private func topicName(_ rkt: OpaquePointer?) -> String {
        guard let rkt else { return "" }
        let cName = rd_kafka_topic_name(rkt)
        if rkt == cachedTopicHandle && cName == cachedTopicCName && cachedEpoch == context.assignmentEpoch {
            return cachedTopic
        }
        cachedTopicHandle = rkt
        cachedTopicCName = cName
        cachedEpoch = context.assignmentEpoch
        cachedTopic = cName.map { String(cString: $0) } ?? ""
        return cachedTopic
    }

    private static func headers(of list: OpaquePointer) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append(
                KafkaHeader(
                    key: name.map { String(cString: $0) } ?? "",
                    value: value.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: size)) }))
            index += 1
        }
        return headers
    }
}
