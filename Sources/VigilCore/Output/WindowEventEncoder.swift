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

    /// The parts of one feature's window events that do not change from event to event, escaped once.
    public struct Fragments: Sendable {
        /// `{"v":1,"type":"window","event_id":"<topology>:<stage>:<feature>:`
        let idPrefix: [UInt8]
        /// `","topology":"…","stage":"…","feature":"…","key":`
        let members: [UInt8]
        /// `,"window":{"kind":"…","start":`
        let kind: [UInt8]
    }

    /// The constant parts of the window events of `feature` (of the window kind `kind`), for
    /// ``encode(_:key:start:end:count:value:into:)``.
    public func fragments(feature: String, kind: String) -> Fragments {
        var w = JSONByteWriter(capacity: 128)
        w.raw("{\"v\":1,\"type\":\"window\",\"event_id\":\"")
        w.stringContents(topology)
        w.raw(":")
        w.stringContents(stage)
        w.raw(":")
        w.stringContents(feature)
        w.raw(":")
        let idPrefix = w.bytes
        w.bytes.removeAll(keepingCapacity: true)
        w.raw("\",")
        w.key("topology")
        w.string(topology)
        w.raw(",")
        w.key("stage")
        w.string(stage)
        w.raw(",")
        w.key("feature")
        w.string(feature)
        w.raw(",")
        w.key("key")
        let members = w.bytes
        w.bytes.removeAll(keepingCapacity: true)
        w.raw(",\"window\":{")
        w.key("kind")
        w.string(kind)
        w.raw(",")
        w.key("start")
        return Fragments(idPrefix: idPrefix, members: members, kind: w.bytes)
    }

    /// Writes the event into `writer`, replacing its contents.
    public func encode(
        feature: String, kind: String, key: String, start: Int64, end: Int64, count: Int64, value: FeatureValue,
        into writer: inout JSONByteWriter
    ) {
        encode(
            fragments(feature: feature, kind: kind), key: key, start: start, end: end, count: count, value: value,
            into: &writer)
    }

    /// Writes the event of a feature whose constant parts are `fragments` into `writer`, replacing its contents:
    /// the same bytes as ``encode(feature:kind:key:start:end:count:value:into:)``, without escaping the topology,
    /// stage, feature and kind names again for every window.
    public func encode(
        _ fragments: Fragments, key: String, start: Int64, end: Int64, count: Int64, value: FeatureValue,
        into writer: inout JSONByteWriter
    ) {
        writer.bytes.removeAll(keepingCapacity: true)
        writer.bytes.append(contentsOf: fragments.idPrefix)
        writer.stringContents(key)
        writer.raw(":")
        writer.int(start)
        writer.bytes.append(contentsOf: fragments.members)
        writer.string(key)
        writer.bytes.append(contentsOf: fragments.kind)
        writer.int(start)
        writer.raw(",\"end\":")
        writer.int(end)
        writer.raw("},\"count\":")
        writer.int(count)
        writer.raw(",\"value\":")
        writer.value(value)
        writer.raw("}")
    }
}
