/// One Kafka record header. A `nil` value is a null header value, distinct from an empty one.
public struct KafkaHeader: Sendable, Equatable {
    /// The header name.
    public var key: String
    /// The header value; `nil` is a null value.
    public var value: [UInt8]?

    /// Creates a header.
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
