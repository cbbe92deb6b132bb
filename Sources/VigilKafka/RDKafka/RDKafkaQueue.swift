internal import CRdKafka

/// Owns one `rd_kafka_queue_t` reference.
///
/// - Important: Holds its client strongly and calls `rd_kafka_queue_destroy` in `deinit`, so the queue reference is
///   always dropped before the handle is destroyed. Thread-safety: as librdkafka queues (callers serialize polling).
final class RDKafkaQueue {
    let queue: OpaquePointer
    let client: RDKafkaClient

    init(queue: OpaquePointer, client: RDKafkaClient) {
        self.queue = queue
        self.client = client
    }

    /// A new, empty queue of `client` (for admin results).
    convenience init(newOn client: RDKafkaClient) throws {
        guard let queue = rd_kafka_queue_new(client.rk) else {
            throw KafkaError(code: .state, message: "rd_kafka_queue_new failed")
        }
        self.init(queue: queue, client: client)
    }

    deinit {
        rd_kafka_queue_destroy(queue)
    }
}
