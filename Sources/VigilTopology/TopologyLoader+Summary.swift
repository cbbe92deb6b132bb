import VigilCore

extension TopologyLoader {
    /// A few lines describing a validated topology — its input, stages, keys, features per stage, topics and
    /// scoring (model, challenger, canary, alert rules) — as `vigil validate` prints them on success.
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
        outputs.append("dlq → \(topology.sinks.deadLetter)")
        outputs.append("late → \(topology.sinks.late)")
        lines.append("  outputs: \(outputs.joined(separator: ", "))")
        if let scoring = topology.scoring { lines.append("  scoring: \(describe(scoring))") }
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
