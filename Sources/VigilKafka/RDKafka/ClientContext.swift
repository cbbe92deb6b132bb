internal import CRdKafka
import Logging

/// The object librdkafka's single opaque pointer refers to for one client handle.
///
/// - Important: The owning ``RDKafkaClient`` keeps the context alive until after `rd_kafka_destroy` returns, so
///   callbacks may always use the opaque pointer unretained.
/// - Note: `@unchecked Sendable`: the base class has only immutable state (`logger`, a Sendable value), which the log
///   callback may read from librdkafka's threads; subclasses document their own mutable state.
class ClientContext: @unchecked Sendable {
    /// Where librdkafka's log lines and error events go.
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Called by the error callback (on the thread serving the main queue, or a librdkafka thread).
    func handleError(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ reason: String) {
        if err == RD_KAFKA_RESP_ERR__FATAL {
            let fatal = KafkaError.fatal(of: rk, "librdkafka")
            logger.critical("librdkafka fatal error: \(fatal?.message ?? reason)")
        } else {
            logger.warning(
                "librdkafka error: \(reason)",
                metadata: ["rdkafka.error": "\(String(cString: rd_kafka_err2name(err)))"])
        }
    }

    /// The context a librdkafka opaque pointer refers to.
    static func from(_ opaque: UnsafeMutableRawPointer) -> ClientContext {
        Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// librdkafka log callback: forwards a log line to the handle's `Logger`.
func vigilLogCallback(_ rk: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?, _ buffer: UnsafePointer<CChar>?) {
    guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
    let context = ClientContext.from(opaque)
    var swiftLevel: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    guard swiftLevel >= context.logger.logLevel else { return }
    let facilityText = facility.map { String(cString: $0) } ?? "-"
    let text = buffer.map { String(cString: $0) } ?? ""
    // One set of properties serves every client, so a producer property on a consumer (and the reverse) is
    // expected, and the embedded cluster's own handle has no bootstrap servers by design: not worth a warning.
    if facilityText == "CONFWARN",
       text.contains("will be ignored by this") || text.contains("No `bootstrap.servers` configured") {
        swiftLevel = .debug
        guard swiftLevel >= context.logger.logLevel else { return }
    }
    context.logger.log(level: swiftLevel, "\(text)", metadata: ["rdkafka.facility": "\(facilityText)"])
}

/// librdkafka error callback: forwards to the context.
func vigilErrorCallback(_ rk: OpaquePointer?, _ err: Int32, _ reason: UnsafePointer<CChar>?, _ opaque: UnsafeMutableRawPointer?) {
    guard let rk, let opaque else { return }
    ClientContext.from(opaque).handleError(rk, rd_kafka_resp_err_t(err), reason.map { String(cString: $0) } ?? "")
}
