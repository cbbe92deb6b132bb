import VigilCore

extension TopologyLoader {
    /// A few lines describing a validated topology — its input, stages, keys, features per stage and topics — as
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
        outputs.append("dlq → \(topology.sinks.deadLetter)")
        outputs.append("late → \(topology.sinks.late)")
        lines.append("  outputs: \(outputs.joined(separator: ", "))")
        var settings = ["grace \(DurationParser.format(topology.graceMillis))"]
        if let idle = topology.idleTimeoutMillis { settings.append("idle timeout \(DurationParser.format(idle))") }
        if let retention = topology.retentionMillis { settings.append("input retention \(DurationParser.format(retention))") }
        settings.append("guarantee \(topology.guarantee.rawValue)")
        settings.append("state in \(topology.stateDirectory)")
        lines.append("  \(settings.joined(separator: ", "))")
        return lines.joined(separator: "\n")
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
