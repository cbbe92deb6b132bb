import VigilCore
import Yams

extension NodeReader {
    static let monitoringKeys = ["window", "drift", "labels", "retrain"]
    static let driftKeys = ["thresholds", "psi_warn", "psi_act", "sigmas", "epsilon"]
    static let thresholdKinds = ["fixed", "data_driven"]
    static let labelsKeys = ["topic", "report_after", "horizon", "detector", "min_fraud"]
    /// In the order the hints list them: the default first.
    static let detectorNames = ["page_hinkley", "adwin", "none"]

    /// Reads `monitoring:`. `keyNode` is the `monitoring` key (its line is the section's line); `hasScoring` says
    /// whether the document has a `scoring:` section, which monitoring needs.
    mutating func monitoring(_ node: Node, keyNode: Node, hasScoring: Bool) -> MonitoringDraft {
        let path = "monitoring"
        var draft = MonitoringDraft(hasLabels: false, hasRetrain: false)
        if !hasScoring {
            report(keyNode, path, .notApplicable, "monitoring needs a scoring section",
                   hint: "drift and live accuracy are measured on the model's inputs and predictions: add scoring: {model: <bundle>}, or remove monitoring")
        }
        guard let map = mapping(node, path: path) else { return draft }
        checkKeys(map, allowed: Self.monitoringKeys, path: path)
        let before = issues.count

        var window = Topology.Monitoring.defaultWindowMillis
        if let wnode = map["window"], let ms = duration(wnode, path: join(path, "window")) { window = ms }

        var thresholds = Topology.Monitoring.defaultThresholds
        var epsilon = Topology.Monitoring.defaultEpsilon
        if let dnode = map["drift"], let read = drift(dnode, path: join(path, "drift")) {
            (thresholds, epsilon) = read
        }

        var labels: LabelsDraft?
        if let lnode = map["labels"], let key = Self.key("labels", in: map) {
            labels = self.labels(lnode, keyNode: key, path: join(path, "labels"))
            draft.hasLabels = true
            draft.labelsTopic = labels?.topic
            draft.labelsTopicNode = labels?.topicNode
        }

        var retrain: Topology.Monitoring.Retrain?
        if let rnode = map["retrain"], let key = Self.key("retrain", in: map) {
            retrain = self.retrain(rnode, keyNode: key, path: join(path, "retrain"), labels: labels)
            draft.hasRetrain = true
        }

        guard issues.count == before, map["labels"] == nil || labels?.labels != nil,
              map["retrain"] == nil || retrain != nil
        else { return draft }
        draft.monitoring = Topology.Monitoring(
            windowMillis: window, thresholds: thresholds, epsilon: epsilon, labels: labels?.labels, retrain: retrain,
            line: keyNode.mark?.line ?? 0)
        return draft
    }

    /// Reads `monitoring.drift`; nil when it has problems.
    mutating func drift(_ node: Node, path: String) -> (Topology.Monitoring.Thresholds, Double)? {
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: Self.driftKeys, path: path)
        let before = issues.count

        // Nil when unknown: which fields apply is then not judged against a guess.
        var kind: String? = "fixed"
        if let tnode = map["thresholds"] {
            kind = scalarString(tnode, path: join(path, "thresholds"))
            if let text = kind, !Self.thresholdKinds.contains(text) {
                report(tnode, join(path, "thresholds"), .invalidValue, "unknown thresholds \"\(text)\"",
                       hint: "fixed (psi_warn and psi_act) or data_driven (the statistic's mean + sigmas σ over the baseline's reference chunks)\(suggestion(text, Self.thresholdKinds))")
                kind = nil
            }
        }
        let positive = "a number above 0"
        let warn = map["psi_warn"].flatMap {
            number($0, path: join(path, "psi_warn"), above: 0, hint: "\(positive): a PSI above it warns, e.g. 0.1")
        }
        let act = map["psi_act"].flatMap {
            number($0, path: join(path, "psi_act"), above: 0, hint: "\(positive): a PSI above it calls for action, e.g. 0.25")
        }
        let sigmas = map["sigmas"].flatMap {
            number($0, path: join(path, "sigmas"), above: 0,
                   hint: "\(positive): a statistic above its reference mean + sigmas σ drifts, e.g. 3")
        }
        var epsilon = Topology.Monitoring.defaultEpsilon
        if let enode = map["epsilon"],
           let e = number(enode, path: join(path, "epsilon"), above: 0, below: Topology.Monitoring.maxEpsilon,
                          hint: "the share an empty bin counts as in PSI (so that the logarithm stays finite), e.g. 0.0001") {
            epsilon = e
        }

        if kind == "data_driven" {
            for key in ["psi_warn", "psi_act"] {
                guard let k = Self.key(key, in: map) else { continue }
                report(k, join(path, key), .notApplicable, "\(key) applies only to thresholds: fixed",
                       hint: "data_driven thresholds are the statistic's mean + sigmas σ over the reference chunks: remove \(key), or set thresholds: fixed")
            }
        } else if kind == "fixed", let k = Self.key("sigmas", in: map) {
            report(k, join(path, "sigmas"), .notApplicable, "sigmas applies only to thresholds: data_driven",
                   hint: "fixed thresholds are psi_warn and psi_act\(map["thresholds"] == nil ? " (fixed is the default)" : ""): remove sigmas, or set thresholds: data_driven")
        }
        if kind == "fixed", map["psi_warn"] == nil || warn != nil, map["psi_act"] == nil || act != nil {
            let w = warn ?? Topology.Monitoring.defaultPSIWarn
            let a = act ?? Topology.Monitoring.defaultPSIAct
            if a <= w {
                let hint = "a PSI above psi_warn warns and above psi_act calls for action, so psi_warn < psi_act (the defaults are 0.1 and 0.25)"
                if let anode = map["psi_act"] {
                    report(anode, join(path, "psi_act"), .invalidValue,
                           "psi_act \(Self.format(a)) must be above psi_warn \(Self.format(w))\(warn == nil ? " (the default)" : "")",
                           hint: hint)
                } else if let wnode = map["psi_warn"] {
                    report(wnode, join(path, "psi_warn"), .invalidValue,
                           "psi_warn \(Self.format(w)) must be below psi_act \(Self.format(a)) (the default)", hint: hint)
                }
            }
        }

        guard issues.count == before, let kind else { return nil }
        let thresholds: Topology.Monitoring.Thresholds = kind == "data_driven"
            ? .dataDriven(sigmas: sigmas ?? Topology.Monitoring.defaultSigmas)
            : .fixed(warn: warn ?? Topology.Monitoring.defaultPSIWarn, act: act ?? Topology.Monitoring.defaultPSIAct)
        return (thresholds, epsilon)
    }

    /// Reads `monitoring.labels`. The topic's clashes with other topics are checked with the sinks
    /// (`checkTopics`).
    mutating func labels(_ node: Node, keyNode: Node, path: String) -> LabelsDraft {
        var draft = LabelsDraft()
        guard let map = mapping(node, path: path) else { return draft }
        checkKeys(map, allowed: Self.labelsKeys, path: path)
        let before = issues.count

        if let text = requiredString(map, "topic", path: path,
                                     hint: "the topic of label events (label event v1), e.g. topic: fraud-labels"),
           let tnode = map["topic"] {
            if Self.isTopicName(text) {
                draft.topic = text
                draft.topicNode = tnode
            } else {
                report(tnode, join(path, "topic"), .invalidName, "\"\(text)\" is not a valid Kafka topic name",
                       hint: "use letters, digits, '.', '_' and '-' only, at most 249 characters")
            }
        }
        var reportAfter: Int64? = Topology.Monitoring.Labels.defaultReportAfterMillis
        if let rnode = map["report_after"] {
            reportAfter = duration(rnode, path: join(path, "report_after"), allowZero: true)
        }
        var horizon: Int64? = Topology.Monitoring.Labels.defaultHorizonMillis
        if let hnode = map["horizon"] { horizon = duration(hnode, path: join(path, "horizon")) }
        if let reportAfter, let horizon, horizon < reportAfter {
            let hint = "labels are accepted until a window's end + horizon and its performance is first reported at its end + report_after, so the horizon is at least report_after"
            if let hnode = map["horizon"] {
                report(hnode, join(path, "horizon"), .invalidValue,
                       "horizon \(DurationParser.format(horizon)) is shorter than report_after \(DurationParser.format(reportAfter))\(map["report_after"] == nil ? " (the default)" : "")",
                       hint: hint)
            } else if let rnode = map["report_after"] {
                report(rnode, join(path, "report_after"), .invalidValue,
                       "report_after \(DurationParser.format(reportAfter)) is longer than the horizon \(DurationParser.format(horizon)) (the default)",
                       hint: hint)
            }
        }
        draft.detector = Topology.Monitoring.Labels.defaultDetector
        if let dnode = map["detector"] {
            draft.detector = nil
            if let text = scalarString(dnode, path: join(path, "detector")) {
                draft.detector = Topology.Monitoring.Detector(rawValue: text)
                if draft.detector == nil {
                    report(dnode, join(path, "detector"), .invalidValue, "unknown detector \"\(text)\"",
                           hint: "one of: \(Self.detectorNames.joined(separator: ", "))\(suggestion(text, Self.detectorNames))")
                }
            }
        }

        var minFraud: Int? = Topology.Monitoring.Labels.defaultMinFraud
        if let mnode = map["min_fraud"] {
            minFraud = integer(mnode, path: join(path, "min_fraud"), range: Topology.Monitoring.Labels.minFraudRange,
                               hint: "labelled frauds a performance report needs before its recall counts for recall_drop, e.g. min_fraud: 20")
        }

        guard issues.count == before, let topic = draft.topic, let reportAfter, let horizon, let detector = draft.detector,
              let minFraud
        else { return draft }
        draft.labels = Topology.Monitoring.Labels(
            topic: topic, reportAfterMillis: reportAfter, horizonMillis: horizon, detector: detector, minFraud: minFraud,
            line: keyNode.mark?.line ?? 0)
        return draft
    }

    /// A finite number above `lower`, and below `upper` (or at most `upper` when `upperIncluded`).
    mutating func number(
        _ node: Node, path: String, above lower: Double, below upper: Double? = nil, upperIncluded: Bool = false,
        hint: String
    ) -> Double? {
        guard let text = scalarString(node, path: path) else { return nil }
        if let value = Double(text), value.isFinite, value > lower,
           upper.map({ upperIncluded ? value <= $0 : value < $0 }) ?? true {
            return value
        }
        var range = "above \(Self.format(lower))"
        if let upper { range += upperIncluded ? " and at most \(Self.format(upper))" : " and below \(Self.format(upper))" }
        report(node, path, .invalidValue, "must be a number \(range), found \"\(text)\"", hint: hint)
        return nil
    }

    /// `2000` rather than `2000.0`, as conditions print numbers.
    static func format(_ value: Double) -> String {
        Topology.Condition.format(value)
    }

    /// An empty value: nothing after the colon, `~` or `null`.
    static func isNull(_ node: Node) -> Bool {
        guard let scalar = node.scalar else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }
}
