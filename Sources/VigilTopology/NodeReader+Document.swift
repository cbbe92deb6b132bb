import VigilCore
import Yams

extension NodeReader {
    static let documentKeys = [
        "name", "source", "stages", "sinks", "grace", "idle_timeout", "retention", "distinct_exact_limit",
        "guarantee", "state_dir", "kafka", "scoring", "monitoring",
    ]
    static let sinkKeys = [
        "features", "windows", "dlq", "late", "predictions", "shadow", "alerts", "monitor", "drift", "performance",
        "triggers", "models", "audit",
    ]

    /// The default topic of the sink `key` is `<name>-<suffix>`: the key itself, except for the triggers sink.
    static func defaultSinkSuffix(_ key: String) -> String { key == "triggers" ? "retrain" : key }

    /// The sinks as read: each topic with the node it was written at (nil for a default).
    struct SinkDrafts {
        var topics: [(key: String, topic: String, node: Node?)]

        func topic(_ key: String) -> String { topics.first { $0.key == key }!.topic }
    }

    /// Reads the whole document; nil when any problem was found.
    mutating func topology(_ root: Node) -> Topology? {
        guard let map = mapping(root, path: "") else { return nil }
        checkKeys(map, allowed: Self.documentKeys, path: "")

        var name: String?
        if let text = requiredString(map, "name", path: "",
                                     hint: "a short name such as fraud-scoring; it names the consumer group and output topics"),
           let node = map["name"] {
            if Self.isTopicName(text, maxLength: 200) {
                name = text
            } else {
                report(node, "name", .invalidName, "\"\(text)\" is not a valid name",
                       hint: "use letters, digits, '.', '_' and '-' only, at most 200 characters (it becomes part of Kafka topic names)")
            }
        }

        var source: SourceDraft?
        if let node = map["source"] {
            source = self.source(node)
        } else {
            reportMissing(map, "source", path: "", hint: "source:\n  topic: transactions\n  partitions: 8")
        }

        var stages: [StageDraft] = []
        if let node = map["stages"] {
            if let seq = sequence(node, path: "stages") {
                if seq.isEmpty {
                    report(node, "stages", .emptyList, "a topology needs at least one stage",
                           hint: "stages:\n  - name: card\n    key: card_id\n    features: [...]")
                }
                for (i, stageNode) in seq.enumerated() {
                    if let stage = stage(stageNode, path: "stages[\(i)]", schema: source?.schema) { stages.append(stage) }
                }
            }
        } else {
            reportMissing(map, "stages", path: "", hint: "stages:\n  - name: card\n    key: card_id\n    features: [...]")
        }

        let sinks = self.sinks(map, appName: name ?? "vigil")
        var grace: Int64 = 10 * 60_000
        if let node = map["grace"], let g = duration(node, path: "grace", allowZero: true) { grace = g }
        let idleTimeout = map["idle_timeout"].flatMap { duration($0, path: "idle_timeout") }
        let retention = map["retention"].flatMap { duration($0, path: "retention") }
        var distinctLimit = 1000
        if let node = map["distinct_exact_limit"],
           let n = integer(node, path: "distinct_exact_limit", range: 1...1_000_000) {
            distinctLimit = n
        }
        var guarantee = Topology.Guarantee.atLeastOnce
        if let node = map["guarantee"], let text = scalarString(node, path: "guarantee") {
            let names = Topology.Guarantee.allCases.map(\.rawValue)
            if let g = Topology.Guarantee(rawValue: text) {
                guarantee = g
            } else {
                report(node, "guarantee", .invalidValue, "unknown guarantee \"\(text)\"",
                       hint: "one of: \(names.joined(separator: ", "))\(suggestion(text, names))")
            }
        }
        let stateDir = optionalString(map, "state_dir", path: "") ?? "state"
        let kafka = self.kafka(map)

        checkStages(stages)
        checkFeatures(stages, retention: retention, retentionNode: map["retention"])
        var scoring: ScoringDraft?
        if let node = map["scoring"], let key = Self.key("scoring", in: map) {
            scoring = self.scoring(node, keyNode: key, stages: stages, schema: source?.schema)
        }
        var monitoring: MonitoringDraft?
        if let node = map["monitoring"], let key = Self.key("monitoring", in: map) {
            monitoring = self.monitoring(node, keyNode: key, hasScoring: map["scoring"] != nil)
        }
        if let name, let source {
            checkTopics(name: name, nameNode: map["name"]!, source: source, stages: stages, sinks: sinks, scoring: scoring,
                        monitoring: monitoring)
        }

        guard issues.isEmpty, let name, let source, let topic = source.topic, let schema = source.schema else {
            return nil
        }
        var built: [Topology.Stage] = []
        for (i, s) in stages.enumerated() {
            guard let stageName = s.name, let key = s.key, let keyField = s.keyField else { return nil }
            let features = s.features.compactMap(\.spec)
            guard features.count == s.features.count else { return nil }
            built.append(Topology.Stage(
                name: stageName, key: key, keyField: keyField, features: features,
                inputTopic: i == 0 ? topic : Self.repartitionTopic(name, stageName), line: s.line))
        }
        guard !built.isEmpty, scoring == nil || scoring?.scoring != nil,
              monitoring == nil || monitoring?.monitoring != nil
        else { return nil }
        return Topology(
            name: name, source: .init(topic: topic, partitions: source.partitions, schema: schema), stages: built,
            sinks: .init(features: sinks.topic("features"), windows: sinks.topic("windows"),
                         deadLetter: sinks.topic("dlq"), late: sinks.topic("late"),
                         predictions: sinks.topic("predictions"), shadow: sinks.topic("shadow"),
                         alerts: sinks.topic("alerts"), monitor: sinks.topic("monitor"), drift: sinks.topic("drift"),
                         performance: sinks.topic("performance"), triggers: sinks.topic("triggers"),
                         models: sinks.topic("models"), audit: sinks.topic("audit")),
            graceMillis: grace, idleTimeoutMillis: idleTimeout, retentionMillis: retention,
            distinctExactLimit: distinctLimit, guarantee: guarantee, stateDirectory: stateDir, kafka: kafka, file: file,
            scoring: scoring?.scoring, monitoring: monitoring?.monitoring)
    }

    static func repartitionTopic(_ app: String, _ stage: String) -> String { "\(app)-\(stage)-repartition" }

    mutating func sinks(_ map: Node.Mapping, appName: String) -> SinkDrafts {
        var drafts = SinkDrafts(topics: Self.sinkKeys.map { (key: $0, topic: "\(appName)-\(Self.defaultSinkSuffix($0))", node: nil) })
        guard let node = map["sinks"], let sinkMap = mapping(node, path: "sinks") else { return drafts }
        checkKeys(sinkMap, allowed: Self.sinkKeys, path: "sinks")
        for (i, key) in Self.sinkKeys.enumerated() {
            guard let vnode = sinkMap[key], let topic = scalarString(vnode, path: "sinks.\(key)") else { continue }
            if Self.isTopicName(topic) {
                drafts.topics[i] = (key: key, topic: topic, node: vnode)
            } else {
                report(vnode, "sinks.\(key)", .invalidName, "\"\(topic)\" is not a valid Kafka topic name",
                       hint: "use letters, digits, '.', '_' and '-' only, at most 249 characters")
            }
        }
        return drafts
    }

    mutating func kafka(_ map: Node.Mapping) -> [String: String] {
        var kafka: [String: String] = [:]
        guard let node = map["kafka"], let kafkaMap = mapping(node, path: "kafka") else { return kafka }
        for (k, v) in kafkaMap {
            guard let key = k.scalar?.string, let value = v.scalar?.string else {
                report(v, "kafka", .wrongType, "librdkafka properties are plain key: value pairs",
                       hint: "e.g. linger.ms: \"5\"")
                continue
            }
            kafka[key] = value
        }
        return kafka
    }
}
