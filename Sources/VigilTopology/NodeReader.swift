import VigilCore
import Yams

/// Walks a composed YAML tree into a `Topology`, collecting every problem instead of stopping at the first.
struct NodeReader {
    let file: String
    var issues: [TopologyIssue] = []

    init(file: String) { self.file = file }

    // MARK: - The document

    mutating func topology(_ root: Node) -> Topology? {
        guard let map = mapping(root, path: "") else { return nil }
        let keys = ["name", "source", "stages", "sinks", "state_dir", "grace", "guarantee", "kafka"]
        checkKeys(map, allowed: keys, path: "")
        let name = requiredString(map, "name", path: "", hint: "a short name such as card-velocity; it names the consumer group and output topics")
        if let name, let node = map["name"], !isValidName(name) {
            report(node, "name", "\"\(name)\" is not a valid name", hint: "use letters, digits, '.', '_' and '-' only (it becomes part of Kafka topic names)")
        }
        let source = map["source"].flatMap { self.source($0) }
        if map["source"] == nil { reportMissing(map, "source", hint: "source:\n  topic: transactions\n  partitions: 4") }
        var stages: [Topology.Stage] = []
        if let node = map["stages"] {
            if let seq = sequence(node, path: "stages") {
                for (i, stageNode) in seq.enumerated() {
                    if let stage = stage(stageNode, path: "stages[\(i)]") { stages.append(stage) }
                }
                if seq.isEmpty { report(node, "stages", "a topology needs one stage", hint: "see docs/topology.md") }
                if seq.count > 1 {
                    report(node, "stages", "this release runs exactly one stage, found \(seq.count)",
                           hint: "chains of stages with repartition topics arrive with the feature engine")
                }
            }
        } else {
            reportMissing(map, "stages", hint: "stages:\n  - name: card\n    key: card_id\n    features: [...]")
        }
        let appName = name ?? "vigil"
        var sinks = Topology.Sinks(features: "\(appName)-features", deadLetter: "\(appName)-dlq")
        if let node = map["sinks"], let sinkMap = mapping(node, path: "sinks") {
            checkKeys(sinkMap, allowed: ["features", "dlq"], path: "sinks")
            if let v = optionalString(sinkMap, "features", path: "sinks") { sinks.features = v }
            if let v = optionalString(sinkMap, "dlq", path: "sinks") { sinks.deadLetter = v }
        }
        let stateDir = optionalString(map, "state_dir", path: "") ?? "state"
        var grace: Int64 = 10 * 60_000
        if let node = map["grace"], let g = duration(node, path: "grace") { grace = g }
        var guarantee = Topology.Guarantee.atLeastOnce
        if let node = map["guarantee"], let text = scalarString(node, path: "guarantee") {
            if let g = Topology.Guarantee(rawValue: text) {
                guarantee = g
            } else {
                report(node, "guarantee", "unknown guarantee \"\(text)\"",
                       hint: "one of: \(Topology.Guarantee.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var kafka: [String: String] = [:]
        if let node = map["kafka"], let kafkaMap = mapping(node, path: "kafka") {
            for (k, v) in kafkaMap {
                guard let key = k.scalar?.string, let value = v.scalar?.string else {
                    report(v, "kafka", "librdkafka properties are plain key: value pairs", hint: "e.g. linger.ms: 5")
                    continue
                }
                kafka[key] = value
            }
        }
        if let source {
            for (field, topic) in [("sinks.features", sinks.features), ("sinks.dlq", sinks.deadLetter)]
            where topic == source.topic {
                report(map["sinks"] ?? root, field, "writes to the input topic \"\(topic)\"",
                       hint: "an output topic must differ from the source topic, or the topology would read its own output")
            }
        }
        guard let name, let source, stages.count == 1, issues.isEmpty else { return nil }
        return Topology(name: name, source: source, stages: stages, sinks: sinks, stateDirectory: stateDir,
                        graceMillis: grace, guarantee: guarantee, kafka: kafka, file: file)
    }

    mutating func source(_ node: Node) -> Topology.Source? {
        guard let map = mapping(node, path: "source") else { return nil }
        checkKeys(map, allowed: ["topic", "partitions", "format"], path: "source")
        let topic = requiredString(map, "topic", path: "source", hint: "the input topic, e.g. transactions")
        var partitions: Int32 = 4
        if let p = map["partitions"] {
            if let text = scalarString(p, path: "source.partitions"), let n = Int32(text), n > 0, n <= 10_000 {
                partitions = n
            } else {
                report(p, "source.partitions", "must be a whole number from 1 to 10000", hint: nil)
            }
        }
        if let f = map["format"], let text = scalarString(f, path: "source.format"), text != "transaction-json-v1" {
            report(f, "source.format", "unknown format \"\(text)\"", hint: "this release reads transaction-json-v1 (docs/events.md)")
        }
        guard let topic else { return nil }
        return Topology.Source(topic: topic, partitions: partitions)
    }

    mutating func stage(_ node: Node, path: String) -> Topology.Stage? {
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: ["name", "key", "features"], path: path)
        let name = requiredString(map, "name", path: path, hint: "e.g. card")
        var key: EntityKey?
        if let keyNode = map["key"], let text = scalarString(keyNode, path: "\(path).key") {
            key = EntityKey(rawValue: text)
            if key == nil {
                report(keyNode, "\(path).key", "unknown key field \"\(text)\"",
                       hint: "one of: \(EntityKey.allCases.map(\.rawValue).joined(separator: ", "))\(suggestion(text, EntityKey.allCases.map(\.rawValue)))")
            }
        } else if map["key"] == nil {
            reportMissing(map, "key", path: path, hint: "the entity this stage is keyed by, e.g. key: card_id")
        }
        var features: [FeatureSpec] = []
        if let fnode = map["features"], let seq = sequence(fnode, path: "\(path).features") {
            var seen: [String: Node] = [:]
            for (i, f) in seq.enumerated() {
                let fpath = "\(path).features[\(i)]"
                guard let spec = feature(f, path: fpath) else { continue }
                if seen[spec.name] != nil {
                    report(f, "\(fpath).name", "duplicate feature name \"\(spec.name)\"",
                           hint: "feature names must be unique; they are the columns models see")
                }
                seen[spec.name] = f
                features.append(spec)
            }
            if seq.isEmpty { report(fnode, "\(path).features", "a stage needs at least one feature", hint: nil) }
        } else if map["features"] == nil {
            reportMissing(map, "features", path: path, hint: "features:\n  - name: card_txn_count_1h\n    aggregation: count\n    window: 1h")
        }
        guard let name, let key else { return nil }
        return Topology.Stage(name: name, key: key, features: features)
    }

    mutating func feature(_ node: Node, path: String) -> FeatureSpec? {
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: ["name", "aggregation", "field", "window", "include_current"], path: path)
        let name = requiredString(map, "name", path: path, hint: "e.g. card_txn_count_1h")
        if let name, let n = map["name"], !isValidName(name) {
            report(n, "\(path).name", "\"\(name)\" is not a valid feature name", hint: "use letters, digits and '_'")
        }
        var aggregation: Aggregation?
        let aggregations = ["count", "sum"]
        if let a = map["aggregation"], let text = scalarString(a, path: "\(path).aggregation") {
            switch text {
            case "count":
                aggregation = .count
                if let f = map["field"] {
                    report(f, "\(path).field", "count takes no field", hint: "remove the field, or use aggregation: sum")
                }
            case "sum":
                if let f = map["field"], let fieldText = scalarString(f, path: "\(path).field") {
                    if let field = NumericField(rawValue: fieldText) {
                        aggregation = .sum(field)
                    } else {
                        report(f, "\(path).field", "\"\(fieldText)\" is not a numeric field of the transaction",
                               hint: "numeric fields: \(NumericField.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                } else if map["field"] == nil {
                    reportMissing(map, "field", path: path, hint: "sum needs the field to add, e.g. field: amount")
                }
            default:
                report(a, "\(path).aggregation", "unknown aggregation \"\(text)\"",
                       hint: "one of: \(aggregations.joined(separator: ", "))\(suggestion(text, aggregations))")
            }
        } else if map["aggregation"] == nil {
            reportMissing(map, "aggregation", path: path, hint: "one of: \(aggregations.joined(separator: ", "))")
        }
        var window: Int64?
        if let w = map["window"] {
            window = duration(w, path: "\(path).window")
            if let v = window, v == 0 {
                report(w, "\(path).window", "a window must be longer than zero", hint: nil)
                window = nil
            }
        } else {
            reportMissing(map, "window", path: path, hint: "a trailing event-time window such as 5m, 1h or 24h")
        }
        var includeCurrent = false
        if let node = map["include_current"], let text = scalarString(node, path: "\(path).include_current") {
            switch text {
            case "true": includeCurrent = true
            case "false": includeCurrent = false
            default: report(node, "\(path).include_current", "must be true or false", hint: nil)
            }
        }
        guard let name, let aggregation, let window else { return nil }
        return FeatureSpec(name: name, aggregation: aggregation, windowMillis: window, includeCurrent: includeCurrent)
    }

    // MARK: - Helpers

    mutating func mapping(_ node: Node, path: String) -> Node.Mapping? {
        if let m = node.mapping { return m }
        report(node, path.isEmpty ? "(document)" : path, "expected a mapping (key: value lines), found \(kind(node))", hint: nil)
        return nil
    }

    mutating func sequence(_ node: Node, path: String) -> Node.Sequence? {
        if let s = node.sequence { return s }
        report(node, path, "expected a list (lines starting with '- '), found \(kind(node))", hint: nil)
        return nil
    }

    mutating func scalarString(_ node: Node, path: String) -> String? {
        if let s = node.scalar?.string { return s }
        report(node, path, "expected a single value, found \(kind(node))", hint: nil)
        return nil
    }

    mutating func requiredString(_ map: Node.Mapping, _ key: String, path: String, hint: String) -> String? {
        guard let node = map[key] else {
            reportMissing(map, key, path: path, hint: hint)
            return nil
        }
        guard let s = scalarString(node, path: join(path, key)) else { return nil }
        if s.isEmpty {
            report(node, join(path, key), "must not be empty", hint: hint)
            return nil
        }
        return s
    }

    mutating func optionalString(_ map: Node.Mapping, _ key: String, path: String) -> String? {
        guard let node = map[key] else { return nil }
        return scalarString(node, path: join(path, key))
    }

    mutating func duration(_ node: Node, path: String) -> Int64? {
        guard let text = scalarString(node, path: path) else { return nil }
        if let ms = DurationParser.milliseconds(text) { return ms }
        report(node, path, "\"\(text)\" is not a duration", hint: "a whole number and a unit: 500ms, 30s, 5m, 1h, 7d")
        return nil
    }

    mutating func checkKeys(_ map: Node.Mapping, allowed: [String], path: String) {
        for (k, _) in map {
            guard let key = k.scalar?.string else {
                report(k, path, "keys must be plain names", hint: nil)
                continue
            }
            if !allowed.contains(key) {
                report(k, join(path, key), "unknown field \"\(key)\"",
                       hint: "allowed here: \(allowed.joined(separator: ", "))\(suggestion(key, allowed))")
            }
        }
    }

    mutating func reportMissing(_ map: Node.Mapping, _ key: String, path: String = "", hint: String) {
        let mark = map.mark
        issues.append(TopologyIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0,
                                    field: join(path, key), message: "missing required field \"\(key)\"", hint: hint))
    }

    mutating func report(_ node: Node, _ field: String, _ message: String, hint: String?) {
        let mark = node.mark
        issues.append(TopologyIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0,
                                    field: field, message: message, hint: hint))
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "the value \"\(s.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") }
    }

    /// `, did you mean "x"?` for the closest allowed word within two edits, else "".
    func suggestion(_ word: String, _ candidates: [String]) -> String {
        let best = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= 2 else { return "" }
        return "; did you mean \"\(best.0)\"?"
    }

    func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
