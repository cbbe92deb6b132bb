internal import CRdKafka

/// Owns one application `rd_kafka_topic_t` handle.
///
/// - Important: Holds its client strongly and calls `rd_kafka_topic_destroy` in `deinit`, so it is always released
///   before `rd_kafka_destroy`. Thread-safe (librdkafka topic handles may be used from any thread).
final class RDKafkaTopic: @unchecked Sendable {
    let rkt: OpaquePointer
    let name: String
    let client: RDKafkaClient

    init(name: String, client: RDKafkaClient) throws {
        guard let rkt = rd_kafka_topic_new(client.rk, name, nil) else {
            throw KafkaError.rdKafka(rd_kafka_last_error(), "cannot create topic handle for '\(name)'")
        }
        self.rkt = rkt
        self.name = name
        self.client = client
    }

    deinit {
        rd_kafka_topic_destroy(rkt)
    }
}
