/// Encodes window events (schema `window` v1, docs/events.md): the result of one tumbling, hopping or session
/// window of one key, written when the watermark closes the window.
///
/// ```json
/// {"v":1,"type":"window","event_id":"fraud-scoring:card:card_session_txn_count:c000123:1767225600000",
///  "topology":"fraud-scoring","stage":"card","feature":"card_session_txn_count","key":"c000123",
///  "window":{"kind":"session","start":1767225600000,"end":1767226500000},"count":4,"value":4}
/// ```
/// The id derives from the topology, stage, feature, key and window start, so a replay writes the same ids.
public struct WindowEventEncoder: Sendable {
    public let topology: String
    public let stage: String

    public init(topology: String, stage: String) {
        self.topology = topology
        self.stage = stage
    }

    /// Writes the event into `writer`, replacing its contents.
    public func encode(
        feature: String, kind: String, key: String, start: Int64, end: Int64, count: Int64, value: FeatureValue,
        into writer: inout JSONByteWriter
    ) {
        writer.bytes.removeAll(keepingCapacity: true)
        writer.raw("{\"v\":1,\"type\":\"window\",\"event_id\":\"")
        writer.stringContents(topology)
        writer.raw(":")
        writer.stringContents(stage)
        writer.raw(":")
        writer.stringContents(feature)
        writer.raw(":")
        writer.stringContents(key)
        writer.raw(":")
        writer.int(start)
        writer.raw("\",")
        writer.key("topology")
        writer.string(topology)
        writer.raw(",")
        writer.key("stage")
        writer.string(stage)
        writer.raw(",")
        writer.key("feature")
        writer.string(feature)
        writer.raw(",")
        writer.key("key")
        writer.string(key)
        writer.raw(",\"window\":{")
        writer.key("kind")
        writer.string(kind)
        writer.raw(",")
        writer.key("start")
        writer.int(start)
        writer.raw(",")
        writer.key("end")
        writer.int(end)
        writer.raw("},")
        writer.key("count")
        writer.int(count)
        writer.raw(",")
        writer.key("value")
        writer.value(value)
        writer.raw("}")
    }
}
