import Foundation
import VigilCore
import VigilKafka
import VigilModel
import VigilTopology

/// The `score` and `alert` steps of a topology with a `scoring:` section, run by its last stage right after the
/// feature event: one live prediction per event (the champion's, or the challenger's for a key in the canary
/// fraction), the other model's prediction on the shadow topic, and an alert when the live prediction and the
/// event match the topology's rules (docs/topology.md, docs/events.md).
///
/// Not thread-safe: one per task (it reuses buffers); the models come from the shared `ModelRegistry`.
struct ScoringStep {
    let registry: ModelRegistry
    let topology: Topology
    let scoring: Topology.Scoring
    let evaluator: AlertEvaluator
    let predictionEncoder: PredictionEventEncoder
    let alertEncoder: AlertEventEncoder
    /// Keys whose hash (`inCanary`), scaled to [0, 1), is below this take the challenger's decisions (nil: no
    /// canary).
    let canaryFraction: Double?
    var inputs: [Double] = []
    var vector: [Double] = []
    var writer = JSONByteWriter(capacity: 512)
    var keyBytes: [UInt8] = []
    /// The monitor topic, when the topology has a `monitoring:` section: every prediction is also sent there with
    /// the model's inputs (docs/monitoring.md).
    let monitorTopic: String?
    var monitorBuffer: [UInt8] = []

    init(topology: Topology, registry: ModelRegistry) {
        self.registry = registry
        self.topology = topology
        scoring = registry.scoring
        evaluator = AlertEvaluator(rules: scoring.alerts)
        predictionEncoder = PredictionEventEncoder(topology: topology.name)
        alertEncoder = AlertEventEncoder(topology: topology.name, stageNames: topology.stages.map(\.name))
        canaryFraction = scoring.challenger != nil ? scoring.canaryFraction : nil
        monitorTopic = topology.monitoring != nil ? topology.sinks.monitor : nil
    }

    /// Whether `key`'s live decisions come from the challenger: MurmurHash3's finaliser of the FNV-1a 64 hash of
    /// the key's UTF-8 bytes, as a fraction of 2^64, is below `fraction`. A pure function of the key, so a card always
    /// gets the same model, in every process and replay.
    static func inCanary(_ key: String?, fraction: Double) -> Bool {
        guard let key else { return false }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        // FNV-1a alone barely moves its high bits when only the last characters differ (card_0000001,
        // card_0000002 …): MurmurHash3's 64-bit finaliser spreads every input bit over the whole word.
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash = hash &* 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return Double(hash >> 11) / Double(UInt64(1) << 53) < fraction
    }

    /// Scores one event whose features are `values` (in `Topology.featureNames` order) and sends its predictions
    /// and alert.
    mutating func score(
        keys: [String?], id: String?, record: Record, source: SourceCoordinates, sourceTimestamp: Int64?,
        values: [FeatureValue], sink: any RecordSink, counts: inout BatchCounts, trace: [KafkaHeader] = []
    ) throws {
        let models = registry.current
        inputs.removeAll(keepingCapacity: true)
        for v in values { inputs.append(v.modelInput) }
        let key = keys.first ?? nil
        keyBytes.removeAll(keepingCapacity: true)
        if let key { keyBytes.append(contentsOf: key.utf8) }
        var live = models.champion
        var liveRole = "champion"
        var shadow = models.challenger
        if let fraction = canaryFraction, let challenger = models.challenger, Self.inCanary(key, fraction: fraction) {
            live = challenger
            liveRole = "canary"
            shadow = models.champion
        }
        let prediction = predict(live, role: liveRole)
        var monitorCount = 0
        if monitorTopic != nil {
            MonitorRecord.beginEvent(txnID: id, timestamp: record.timestamp, into: &monitorBuffer)
            monitorCount = MonitorRecord.countOffset(monitorBuffer)
            addToMonitor(prediction, model: live, countAt: monitorCount)
        }
        try send(prediction, to: topology.sinks.predictions, key: key, id: id, record: record, source: source,
                 sourceTimestamp: sourceTimestamp, sink: sink, trace: trace)
        counts.record(prediction, role: liveRole)
        // Alerts from the live prediction only (while `vector` still holds the live model's inputs).
        if let match = evaluator.evaluate(score: prediction.score, values: values, record: record) {
            let alert = AlertEventEncoder.Alert(
                severity: match.severity.rawValue, rules: match.rules, reason: match.reason, prediction: prediction,
                topFeatures: topFeatures(live, values: values), contributionMethod: live.contributionMethod)
            alertEncoder.encode(
                keys: keys, id: id, timestamp: record.timestamp, source: source, alert: alert, into: &writer)
            try sink.send(topic: topology.sinks.alerts, key: keyBytes, value: writer.bytes, headers: trace)
            counts.alertsOut += 1
            counts.alertsBySeverity[match.severity.rawValue, default: 0] += 1
        }
        if let shadow {
            let shadowPrediction = predict(shadow, role: "shadow")
            try send(shadowPrediction, to: topology.sinks.shadow, key: key, id: id, record: record, source: source,
                     sourceTimestamp: sourceTimestamp, sink: sink, trace: trace)
            counts.record(shadowPrediction, role: "shadow")
            if monitorTopic != nil { addToMonitor(shadowPrediction, model: shadow, countAt: monitorCount) }
        }
        if let monitorTopic {
            try sink.send(topic: monitorTopic, key: nil, value: monitorBuffer, headers: [])
        }
    }

    private mutating func predict(_ model: ModelRegistry.Loaded, role: String) -> PredictionEventEncoder.Prediction {
        let n = model.assembly.features.count
        if vector.count != n { vector = Array(repeating: 0, count: n) }
        model.assembly.fill(from: inputs, into: &vector)
        let score = model.bundle.model.score(vector)
        return PredictionEventEncoder.Prediction(
            model: model.name, version: model.version, role: role, score: score,
            decision: model.bundle.manifest.thresholds.decide(score).rawValue,
            featuresHash: FeatureVectorHash.fnv1a64(vector))
    }

    /// Adds the prediction, with the inputs in `vector` (filled by `predict` for this model), to the event's monitor
    /// record.
    private mutating func addToMonitor(
        _ prediction: PredictionEventEncoder.Prediction, model: ModelRegistry.Loaded, countAt offset: Int
    ) {
        MonitorRecord.appendPrediction(
            model: prediction.model, version: prediction.version, role: prediction.role, score: prediction.score,
            threshold: model.bundle.manifest.thresholds.decision, inputs: vector, to: &monitorBuffer, countAt: offset)
    }

    private mutating func send(
        _ prediction: PredictionEventEncoder.Prediction, to topic: String, key: String?, id: String?, record: Record,
        source: SourceCoordinates, sourceTimestamp: Int64?, sink: any RecordSink, trace: [KafkaHeader]
    ) throws {
        predictionEncoder.encode(
            key: key, id: id, timestamp: record.timestamp, source: source, prediction: prediction, into: &writer)
        var headers: [KafkaHeader] = trace
        if let sourceTimestamp {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            headers.append(KafkaHeader(key: "vigil.latency_ms", value: Array(String(max(0, now - sourceTimestamp)).utf8)))
        }
        try sink.send(topic: topic, key: keyBytes, value: writer.bytes, headers: headers)
    }

    /// The features with the largest absolute contributions to the live model's margin (the model's own inputs
    /// only), at most `scoring.topFeatures`, ties by manifest order.
    private func topFeatures(_ model: ModelRegistry.Loaded, values: [FeatureValue]) -> [AlertEventEncoder.Contribution] {
        guard scoring.topFeatures > 0 else { return [] }
        let contributions = model.bundle.model.contributions(vector)
        let order = model.assembly.features.indices.sorted {
            let a = abs(contributions[$0]), b = abs(contributions[$1])
            return a != b ? a > b : $0 < $1
        }
        return order.prefix(scoring.topFeatures).map { i in
            AlertEventEncoder.Contribution(
                name: model.assembly.features[i], value: values[model.assembly.sourceIndices[i]],
                contribution: contributions[i])
        }
    }
}
