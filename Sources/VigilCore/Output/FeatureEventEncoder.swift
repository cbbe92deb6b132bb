/// Encodes feature events (schema `features` v2, docs/events.md): one per input event, written by the last stage
/// of a topology, carrying the features of every stage.
///
/// ```json
/// {"v":2,"type":"features","event_id":"transactions:3:42","topology":"fraud-scoring","key":"c000123",
///  "keys":{"card":"c000123","merchant":"m0042","device":null},"txn_id":"t000000042","ts":1767225600000,
///  "source":{"topic":"transactions","partition":3,"offset":42},
///  "features":{"card_txn_count_1h":3,"card_amount_sum_1h":123.45,"merchant_avg_ticket_24h":41.2}}
/// ```
/// The encoding is deterministic: the same input and topology give the same bytes.
public struct FeatureEventEncoder: Sendable {
    public let topology: String
    public let stageNames: [String]
    public let featureNames: [String]

    /// `"topology":"…","key":`, escaped once.
    private let header: [UInt8]
    /// `"stage":` of each stage (with a leading comma after the first), escaped once.
    private let stageKeys: [[UInt8]]
    /// `"name":` of each feature (with a leading comma after the first), escaped once.
    private let featureKeys: [[UInt8]]

    /// - Parameters:
    ///   - stageNames: the stages, in order; one key per stage is passed to `encode`.
    ///   - featureNames: every per-event feature of every stage, in output order.
    public init(topology: String, stageNames: [String], featureNames: [String]) {
        self.topology = topology
        self.stageNames = stageNames
        self.featureNames = featureNames
        var w = JSONByteWriter(capacity: 64)
        w.key("topology")
        w.string(topology)
        w.raw(",")
        w.key("key")
        header = w.bytes
        stageKeys = Self.memberKeys(stageNames)
        featureKeys = Self.memberKeys(featureNames)
    }

    static func memberKeys(_ names: [String]) -> [[UInt8]] {
        names.enumerated().map { i, name in
            var k = JSONByteWriter(capacity: 32)
            if i > 0 { k.raw(",") }
            k.key(name)
            return k.bytes
        }
    }

    /// Writes the feature event of the input event at `source` into `writer`, replacing its contents.
    /// - Parameters:
    ///   - keys: the event's key in each stage (nil where the event has none), in stage order; the first is the
    ///     event's `key`.
    ///   - id: the event's own identifier (e.g. its `txn_id`), if the schema has one.
    ///   - values: one per feature name.
    public func encode(
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
        writer.bytes.append(contentsOf: header)
        Self.optionalString(keys.first ?? nil, into: &writer)
        writer.raw(",\"keys\":{")
        for i in keys.indices {
            writer.bytes.append(contentsOf: stageKeys[i])
            Self.optionalString(keys[i], into: &writer)
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
            writer.bytes.append(contentsOf: featureKeys[i])
            writer.value(values[i])
        }
        writer.raw("}}")
    }

    static func optionalString(_ s: String?, into writer: inout JSONByteWriter) {
        if let s { writer.string(s) } else { writer.raw("null") }
    }
}

extension JSONByteWriter {
    /// Appends a feature value: integers, decimals with at most four fractional digits, shortest round-trip doubles,
    /// `null` for missing and non-finite values.
    public mutating func value(_ value: FeatureValue) {
        switch value {
        case .int(let v): int(v)
        case .decimal(let units): decimal(units: units)
        case .double(let d): double(d)
        case .missing: raw("null")
        }
    }
}
