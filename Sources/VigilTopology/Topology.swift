public import VigilCore

/// A validated topology: what `vigil run` executes. Built only by `TopologyLoader`, so every instance has passed
/// validation.
public struct Topology: Sendable, Equatable {
    /// The application name: the consumer group id and the prefix of the topics Vigil owns.
    public var name: String
    /// The input.
    public var source: Source
    /// The chain of stages (this release runs exactly one).
    public var stages: [Stage]
    /// Output topics.
    public var sinks: Sinks
    /// Where task state lives: `<stateDirectory>/<name>/<topic>-<partition>/`.
    public var stateDirectory: String
    /// How far behind a key's newest event an out-of-order event may be and still see complete windows.
    public var graceMillis: Int64
    /// The processing guarantee.
    public var guarantee: Guarantee
    /// librdkafka properties passed through to every client (e.g. `security.protocol`).
    public var kafka: [String: String]
    /// The file the topology came from (for messages).
    public var file: String

    public struct Source: Sendable, Equatable {
        public var topic: String
        /// Partitions to create when Vigil creates the topic (dev-broker, `--embedded`).
        public var partitions: Int32
    }

    public struct Stage: Sendable, Equatable {
        public var name: String
        public var key: EntityKey
        public var features: [FeatureSpec]
    }

    public struct Sinks: Sendable, Equatable {
        public var features: String
        public var deadLetter: String
    }

    public enum Guarantee: String, Sendable, Equatable, CaseIterable {
        case atLeastOnce = "at_least_once"
        case exactlyOnce = "exactly_once"
    }

    /// Every topic the topology reads or writes, with the partition count to create it with.
    public var topics: [(name: String, partitions: Int32)] {
        [(source.topic, source.partitions), (sinks.features, source.partitions), (sinks.deadLetter, 1)]
    }
}
