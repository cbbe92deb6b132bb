internal import CRdKafka
import Logging
import Synchronization

/// A Kafka producer; idempotent (`enable.idempotence=true`) unless the configuration says otherwise.
///
/// ``send(topic:partition:key:value:headers:)`` copies the bytes and enqueues them; delivery happens in the
/// background. Delivery reports are served by ``poll()`` and ``flush(timeout:)``, and ``flush(timeout:)`` throws the
/// first delivery failure seen since the previous flush.
///
/// - Important: Owns one `rd_kafka_t` producer handle and its cached topic handles; `deinit` destroys them without
///   flushing (messages still queued then fail), so call ``flush(timeout:)`` first.
/// - Note: `@unchecked Sendable`: librdkafka documents producer handles (`rd_kafka_produce*`, `rd_kafka_poll`,
///   `rd_kafka_flush`) as thread-safe; our own state (topic-handle cache, delivery failures) is behind `Mutex`es.
public final class KafkaProducer: @unchecked Sendable {
    private let client: RDKafkaClient
    private let context: ProducerContext
    private let logger: Logger
    private let topics = Mutex<[String: RDKafkaTopic]>([:])

    /// Creates a producer.
    ///
    /// - Throws: ``KafkaError/Code/config`` for a bad property or value (naming it).
    public init(config: KafkaConfig, logger: Logger) throws {
        var config = config
        if config["enable.idempotence"] == nil { config["enable.idempotence"] = "true" }
        let context = ProducerContext(logger: logger)
        self.client = try RDKafkaClient(type: RD_KAFKA_PRODUCER, config: config, context: context, logQueue: true) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, vigilDeliveryCallback)
        }
        self.context = context
        self.logger = logger
    }

    /// Enqueues one message. `partition: nil` lets the partitioner choose (from the key); a `nil` value is a
    /// tombstone. When librdkafka's local queue is full, this serves delivery reports and retries (it blocks until
    /// there is room, i.e. at most until queued messages time out).
    ///
    /// - Throws: ``KafkaError/Code/unknownPartition`` / ``KafkaError/Code/unknownTopic`` when librdkafka already knows
    ///   the target does not exist, ``KafkaError/Code/fatal`` after a fatal producer error.
    public func send(
        topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []
    ) throws {
        let handle = try topicHandle(topic)
        let partition = partition ?? -1  // RD_KAFKA_PARTITION_UA
        var err: rd_kafka_resp_err_t
        defer { withExtendedLifetime(handle) {} }
        if headers.isEmpty {
            repeat {
                err = Self.produce(handle.rkt, partition, key, value)
            } while try retryIfQueueFull(err)
        } else {
            guard let headerList = rd_kafka_headers_new(headers.count) else {
                throw KafkaError(code: .other, message: "rd_kafka_headers_new failed")
            }
            for header in headers {
                Self.withBytes(header.value) { pointer, count in
                    _ = rd_kafka_header_add(headerList, header.key, -1, pointer, count)
                }
            }
            repeat {
                err = Self.produce(client.rk, handle.rkt, partition, key, value, headerList)
            } while try retryIfQueueFull(err)
            // librdkafka owns the headers only when produceva succeeded.
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { rd_kafka_headers_destroy(headerList) }
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if err == RD_KAFKA_RESP_ERR__FATAL, let fatal = KafkaError.fatal(of: client.rk, "produce to \(topic)") {
                throw fatal
            }
            let target = partition < 0 ? topic : "\(topic)-\(partition)"
            throw KafkaError.rdKafka(err, "produce to \(target)")
        }
    }

    /// Serves delivery reports (and logs) without blocking.
    public func poll() {
        rd_kafka_poll(client.rk, 0)
    }

    /// Waits until every queued message is delivered or failed.
    ///
    /// - Throws: the first delivery failure (``KafkaError/Code/delivery``, naming topic and partition) seen since the
    ///   previous flush; else ``KafkaError/Code/timedOut`` if messages are still in flight after `timeout`; else
    ///   ``KafkaError/Code/fatal`` after a fatal producer error.
    public func flush(timeout: Duration) throws {
        let err = rd_kafka_flush(client.rk, timeout.rdKafkaMilliseconds)
        if let failure = context.takeFirstFailure() { throw failure }
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
            throw KafkaError(
                code: .timedOut, message: "flush timed out after \(timeout) with \(inFlight) messages in flight",
                isRetriable: true, rdKafkaCode: err.rawValue)
        }
        if let fatal = context.fatal { throw fatal }
    }

    /// Messages (and requests) queued or awaiting acknowledgement, plus delivery reports not yet served.
    public var inFlight: Int { Int(rd_kafka_outq_len(client.rk)) }

    /// Delivery failures since the producer was created (including ones already thrown by ``flush(timeout:)``).
    public var deliveryFailures: Int { context.failuresTotal }

    // MARK: - Internals

    private func topicHandle(_ name: String) throws -> RDKafkaTopic {
        try topics.withLock { topics in
            if let handle = topics[name] { return handle }
            let handle = try RDKafkaTopic(name: name, client: client)
            topics[name] = handle
            return handle
        }
    }

    /// Returns true to retry after serving delivery reports; false when `err` is final.
    private func retryIfQueueFull(_ err: rd_kafka_resp_err_t) throws -> Bool {
        guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else { return false }
        rd_kafka_poll(client.rk, 10)
        return true
    }

    /// The cheapest call: `rd_kafka_produce` with the cached topic handle, bytes copied.
    private static func produce(_ rkt: OpaquePointer, _ partition: Int32, _ key: [UInt8]?, _ value: [UInt8]?)
        -> rd_kafka_resp_err_t
    {
        withBytes(value) { valuePointer, valueCount in
            withBytes(key) { keyPointer, keyCount in
                let result = rd_kafka_produce(
                    rkt, partition, RD_KAFKA_MSG_F_COPY, UnsafeMutableRawPointer(mutating: valuePointer), valueCount,
                    keyPointer, keyCount, nil)
                return result == 0 ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_last_error()
            }
        }
    }

    /// `rd_kafka_produceva` with a header list (`rd_kafka_producev` is variadic and cannot be called from Swift).
    private static func produce(
        _ rk: OpaquePointer, _ rkt: OpaquePointer, _ partition: Int32, _ key: [UInt8]?, _ value: [UInt8]?, _ headers: OpaquePointer
    ) -> rd_kafka_resp_err_t {
        withBytes(value) { valuePointer, valueCount in
            withBytes(key) { keyPointer, keyCount in
                var values = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 6)
                values[0].vtype = RD_KAFKA_VTYPE_RKT
                values[0].u.rkt = rkt
                values[1].vtype = RD_KAFKA_VTYPE_PARTITION
                values[1].u.i32 = partition
                values[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                values[2].u.i = RD_KAFKA_MSG_F_COPY
                values[3].vtype = RD_KAFKA_VTYPE_VALUE
                values[3].u.mem.ptr = UnsafeMutableRawPointer(mutating: valuePointer)
                values[3].u.mem.size = valueCount
                values[4].vtype = RD_KAFKA_VTYPE_KEY
                values[4].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyPointer)
                values[4].u.mem.size = keyCount
                values[5].vtype = RD_KAFKA_VTYPE_HEADERS
                values[5].u.headers = headers
                guard let error = rd_kafka_produceva(rk, values, values.count) else {
                    return RD_KAFKA_RESP_ERR_NO_ERROR
                }
                defer { rd_kafka_error_destroy(error) }
                return rd_kafka_error_code(error)
            }
        }
    }

    /// Calls `body` with the bytes, or with `(nil, 0)` for `nil`. Empty arrays get a valid non-null pointer, so that
    /// librdkafka writes an empty value rather than a null one.
    private static func withBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
        guard let bytes else { return body(nil, 0) }
        if bytes.isEmpty { return body(UnsafeRawPointer(emptyByte), 0) }
        return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
    }
}

/// A valid, never-written byte used as the pointer of empty (non-null) keys, values and header values.
nonisolated(unsafe) private let emptyByte = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
