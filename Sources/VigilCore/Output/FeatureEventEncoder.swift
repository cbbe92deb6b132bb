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
    /// The total size of `stageKeys` and of `featureKeys`.
    private let stageKeysBytes: Int
    private let featureKeysBytes: Int

    /// - Parameters:
    ///   - stageNames: the stages, in order; one key per stage is passed to `encode`.
    ///   - featureNames: every per-event feature of every stage, in output order.
    public init(topology: String, stageNames: [String], featureNames: [String]) {
        self.topology = topology
        self.stageNames = stageNames
        self.featureNames = featureNames
        header = FeatureEventEncoder.topologyAndKey(topology)
        stageKeys = Self.memberKeys(stageNames)
        featureKeys = Self.memberKeys(featureNames)
        stageKeysBytes = stageKeys.reduce(0) { $0 + $1.count }
        featureKeysBytes = featureKeys.reduce(0) { $0 + $1.count }
    }

    /// `"topology":"…","key":`, escaped: the start every derived event shares.
    static func topologyAndKey(_ topology: String) -> [UInt8] {
        var w = JSONByteWriter(capacity: 64)
        w.key("topology")
        w.string(topology)
        w.raw(",")
        w.key("key")
        return w.bytes
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
    ///
    /// Sized first, then written through a pointer and appended in one copy (one `JSONByteWriter` call per piece
    /// cost more than the formatting); the bytes are those of the `JSONByteWriter` functions.
    public func encode(
        keys: [String?], id: String?, timestamp: Int64, source: SourceCoordinates, values: [FeatureValue],
        into writer: inout JSONByteWriter
    ) {
        precondition(values.count == featureNames.count, "one value per feature")
        precondition(keys.count == stageNames.count, "one key per stage")
        writer.bytes.removeAll(keepingCapacity: true)
        var bound = Self.literalBound + header.count + stageKeysBytes + featureKeysBytes
        bound += 2 * UnsafeByteWriter.jsonStringBound(source.topic) + 5 * UnsafeByteWriter.jsonIntegerBound
        bound += UnsafeByteWriter.jsonStringBound(keys.first ?? nil)
        for key in keys { bound += UnsafeByteWriter.jsonStringBound(key) }
        bound += UnsafeByteWriter.jsonStringBound(id) + values.count * UnsafeByteWriter.jsonValueBound
        writer.bytes.appendWriting(capacity: bound) { w in
            w.raw("{\"v\":2,\"type\":\"features\",\"event_id\":\"")
            w.jsonStringContents(source.topic)
            w.raw(":")
            w.jsonInt(Int64(source.partition))
            w.raw(":")
            w.jsonInt(source.offset)
            w.raw("\",")
            w.raw(header)
            w.jsonString(keys.first ?? nil)
            w.raw(",\"keys\":{")
            for i in keys.indices {
                w.raw(stageKeys[i])
                w.jsonString(keys[i])
            }
            w.raw("},")
            if let id {
                w.raw("\"txn_id\":")
                w.jsonString(id)
                w.raw(",")
            }
            w.raw("\"ts\":")
            w.jsonInt(timestamp)
            w.raw(",\"source\":{\"topic\":")
            w.jsonString(source.topic)
            w.raw(",\"partition\":")
            w.jsonInt(Int64(source.partition))
            w.raw(",\"offset\":")
            w.jsonInt(source.offset)
            w.raw("},\"features\":{")
            values.withUnsafeBufferPointer { values in
                for i in values.indices {
                    w.raw(featureKeys[i])
                    w.jsonValue(values[i])
                }
            }
            w.raw("}}")
        }
    }

    /// More than the literal punctuation and member names `encode` writes besides the precomputed ones.
    static let literalBound = 160

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
