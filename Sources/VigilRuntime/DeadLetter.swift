public import VigilCore
public import VigilKafka

/// Dead-letter records: the original key and value bytes, untouched, with the reason and the source coordinates in
/// headers (docs/events.md, "dead-letter record").
public enum DeadLetter {
    public static let reasonHeader = "vigil.error.reason"
    public static let kindHeader = "vigil.error.kind"
    public static let topicHeader = "vigil.source.topic"
    public static let partitionHeader = "vigil.source.partition"
    public static let offsetHeader = "vigil.source.offset"
    public static let topologyHeader = "vigil.topology"
    public static let stageHeader = "vigil.stage"
    /// Present when the record's value was cut to its first kilobyte because the producer refused it whole: the
    /// original size in bytes (the whole record is still at its source coordinates).
    public static let truncatedHeader = "vigil.error.truncated"

    /// The headers of a dead-letter record.
    public static func headers(
        kind: String, reason: String, source: SourceCoordinates, topology: String, stage: String
    ) -> [KafkaHeader] {
        [
            KafkaHeader(key: kindHeader, value: Array(kind.utf8)),
            KafkaHeader(key: reasonHeader, value: Array(reason.utf8)),
            KafkaHeader(key: topicHeader, value: Array(source.topic.utf8)),
            KafkaHeader(key: partitionHeader, value: Array(String(source.partition).utf8)),
            KafkaHeader(key: offsetHeader, value: Array(String(source.offset).utf8)),
            KafkaHeader(key: topologyHeader, value: Array(topology.utf8)),
            KafkaHeader(key: stageHeader, value: Array(stage.utf8)),
        ]
    }
}
