/// Receives consumer-group partition assignment changes.
///
/// Both methods are called on the consumer's owner thread, from inside ``KafkaConsumer/poll(maxMessages:timeout:)``
/// (or ``KafkaConsumer/close()``), by librdkafka's rebalance callback.
public protocol RebalanceListener: AnyObject {
    /// Return the offset (next offset to read) to start each newly assigned partition from; a partition missing from
    /// the result starts at ``KafkaOffset/committed`` (the group's committed offset, else `auto.offset.reset`).
    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64]
    /// Partitions are being revoked (or lost): flush and close their work before this returns.
    func partitionsRevoked(_ partitions: [TopicPartition])
}
