/// Logical offsets understood by ``KafkaConsumer/assign(_:)``, ``KafkaConsumer/seek(_:to:timeout:)`` and
/// ``RebalanceListener/partitionsAssigned(_:)``.
public enum KafkaOffset {
    /// The oldest offset still in the partition (`RD_KAFKA_OFFSET_BEGINNING`).
    public static let beginning: Int64 = -2
    /// The next offset to be written, i.e. only new messages (`RD_KAFKA_OFFSET_END`).
    public static let end: Int64 = -1
    /// The group's committed offset, else `auto.offset.reset` (`RD_KAFKA_OFFSET_STORED`).
    public static let committed: Int64 = -1000
    /// No offset (`RD_KAFKA_OFFSET_INVALID`).
    public static let invalid: Int64 = -1001
}
