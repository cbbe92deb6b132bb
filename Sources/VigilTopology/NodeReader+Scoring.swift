import VigilCore
import Yams

extension NodeReader {
    static let scoringKeys = ["model", "challenger", "canary", "reload", "top_features", "alerts"]
    static let ruleKeys = ["name", "severity", "when", "unless"]

    /// Reads `scoring:`. `keyNode` is the `scoring` key (its line is the section's line); the stage drafts and the
    /// schema say what alert conditions may name.
    mutating func scoring(_ node: Node, keyNode: Node, stages: [StageDraft], schema: EventSchema?) -> ScoringDraft {
        let path = "scoring"
        guard let map = mapping(node, path: path) else { return ScoringDraft(hasChallenger: false, scoring: nil) }
        checkKeys(map, allowed: Self.scoringKeys, path: path)
        let before = issues.count

        var model: String?
        if let text = requiredString(map, "model", path: path,
                                     hint: "the model bundle, a directory or .tar/.tar.gz relative to this file, e.g. model: ../models/fraud-demo"),
           let mnode = map["model"] {
            model = bundlePath(text, node: mnode, path: join(path, "model"))
        }
        var challenger: String?
        if let cnode = map["challenger"], let text = scalarString(cnode, path: join(path, "challenger")) {
            challenger = bundlePath(text, node: cnode, path: join(path, "challenger"))
        }
        var canary: Double?
        if let cnode = map["canary"] {
            if let text = scalarString(cnode, path: join(path, "canary")) {
                if let f = Double(text), f > 0, f < 1 {
                    canary = f
                } else {
                    report(cnode, join(path, "canary"), .invalidValue,
                           "must be a fraction between 0 and 1 (both excluded), found \"\(text)\"",
                           hint: "the share of keys whose live decision comes from the challenger, e.g. canary: 0.1 for 10 %")
                }
            }
            if map["challenger"] == nil, let k = Self.key("canary", in: map) {
                report(k, join(path, "canary"), .notApplicable, "canary applies only with a challenger model",
                       hint: "canary routes a fraction of keys to the challenger: add challenger: <bundle>, or remove canary")
            }
        }
        var reload = Topology.Scoring.defaultReloadMillis
        if let rnode = map["reload"], let ms = duration(rnode, path: join(path, "reload"), allowZero: true) {
            reload = ms
        }
        var topFeatures = Topology.Scoring.defaultTopFeatures
        if let tnode = map["top_features"],
           let n = integer(tnode, path: join(path, "top_features"), range: Topology.Scoring.topFeaturesRange,
                           hint: "how many contributing features an alert lists; 0 lists none") {
            topFeatures = n
        }

        var rules: [RuleDraft] = []
        if let anode = map["alerts"], let seq = sequence(anode, path: join(path, "alerts")) {
            let scope = Self.conditionScope(stages, schema: schema)
            for (i, rnode) in seq.enumerated() {
                if let rule = alertRule(rnode, path: "\(path).alerts[\(i)]", scope: scope) { rules.append(rule) }
            }
            checkRuleNames(rules)
        }

        var draft = ScoringDraft(hasChallenger: map["challenger"] != nil, scoring: nil)
        let built = rules.compactMap(\.rule)
        // Every problem is reported; the counts only guard against building from a part that was skipped.
        guard issues.count == before, let model, map["challenger"] == nil || challenger != nil,
              built.count == (map["alerts"]?.sequence?.count ?? 0)
        else { return draft }
        draft.scoring = Topology.Scoring(
            model: model, challenger: challenger, canaryFraction: canary, reloadMillis: reload,
            topFeatures: topFeatures, alerts: built, line: keyNode.mark?.line ?? 0)
        return draft
    }

    /// A bundle path resolved against the topology file's directory (not checked: the runtime loads bundles).
    mutating func bundlePath(_ text: String, node: Node, path: String) -> String? {
        guard !text.isEmpty else {
            report(node, path, .missingField, "no value given",
                   hint: "a bundle directory or .tar/.tar.gz, relative to this file, e.g. ../models/fraud-demo")
            return nil
        }
        return resolvedPath(text)
    }

    /// `path` as written when absolute or when the topology file has no directory part (it is then relative to the
    /// current directory), else joined to the topology file's directory.
    func resolvedPath(_ path: String) -> String {
        guard !path.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return path }
        return "\(file[...slash])\(path)"
    }

    /// The key node of `key` in `map` (to point at a field that does not apply).
    static func key(_ key: String, in map: Node.Mapping) -> Node? {
        map.first { $0.key.scalar?.string == key }?.key
    }

    /// Reads one alert rule; nil when it is not a mapping.
    mutating func alertRule(_ node: Node, path: String, scope: ConditionScope) -> RuleDraft? {
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: Self.ruleKeys, path: path)
        let before = issues.count
        var draft = RuleDraft(path: path, line: map.mark?.line ?? 0)
        if let name = requiredString(map, "name", path: path, hint: "e.g. name: very_high_score"),
           let n = map["name"] {
            if Self.isRuleName(name) {
                draft.name = name
                draft.nameNode = n
            } else {
                report(n, join(path, "name"), .invalidName, "\"\(name)\" is not a valid rule name",
                       hint: "use lower-case letters, digits and '_' only, e.g. very_high_score: it names the rule in alert events")
            }
        }
        var severity: Topology.AlertRule.Severity?
        let severities = Topology.AlertRule.Severity.allCases.map(\.rawValue)
        if let text = requiredString(map, "severity", path: path, hint: "one of: \(severities.joined(separator: ", "))"),
           let snode = map["severity"] {
            severity = Topology.AlertRule.Severity(rawValue: text)
            if severity == nil {
                report(snode, join(path, "severity"), .invalidValue, "unknown severity \"\(text)\"",
                       hint: "one of: \(severities.joined(separator: ", "))\(suggestion(text, severities))")
            }
        }
        var when: [Topology.Condition]?
        if let wnode = map["when"] {
            when = conditions(wnode, path: join(path, "when"), scope: scope)
        } else {
            reportMissing(map, "when", path: path,
                          hint: "the conditions that must all hold, e.g. when: {score: {at_least: 0.9}}")
        }
        var unless: [Topology.Condition]? = []
        if let unode = map["unless"] {
            unless = conditions(unode, path: join(path, "unless"), scope: scope)
        }
        if issues.count == before, let name = draft.name, let severity, let when, let unless {
            draft.rule = Topology.AlertRule(name: name, severity: severity, when: when, unless: unless, line: draft.line)
        }
        return draft
    }

    /// Rule names are unique: they name the rules an alert matched.
    mutating func checkRuleNames(_ rules: [RuleDraft]) {
        var seen: [String: RuleDraft] = [:]
        for rule in rules {
            guard let name = rule.name, let node = rule.nameNode else { continue }
            if let first = seen[name] {
                report(node, join(rule.path, "name"), .duplicateName, "duplicate rule name \"\(name)\"",
                       hint: "the first rule \"\(name)\" is at line \(first.line); rule names must be unique")
            } else {
                seen[name] = rule
            }
        }
    }

    /// `[a-z0-9_]+`, at most 200 characters.
    static func isRuleName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    /// The per-event features (with their feature-event columns), the windowed features and the schema.
    static func conditionScope(_ stages: [StageDraft], schema: EventSchema?) -> ConditionScope {
        var scope = ConditionScope(columns: [:], columnNames: [], windowed: [:], declared: [], schema: schema)
        for feature in stages.flatMap(\.features) {
            scope.declared.insert(feature.name)
            guard let spec = feature.spec else { continue }
            if spec.isPerEvent {
                if scope.columns[feature.name] == nil { scope.columns[feature.name] = scope.columnNames.count }
                scope.columnNames.append(feature.name)
            } else if case .aggregate(_, _, let window) = spec.kind {
                scope.windowed[feature.name] = window
            }
        }
        return scope
    }
}
