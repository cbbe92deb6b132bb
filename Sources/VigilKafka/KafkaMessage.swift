/// One consumed Kafka record, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    /// The topic the record was read from.
    public var topic: String
    /// The partition the record was read from.
    public var partition: Int32
    /// The record's offset; commit `offset + 1` to mark it processed.
    public var offset: Int64
    /// The record key; `nil` when the record has no key.
    public var key: [UInt8]?
    /// The record value; `nil` is a tombstone (legal, never an error).
    public var value: [UInt8]?
    /// The record timestamp in milliseconds since the epoch, when the broker supplied one.
    public var timestamp: Int64?
    /// The record headers in wire order; empty when there are none.
    public var headers: [KafkaHeader]

    /// Creates a message (for tests and test drivers; the consumer builds its own).
    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, timestamp: Int64? = nil,
        headers: [KafkaHeader] = []
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
    }
}
