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

    public init(topology: String, stage: String, featureNames: [String]) {
        self.topology = topology
        self.stage = stage
        self.featureNames = featureNames
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
        writer.key("topology")
        writer.string(topology)
        writer.raw(",")
        writer.key("stage")
        writer.string(stage)
        writer.raw(",")
        writer.key("key")
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
            if i > 0 { writer.raw(",") }
            writer.key(featureNames[i])
            switch values[i] {
            case .int(let v): writer.int(v)
            case .decimal(let units): writer.decimal(units: units)
            }
        }
        writer.raw("}}")
    }
}
