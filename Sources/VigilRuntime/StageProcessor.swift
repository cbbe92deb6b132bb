import VigilCore
import VigilKafka
public import VigilTopology

/// Turns one input record into its outputs: decode → key → window features → feature event, or a dead-letter
/// record for input that cannot be decoded.
///
/// The one code path for live processing, replay, backfill and the test driver: it does not know which of them
/// calls it. Not thread-safe: one per task (it reuses buffers).
public struct StageProcessor {
    public let topology: Topology
    public let stage: Topology.Stage
    let aggregator: TrailingWindowAggregator
    let encoder: FeatureEventEncoder
    var values: [FeatureValue] = []
    var writer = JSONByteWriter(capacity: 512)
    var keyBytes: [UInt8] = []

    public init(topology: Topology) {
        self.topology = topology
        self.stage = topology.stages[0]
        aggregator = TrailingWindowAggregator(features: stage.features, graceMillis: topology.graceMillis)
        encoder = FeatureEventEncoder(topology: topology.name, stage: stage.name, featureNames: stage.features.map(\.name))
    }

    /// Identifies the state layout this stage needs; a store built by another definition is refused.
    public static func fingerprint(of topology: Topology) -> String {
        let stage = topology.stages[0]
        let features = stage.features.map { f -> String in
            let agg = switch f.aggregation {
            case .count: "count"
            case .sum(let field): "sum(\(field.rawValue))"
            }
            return "\(f.name)=\(agg)/\(f.windowMillis)/\(f.includeCurrent ? 1 : 0)"
        }
        return "v1 stage=\(stage.name) key=\(stage.key.rawValue) grace=\(topology.graceMillis) [\(features.joined(separator: ","))]"
    }

    /// Processes one record, sending its output to `sink`, and returns what it did.
    mutating func process(
        _ message: KafkaMessage, state: PartitionStore, sink: any RecordSink, counts: inout BatchCounts
    ) throws {
        let source = SourceCoordinates(topic: message.topic, partition: message.partition, offset: message.offset)
        counts.eventsIn += 1
        guard let value = message.value else {
            try deadLetter(message, source: source, kind: "empty", reason: "the record has no value (a tombstone)", sink: sink)
            counts.deadLettered += 1
            return
        }
        let transaction: Transaction
        do {
            transaction = try TransactionCodec.decode(value)
        } catch let error {
            try deadLetter(message, source: source, kind: "\(error.kind)", reason: error.reason, sink: sink)
            counts.deadLettered += 1
            return
        }
        guard let key = stage.key.value(of: transaction) else {
            counts.skipped += 1
            return
        }
        let outcome = try state.withState(of: key) { keyState in
            aggregator.apply(transaction, state: &keyState, into: &values)
        }
        if case .late(let behind) = outcome {
            let reason = "late event: \(behind) ms behind the newest event of key \"\(key)\", beyond the grace period of \(topology.graceMillis) ms"
            try deadLetter(message, source: source, kind: "late", reason: reason, sink: sink)
            counts.deadLettered += 1
            counts.late += 1
            return
        }
        encoder.encode(key: key, transaction: transaction, source: source, values: values, into: &writer)
        keyBytes.removeAll(keepingCapacity: true)
        keyBytes.append(contentsOf: key.utf8)
        try sink.send(topic: topology.sinks.features, key: keyBytes, value: writer.bytes, headers: [])
        counts.featuresOut += 1
    }

    private func deadLetter(
        _ message: KafkaMessage, source: SourceCoordinates, kind: String, reason: String, sink: any RecordSink
    ) throws {
        let headers = DeadLetter.headers(kind: kind, reason: reason, source: source, topology: topology.name, stage: stage.name)
        try sink.send(topic: topology.sinks.deadLetter, key: message.key, value: message.value, headers: headers)
    }
}
