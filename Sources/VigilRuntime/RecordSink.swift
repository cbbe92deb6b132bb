public import VigilKafka

/// Where a task's output records go: a Kafka producer when live, memory in the test driver.
///
/// `send` may buffer; `flush` returns only when every record sent so far is durably delivered, or throws. The
/// runtime flushes before it commits state and offsets, so a record is never covered by a commit before it is
/// delivered (invariant 3: at-least-once, identical on redelivery).
public protocol RecordSink: AnyObject {
    func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) throws
    func flush() throws
}

/// The live sink: an idempotent Kafka producer.
public final class ProducerSink: RecordSink {
    public let producer: KafkaProducer
    let flushTimeout: Duration

    /// - Parameter flushTimeout: longer than librdkafka's default `message.timeout.ms` (300 s), so that a broker
    ///   outage is retried by the producer rather than failing the run early.
    public init(producer: KafkaProducer, flushTimeout: Duration = .seconds(330)) {
        self.producer = producer
        self.flushTimeout = flushTimeout
    }

    public func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) throws {
        try producer.send(topic: topic, key: key, value: value, headers: headers)
    }

    public func flush() throws {
        try producer.flush(timeout: flushTimeout)
    }
}
