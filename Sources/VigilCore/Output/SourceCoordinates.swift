/// Where an input event came from: its topic, partition and offset. Output event ids derive from these, never from
/// clocks or random numbers, so a replay of the same log produces the same ids.
public struct SourceCoordinates: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// `topic:partition:offset`, the id of every event derived from this input.
    public var description: String { "\(topic):\(partition):\(offset)" }
}
