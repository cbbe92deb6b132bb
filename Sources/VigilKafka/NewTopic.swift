/// A topic to create with ``KafkaAdmin/createTopics(_:timeout:)``.
public struct NewTopic: Sendable {
    /// The topic name.
    public var name: String
    /// The number of partitions.
    public var partitions: Int32
    /// The replication factor (`-1`: the broker default).
    public var replicationFactor: Int32
    /// Topic-level configuration, e.g. `cleanup.policy=compact`.
    public var config: [String: String]

    /// Describes a topic to create.
    public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}
