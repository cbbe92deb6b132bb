/// Encodes feature events (schema `features` v1, docs/events.md).
///
/// ```json
/// {"v":1,"type":"features","event_id":"transactions:3:42","topology":"card-velocity","stage":"card",
///  "key":"c000123","txn_id":"t000000042","ts":1767225600000,
///  "source":{"topic":"transactions","partition":3,"offset":42},
///  "features":{"card_txn_count_1h":3,"card_amount_sum_1h":123.45}}
/// ```
/// The encoding is deterministic: the same input and topology give the same bytes.
public struct FeatureEventEncoder: Sendable {
    public let topology: String
    public let stage: String
    public let featureNames: [String]

    /// `"topology":"…","stage":"…","key":`, escaped once.
    private let header: [UInt8]
    /// `"name":` of each feature (with a leading comma after the first), escaped once.
    private let featureKeys: [[UInt8]]

    public init(topology: String, stage: String, featureNames: [String]) {
        self.topology = topology
        self.stage = stage
        self.featureNames = featureNames
        var w = JSONByteWriter(capacity: 64)
        w.key("topology")
        w.string(topology)
        w.raw(",")
        w.key("stage")
        w.string(stage)
        w.raw(",")
        w.key("key")
        header = w.bytes
        featureKeys = featureNames.enumerated().map { i, name in
            var k = JSONByteWriter(capacity: 32)
            if i > 0 { k.raw(",") }
            k.key(name)
            return k.bytes
        }
    }

    /// Writes the feature event for `transaction` (keyed by `key`) into `writer`, replacing its contents.
    public func encode(
        key: String, transaction: Transaction, source: SourceCoordinates, values: [FeatureValue],
        into writer: inout JSONByteWriter
    ) {
        precondition(values.count == featureNames.count, "one value per feature")
        writer.bytes.removeAll(keepingCapacity: true)
        writer.raw("{\"v\":1,\"type\":\"features\",\"event_id\":\"")
        writer.stringContents(source.topic)
        writer.raw(":")
        writer.int(Int64(source.partition))
        writer.raw(":")
        writer.int(source.offset)
        writer.raw("\",")
        writer.bytes.append(contentsOf: header)
        writer.string(key)
        writer.raw(",")
        writer.key("txn_id")
        writer.string(transaction.txnID)
        writer.raw(",")
        writer.key("ts")
        writer.int(transaction.timestamp)
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
            switch values[i] {
            case .int(let v): writer.int(v)
            case .decimal(let units): writer.decimal(units: units)
            case .double(let d): writer.double(d)
            case .missing: writer.raw("null")
            }
        }
        writer.raw("}}")
    }
}
