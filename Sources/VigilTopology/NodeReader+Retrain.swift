import VigilCore
import Yams

extension NodeReader {
    static let retrainKeys = ["cooldown", "training_range", "when"]
    static let retrainRuleKinds = ["drift", "recall_drop", "every", "new_labels", "error_change"]
    static let driftRuleKeys = ["psi_above", "top_features", "windows"]
    /// The allowed values of a drift rule's `top_features:`.
    static let driftTopFeaturesRange = 1...1_000
    /// The allowed values of a drift rule's `windows:`.
    static let driftWindowsRange = 1...1_000
    /// The allowed values of `new_labels:`.
    static let newLabelsRange = 1...1_000_000_000

    /// Reads `monitoring.retrain`; nil when it has problems. `labels` is the labels part as read (nil when the
    /// section has none): the rules that need labels or a change detector are checked against it.
    mutating func retrain(_ node: Node, keyNode: Node, path: String, labels: LabelsDraft?) -> Topology.Monitoring.Retrain? {
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: Self.retrainKeys, path: path)
        let before = issues.count

        var cooldown: Int64? = Topology.Monitoring.Retrain.defaultCooldownMillis
        if let cnode = map["cooldown"] { cooldown = duration(cnode, path: join(path, "cooldown"), allowZero: true) }
        var range: Int64? = Topology.Monitoring.Retrain.defaultTrainingRangeMillis
        if let rnode = map["training_range"] { range = duration(rnode, path: join(path, "training_range")) }

        var rules: [Topology.Monitoring.RetrainRule] = []
        let whenPath = join(path, "when")
        let example = "e.g. when: [{drift: {psi_above: 0.25}}, {every: 7d}]"
        if let wnode = map["when"] {
            if Self.isNull(wnode) || wnode.sequence?.isEmpty == true {
                report(wnode, whenPath, .emptyList, "when needs at least one rule",
                       hint: "the rules of which any one triggers a retraining, \(example); or remove retrain")
            } else if let seq = sequence(wnode, path: whenPath) {
                for (i, item) in seq.enumerated() {
                    if let rule = retrainRule(item, path: "\(whenPath)[\(i)]", labels: labels) { rules.append(rule) }
                }
            }
        } else {
            reportMissing(map, "when", path: path, hint: "the rules of which any one triggers a retraining, \(example)")
        }

        guard issues.count == before, let cooldown, let range, !rules.isEmpty else { return nil }
        return Topology.Monitoring.Retrain(
            cooldownMillis: cooldown, trainingRangeMillis: range, rules: rules, line: keyNode.mark?.line ?? 0)
    }

    /// Reads one item of `retrain.when`: a mapping with exactly one key, the rule's kind. Nil on a problem.
    mutating func retrainRule(_ node: Node, path: String, labels: LabelsDraft?) -> Topology.Monitoring.RetrainRule? {
        let kinds = Self.retrainRuleKinds.joined(separator: ", ")
        guard let map = node.mapping else {
            report(node, path, .wrongType, "a retrain rule is a mapping with one key, found \(kind(node))",
                   hint: "one of \(kinds), e.g. - every: 7d or - error_change: true")
            return nil
        }
        var known: [(key: String, keyNode: Node, value: Node)] = []
        for (k, v) in map {
            guard let key = scalarString(k, path: path) else { continue }
            if Self.retrainRuleKinds.contains(key) {
                known.append((key, k, v))
            } else {
                report(k, join(path, key), .unknownField, "unknown retrain rule \"\(key)\"",
                       hint: "one of: \(kinds)\(suggestion(key, Self.retrainRuleKinds))")
            }
        }
        guard known.count == 1, known.count == map.count, let (key, keyNode, value) = known.first else {
            if known.count > 1 {
                report(node, path, .invalidCondition,
                       "a retrain rule has one kind, found \(known.map(\.key).joined(separator: " and "))",
                       hint: "write each rule as its own list item (- drift: {...} then - every: 7d); any one of them triggers")
            } else if map.isEmpty {
                report(node, path, .invalidCondition, "a retrain rule needs a kind",
                       hint: "one of: \(kinds), e.g. - every: 7d")
            }
            return nil
        }
        let rulePath = join(path, key)

        switch key {
        case "drift":
            return driftRule(value, path: rulePath)
        case "recall_drop":
            let points = number(value, path: rulePath, above: 0, below: 1, upperIncluded: true,
                                hint: "a fraction of recall: 0.10 retrains when live recall is 10 points below the bundle's validation recall")
            let labelled = needsLabels(keyNode, path: rulePath, labels: labels, why: "live recall comes from delayed labels")
            guard let points, labelled else { return nil }
            return .recallDrop(points: points)
        case "every":
            return duration(value, path: rulePath).map { .every(millis: $0) }
        case "new_labels":
            let count = integer(value, path: rulePath, range: Self.newLabelsRange,
                                hint: "how many labels arrived since the last trigger, e.g. new_labels: 50000")
            let labelled = needsLabels(keyNode, path: rulePath, labels: labels, why: "it counts labels")
            guard let count, labelled else { return nil }
            return .newLabels(count: count)
        default:  // error_change
            var valid = false
            if let text = scalarString(value, path: rulePath) {
                if text == "true" {
                    valid = true
                } else {
                    report(value, rulePath, .invalidValue, "must be true, found \"\(text)\"",
                           hint: "error_change: true retrains when the change detector on the error stream fires; to not, remove the rule")
                }
            }
            guard needsLabels(keyNode, path: rulePath, labels: labels, why: "the error stream comes from delayed labels")
            else { return nil }
            if labels?.detector == Topology.Monitoring.Detector.none {
                report(keyNode, rulePath, .notApplicable, "error_change needs a change detector, and labels.detector is none",
                       hint: "set monitoring.labels.detector to page_hinkley or adwin, or remove this rule")
                return nil
            }
            return valid ? .errorChange : nil
        }
    }

    /// `- drift: {psi_above, top_features, windows}`, every field optional (`- drift:` or `- drift: {}` is all
    /// defaults).
    mutating func driftRule(_ node: Node, path: String) -> Topology.Monitoring.RetrainRule? {
        typealias Rule = Topology.Monitoring.RetrainRule
        if Self.isNull(node) { return Rule.defaultDrift }
        guard let map = node.mapping else {
            report(node, path, .wrongType, "expected a mapping such as {psi_above: 0.25, top_features: 10, windows: 3}, found \(kind(node))",
                   hint: "every field is optional; drift: {} means PSI above 0.25 on any of the top 10 features for 3 consecutive windows")
            return nil
        }
        checkKeys(map, allowed: Self.driftRuleKeys, path: path)
        let before = issues.count
        var psi: Double? = Rule.defaultDriftPSIAbove
        if let pnode = map["psi_above"] {
            psi = number(pnode, path: join(path, "psi_above"), above: 0,
                         hint: "a number above 0: the PSI a feature must exceed, e.g. 0.25")
        }
        var top: Int? = Rule.defaultDriftTopFeatures
        if let tnode = map["top_features"] {
            top = integer(tnode, path: join(path, "top_features"), range: Self.driftTopFeaturesRange,
                          hint: "how many of the bundle's most important features are watched, e.g. 10")
        }
        var windows: Int? = Rule.defaultDriftWindows
        if let wnode = map["windows"] {
            windows = integer(wnode, path: join(path, "windows"), range: Self.driftWindowsRange,
                              hint: "in how many consecutive windows the PSI must stay above psi_above, e.g. 3")
        }
        guard issues.count == before, let psi, let top, let windows else { return nil }
        return .drift(psiAbove: psi, topFeatures: top, windows: windows)
    }

    /// Reports a rule that needs `monitoring.labels` when the section has none; false then.
    mutating func needsLabels(_ keyNode: Node, path: String, labels: LabelsDraft?, why: String) -> Bool {
        guard labels == nil, let rule = keyNode.scalar?.string else { return true }
        report(keyNode, path, .notApplicable, "\(rule) needs labels: \(why)",
               hint: "add monitoring.labels: {topic: <labels topic>}, or remove this rule")
        return false
    }
}
