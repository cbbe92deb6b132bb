/// Encodes alert events (schema `alert` v1, docs/events.md): one per input event that matched at least one alert
/// rule of the topology, with every rule it matched and the features that pushed its score most.
///
/// ```json
/// {"v":1,"type":"alert","alert_id":"transactions:3:42","topology":"fraud-scoring","key":"c000123",
///  "keys":{"card":"c000123","merchant":"m0042","device":null},"txn_id":"t000000042","ts":1767225600000,
///  "severity":"critical","rules":["very_high_score"],"reason":"very_high_score: score >= 0.9 (0.9731)",
///  "score":0.9731,"model":"fraud-demo","model_version":"3","decision":"fraud",
///  "top_features":[{"name":"card_txn_count_5m","value":7,"contribution":1.8312}],"contribution_method":"treeshap",
///  "source":{"topic":"transactions","partition":3,"offset":42}}
/// ```
/// One alert per input event at most, so its id is the source coordinates, as for every other derived event.
public struct AlertEventEncoder: Sendable {
    public let topology: String
    public let stageNames: [String]
    private let header: [UInt8]
    private let stageKeys: [[UInt8]]

    public init(topology: String, stageNames: [String]) {
        self.topology = topology
        self.stageNames = stageNames
        header = FeatureEventEncoder.topologyAndKey(topology)
        stageKeys = FeatureEventEncoder.memberKeys(stageNames)
    }

    /// One feature in an alert's explanation.
    public struct Contribution: Sendable, Equatable {
        public var name: String
        public var value: FeatureValue
        /// The feature's share of the score's margin (log-odds for a probability model).
        public var contribution: Double

        public init(name: String, value: FeatureValue, contribution: Double) {
            self.name = name
            self.value = value
            self.contribution = contribution
        }
    }

    /// What an alert says, apart from where its event came from.
    public struct Alert: Sendable, Equatable {
        public var severity: String
        public var rules: [String]
        public var reason: String
        public var prediction: PredictionEventEncoder.Prediction
        public var topFeatures: [Contribution]
        /// `treeshap` (trees: exact SHAP values, as XGBoost's `pred_contribs`) or `linear` (weight × value).
        public var contributionMethod: String

        public init(
            severity: String, rules: [String], reason: String, prediction: PredictionEventEncoder.Prediction,
            topFeatures: [Contribution], contributionMethod: String
        ) {
            self.severity = severity
            self.rules = rules
            self.reason = reason
            self.prediction = prediction
            self.topFeatures = topFeatures
            self.contributionMethod = contributionMethod
        }
    }

    /// Writes the event into `writer`, replacing its contents. `keys`: one per stage, in stage order.
    public func encode(
        keys: [String?], id: String?, timestamp: Int64, source: SourceCoordinates, alert: Alert,
        into writer: inout JSONByteWriter
    ) {
        precondition(keys.count == stageNames.count, "one key per stage")
        writer.bytes.removeAll(keepingCapacity: true)
        writer.raw("{\"v\":1,\"type\":\"alert\",\"alert_id\":\"")
        writer.sourceID(source)
        writer.raw("\",")
        writer.bytes.append(contentsOf: header)
        FeatureEventEncoder.optionalString(keys.first ?? nil, into: &writer)
        writer.raw(",\"keys\":{")
        for i in keys.indices {
            writer.bytes.append(contentsOf: stageKeys[i])
            FeatureEventEncoder.optionalString(keys[i], into: &writer)
        }
        writer.raw("},")
        if let id { writer.member("txn_id", id) }
        writer.member("ts", timestamp)
        writer.member("severity", alert.severity)
        writer.raw("\"rules\":[")
        for (i, rule) in alert.rules.enumerated() {
            if i > 0 { writer.raw(",") }
            writer.string(rule)
        }
        writer.raw("],")
        writer.member("reason", alert.reason)
        writer.member("score", alert.prediction.score)
        writer.member("model", alert.prediction.model)
        writer.member("model_version", alert.prediction.version)
        writer.key("decision")
        writer.string(alert.prediction.decision)
        writer.raw(",\"top_features\":[")
        for (i, c) in alert.topFeatures.enumerated() {
            if i > 0 { writer.raw(",") }
            writer.raw("{")
            writer.member("name", c.name)
            writer.key("value")
            writer.value(c.value)
            writer.raw(",")
            writer.key("contribution")
            writer.double(c.contribution)
            writer.raw("}")
        }
        writer.raw("],")
        writer.member("contribution_method", alert.contributionMethod)
        writer.source(source)
        writer.raw("}")
    }
}
