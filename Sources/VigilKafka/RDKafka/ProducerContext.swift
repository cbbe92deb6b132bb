internal import CRdKafka
import Logging
import Synchronization

/// The producer's librdkafka opaque: delivery failures recorded by the delivery-report callback.
///
/// - Note: `@unchecked Sendable` only because the base class is not final; all mutable state is in a `Mutex`, since
///   delivery reports run on whichever thread calls `rd_kafka_poll` / `rd_kafka_flush`.
final class ProducerContext: ClientContext, @unchecked Sendable {
    private struct State {
        var firstFailure: KafkaError?
        var failuresSinceFlush = 0
        var failuresTotal = 0
        var fatal: KafkaError?
    }

    private let state = Mutex(State())

    /// Records a failed delivery.
    func recordFailure(_ error: KafkaError) {
        let isFirst = state.withLock { state in
            state.failuresSinceFlush += 1
            state.failuresTotal += 1
            if state.firstFailure == nil {
                state.firstFailure = error
                return true
            }
            return false
        }
        if isFirst { logger.error("\(error.message)") }
    }

    /// The first failure since the previous call (annotated with how many there were), and resets it.
    func takeFirstFailure() -> KafkaError? {
        state.withLock { state in
            defer {
                state.firstFailure = nil
                state.failuresSinceFlush = 0
            }
            guard var failure = state.firstFailure else { return nil }
            if state.failuresSinceFlush > 1 {
                failure.message += " (and \(state.failuresSinceFlush - 1) more failed deliveries)"
            }
            return failure
        }
    }

    /// Delivery failures since the producer was created.
    var failuresTotal: Int { state.withLock { $0.failuresTotal } }

    /// The fatal error librdkafka raised, if any.
    var fatal: KafkaError? { state.withLock { $0.fatal } }

    override func handleError(_ rk: OpaquePointer, _ err: rd_kafka_resp_err_t, _ reason: String) {
        super.handleError(rk, err, reason)
        if err == RD_KAFKA_RESP_ERR__FATAL {
            let fatal = KafkaError.fatal(of: rk, "producer") ?? KafkaError.rdKafka(err, "producer", detail: reason)
            state.withLock { if $0.fatal == nil { $0.fatal = fatal } }
        }
    }
}

/// librdkafka delivery-report callback: records failures (successes need no work).
func vigilDeliveryCallback(
    _ rk: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?, _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let opaque, message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
    guard let context = ClientContext.from(opaque) as? ProducerContext else { return }
    let err = message.pointee.err
    let topic = message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
    let partition = message.pointee.partition
    let where_ = partition < 0 ? topic : "\(topic)-\(partition)"
    let text = String(cString: rd_kafka_err2str(err))
    context.recordFailure(
        KafkaError(
            code: .delivery, message: "delivery to \(where_) failed: \(text)", isRetriable: err.isRetriable,
            isFatal: err == RD_KAFKA_RESP_ERR__FATAL, rdKafkaCode: err.rawValue))
}
