internal import CRdKafka
import Logging

/// Owns one `rd_kafka_t` handle and the context its opaque pointer refers to.
///
/// - Important: Owns the handle: `rd_kafka_destroy` runs in `deinit`, after which `context` is released. Child objects
///   (topic handles, queues) hold this client strongly, so they are always destroyed first. `rd_kafka_new` takes the
///   configuration only on success; on failure this type destroys it.
/// - Note: `@unchecked Sendable`: `rd_kafka_t` is thread-safe per librdkafka's documentation; which calls a wrapper
///   may make from which thread is the wrapper's business (the consumer has one owner thread).
final class RDKafkaClient: @unchecked Sendable {
    /// The librdkafka handle.
    let rk: OpaquePointer
    /// The object behind the handle's opaque pointer.
    let context: ClientContext

    /// Creates a handle.
    ///
    /// - Parameters:
    ///   - logQueue: route librdkafka logs through the main queue (`log.queue=true`) so they are delivered on the
    ///     thread that polls; otherwise the log callback runs on librdkafka's own threads.
    ///   - configure: last chance to set callbacks on the configuration before `rd_kafka_new`.
    init(
        type: rd_kafka_type_t, config: KafkaConfig, overrides: [String: String] = [:], context: ClientContext,
        logQueue: Bool, configure: (OpaquePointer) -> Void = { _ in }
    ) throws {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(code: .config, message: "rd_kafka_conf_new failed")
        }
        var confOwnedHere = true
        defer { if confOwnedHere { rd_kafka_conf_destroy(conf) } }

        var properties = config.properties
        for (key, value) in overrides { properties[key] = value }
        if logQueue { properties["log.queue"] = "true" }
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            try Self.set(conf, key, value)
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, vigilLogCallback)
        rd_kafka_conf_set_error_cb(conf, vigilErrorCallback)
        configure(conf)

        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            throw KafkaError(code: .config, message: "rd_kafka_new failed: \(String(errorBuffer: errstr))")
        }
        confOwnedHere = false
        self.rk = rk
        self.context = context
        if logQueue {
            // NULL = the main queue, which producers serve in rd_kafka_poll and consumers forward to their queue.
            let err = rd_kafka_set_log_queue(rk, nil)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                context.logger.warning("rd_kafka_set_log_queue failed: \(String(cString: rd_kafka_err2str(err)))")
            }
        }
    }

    deinit {
        rd_kafka_destroy(rk)
    }

    /// Sets one property, throwing ``KafkaError/Code/config`` naming it.
    static func set(_ conf: OpaquePointer, _ key: String, _ value: String) throws {
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
        guard result != RD_KAFKA_CONF_OK else { return }
        let reason = String(errorBuffer: errstr)
        let what = result == RD_KAFKA_CONF_UNKNOWN ? "unknown librdkafka property" : "invalid value for librdkafka property"
        throw KafkaError(code: .config, message: "\(what) '\(key)': \(reason)")
    }

    /// The handle's name, e.g. `rdkafka#consumer-3`.
    var name: String { String(cString: rd_kafka_name(rk)) }
}
