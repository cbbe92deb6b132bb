@testable import VigilCore

// The feature-event encoder as it was before it wrote through a pointer (one JSONByteWriter call per piece): the
// reference the production encoder must match byte for byte (OutputEncodingTests).
extension FeatureEventEncoder {
    /// Writes the feature event of the input event at `source` into `writer`, replacing its contents.
    /// - Parameters:
    ///   - keys: the event's key in each stage (nil where the event has none), in stage order; the first is the
    ///     event's `key`.
    ///   - id: the event's own identifier (e.g. its `txn_id`), if the schema has one.
    ///   - values: one per feature name.
    func referenceEncode(
        keys: [String?], id: String?, timestamp: Int64, source: SourceCoordinates, values: [FeatureValue],
        into writer: inout JSONByteWriter
    ) {
        precondition(values.count == featureNames.count, "one value per feature")
        precondition(keys.count == stageNames.count, "one key per stage")
        writer.bytes.removeAll(keepingCapacity: true)
        writer.raw("{\"v\":2,\"type\":\"features\",\"event_id\":\"")
        writer.stringContents(source.topic)
        writer.raw(":")
        writer.int(Int64(source.partition))
        writer.raw(":")
        writer.int(source.offset)
        writer.raw("\",")
        writer.bytes.append(contentsOf: referenceHeader)
        Self.referenceOptionalString(keys.first ?? nil, into: &writer)
        writer.raw(",\"keys\":{")
        for i in keys.indices {
            writer.bytes.append(contentsOf: Self.memberKeys(stageNames)[i])
            Self.referenceOptionalString(keys[i], into: &writer)
        }
        writer.raw("},")
        if let id {
            writer.key("txn_id")
            writer.string(id)
            writer.raw(",")
        }
        writer.key("ts")
        writer.int(timestamp)
        writer.raw(",\"source\":{")
        writer.key("topic")
        writer.string(source.topic)
        writer.raw(",")
        writer.key("partition")
        writer.int(Int64(source.partition))
        writer.raw(",")
        writer.key("offset")
        writer.int(source.offset)
        writer.raw("},\"features\":{")
        for i in values.indices {
            writer.bytes.append(contentsOf: Self.memberKeys(featureNames)[i])
            writer.value(values[i])
        }
        writer.raw("}}")
    }

    static func referenceOptionalString(_ s: String?, into writer: inout JSONByteWriter) {
        if let s { writer.string(s) } else { writer.raw("null") }
    }

    /// The `"name":` members as the reference builds them.
    var referenceHeader: [UInt8] {
        var w = JSONByteWriter(capacity: 64)
        w.key("topology")
        w.string(topology)
        w.raw(",")
        w.key("key")
        return w.bytes
    }
}
