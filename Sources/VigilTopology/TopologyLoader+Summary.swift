import VigilCore

extension TopologyLoader {
    /// A few lines describing a validated topology — its input, stages, keys, features per stage, topics, scoring
    /// (model, challenger, canary, alert rules) and monitoring (window, thresholds, labels, retraining) — as
    /// `vigil validate` prints them on success.
    ///
    /// ```text
    /// topology fraud-scoring: 3 stages, 27 per-event features, 2 windowed features
    ///   input transactions (8 partitions), 11 schema fields, event time ts
    ///   stage card, key card_id, reads transactions: 16 features (13 trailing, 2 ratio, 1 session)
    ///   ...
    /// ```
    public static func summary(_ topology: Topology) -> String {
        let perEvent = topology.featureNames.count
        let windowed = topology.stages.reduce(0) { $0 + $1.features.count { !$0.isPerEvent } }
        let schema = topology.source.schema
        var lines = [
            "topology \(topology.name): \(count(topology.stages.count, "stage")), \(count(perEvent, "per-event feature")), \(count(windowed, "windowed feature"))",
            "  input \(topology.source.topic) (\(count(Int(topology.source.partitions), "partition"))), \(count(schema.fields.count, "schema field")), event time \(schema.fields[schema.timestampField].name)",
        ]
        for stage in topology.stages {
            var kinds: [String: Int] = [:]
            for feature in stage.features { kinds[kind(feature), default: 0] += 1 }
            let breakdown = ["trailing", "ratio", "tumbling", "hopping", "session"]
                .compactMap { k in kinds[k].map { "\($0) \(k)" } }
                .joined(separator: ", ")
            lines.append("  stage \(stage.name), key \(stage.key), reads \(stage.inputTopic): \(count(stage.features.count, "feature")) (\(breakdown))")
        }
        var outputs = ["features → \(topology.sinks.features)"]
        if topology.hasWindowedFeatures { outputs.append("windows → \(topology.sinks.windows)") }
        if let scoring = topology.scoring {
            outputs.append("predictions → \(topology.sinks.predictions)")
            if scoring.challenger != nil { outputs.append("shadow → \(topology.sinks.shadow)") }
            outputs.append("alerts → \(topology.sinks.alerts)")
        }
        if let monitoring = topology.monitoring {
            let sinks = topology.sinks
            outputs.append("monitor → \(sinks.monitor)")
            outputs.append("drift → \(sinks.drift)")
            if monitoring.labels != nil { outputs.append("performance → \(sinks.performance)") }
            if monitoring.retrain != nil { outputs.append("triggers → \(sinks.triggers)") }
            outputs.append("models → \(sinks.models)")
            outputs.append("audit → \(sinks.audit)")
        }
        outputs.append("dlq → \(topology.sinks.deadLetter)")
        outputs.append("late → \(topology.sinks.late)")
        lines.append("  outputs: \(outputs.joined(separator: ", "))")
        if let scoring = topology.scoring { lines.append("  scoring: \(describe(scoring))") }
        if let monitoring = topology.monitoring { lines.append("  monitoring: \(describe(monitoring))") }
        var settings = ["grace \(DurationParser.format(topology.graceMillis))"]
        if let idle = topology.idleTimeoutMillis { settings.append("idle timeout \(DurationParser.format(idle))") }
        if let retention = topology.retentionMillis { settings.append("input retention \(DurationParser.format(retention))") }
        settings.append("guarantee \(topology.guarantee.rawValue)")
        settings.append("state in \(topology.stateDirectory)")
        lines.append("  \(settings.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }

    /// `model M, challenger C (canary 0.1 of keys), reload 5s, top 5 features, 3 alert rules (1 critical, 2 warning)`.
    private static func describe(_ scoring: Topology.Scoring) -> String {
        var parts = ["model \(scoring.model)"]
        if let challenger = scoring.challenger {
            let canary = scoring.canaryFraction.map { " (canary \(Topology.Condition.format($0)) of keys)" } ?? " (shadow)"
            parts.append("challenger \(challenger)\(canary)")
        }
        parts.append(scoring.reloadMillis == 0 ? "no hot reload" : "reload \(DurationParser.format(scoring.reloadMillis))")
        parts.append("top \(count(scoring.topFeatures, "feature"))")
        var rules = count(scoring.alerts.count, "alert rule")
        if !scoring.alerts.isEmpty {
            let bySeverity = Topology.AlertRule.Severity.allCases.reversed().compactMap { severity in
                let n = scoring.alerts.count { $0.severity == severity }
                return n == 0 ? nil : "\(n) \(severity.rawValue)"
            }
            rules += " (\(bySeverity.joined(separator: ", ")))"
        }
        parts.append(rules)
        return parts.joined(separator: ", ")
    }

    /// `window 1h, PSI warn 0.1 act 0.25, labels from L (report after 7d, horizon 30d, detector page_hinkley),
    /// retrain when drift (PSI > 0.25 on any of the top 10 features for 3 windows) or every 7d (cooldown 24h,
    /// training range 30d)`.
    private static func describe(_ monitoring: Topology.Monitoring) -> String {
        let f = Topology.Condition.format
        let d = DurationParser.format
        var parts = ["window \(d(monitoring.windowMillis))"]
        switch monitoring.thresholds {
        case .fixed(let warn, let act): parts.append("PSI warn \(f(warn)) act \(f(act))")
        case .dataDriven(let sigmas): parts.append("data-driven thresholds (mean + \(f(sigmas))σ)")
        }
        if monitoring.epsilon != Topology.Monitoring.defaultEpsilon { parts.append("epsilon \(f(monitoring.epsilon))") }
        if let labels = monitoring.labels {
            parts.append("labels from \(labels.topic) (report after \(d(labels.reportAfterMillis)), horizon \(d(labels.horizonMillis)), detector \(labels.detector.rawValue))")
        } else {
            parts.append("no labels")
        }
        if let retrain = monitoring.retrain {
            let rules = retrain.rules.map { rule -> String in
                switch rule {
                case .drift(let psi, let top, let windows):
                    "drift (PSI > \(f(psi)) on any of the top \(count(top, "feature")) for \(count(windows, "window")))"
                case .recallDrop(let points): "recall drop > \(f(points))"
                case .every(let millis): "every \(d(millis))"
                case .newLabels(let n): count(n, "new label")
                case .errorChange: "error change"
                }
            }
            parts.append("retrain when \(rules.joined(separator: " or ")) (\(retrain.cooldownMillis == 0 ? "no cooldown" : "cooldown \(d(retrain.cooldownMillis))"), training range \(d(retrain.trainingRangeMillis)))")
        } else {
            parts.append("no retraining")
        }
        return parts.joined(separator: ", ")
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
    }

    private static func kind(_ feature: FeatureSpec) -> String {
        switch feature.kind {
        case .ratio: "ratio"
        case .aggregate(_, _, .trailing): "trailing"
        case .aggregate(_, _, .tumbling): "tumbling"
        case .aggregate(_, _, .hopping): "hopping"
        case .aggregate(_, _, .session): "session"
        }
    }
}
