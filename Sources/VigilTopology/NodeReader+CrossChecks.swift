import VigilCore
import Yams

extension NodeReader {
    /// Stage names are unique; consecutive stages have different keys (a repartition needs a new key).
    mutating func checkStages(_ stages: [StageDraft]) {
        var seen: [String: StageDraft] = [:]
        for stage in stages {
            guard let name = stage.name, let node = stage.nameNode else { continue }
            if let first = seen[name] {
                report(node, join(stage.path, "name"), .duplicateName, "duplicate stage name \"\(name)\"",
                       hint: "the first stage \"\(name)\" is at line \(first.line); stage names must be unique")
            } else {
                seen[name] = stage
            }
        }
        for (previous, stage) in zip(stages, stages.dropFirst()) {
            guard let key = stage.key, key == previous.key, let node = stage.keyNode else { continue }
            let previousName = previous.name ?? "before it"
            report(node, join(stage.path, "key"), .redundantStage,
                   "stage \"\(stage.name ?? "?")\" has the same key \(key) as the stage \"\(previousName)\" before it: no repartition is needed",
                   hint: "move its features into stage \"\(previousName)\"; a new stage is for a new key")
        }
    }

    /// Feature names unique in the topology, state ids unique per stage, ratio references valid and acyclic,
    /// windows within the declared retention.
    mutating func checkFeatures(_ stages: [StageDraft], retention: Int64?, retentionNode: Node?) {
        // Names, across the whole topology: all stages' features land in one feature event.
        var byName: [String: (stage: Int, feature: FeatureDraft)] = [:]
        for (s, stage) in stages.enumerated() {
            for feature in stage.features {
                if let first = byName[feature.name] {
                    let line = first.feature.nameNode.mark?.line ?? 0
                    let whereText = first.stage == s ? "" : " (stage \"\(stages[first.stage].name ?? "?")\")"
                    report(feature.nameNode, join(feature.path, "name"), .duplicateName,
                           "duplicate feature name \"\(feature.name)\"",
                           hint: "first declared at line \(line)\(whereText); names are unique across the topology: the features of all stages land in one feature event")
                } else {
                    byName[feature.name] = (s, feature)
                }
            }
        }
        // State ids, per stage: a feature's state is stored under its id.
        for stage in stages {
            var ids: [String: FeatureDraft] = [:]
            for feature in stage.features {
                if let first = ids[feature.stateID] {
                    if first.name == feature.name { continue }  // already reported as a duplicate name
                    let explicit = feature.idNode != nil
                    report(feature.idNode ?? feature.nameNode, join(feature.path, explicit ? "id" : "name"), .duplicateName,
                           "duplicate state id \"\(feature.stateID)\" in stage \"\(stage.name ?? "?")\"",
                           hint: "feature \"\(first.name)\" at line \(first.nameNode.mark?.line ?? 0) already uses it; a feature's state is stored under its id (default: its name)")
                } else {
                    ids[feature.stateID] = feature
                }
            }
        }
        // Ratio operands: an existing per-event feature of the same or an earlier stage.
        for (s, stage) in stages.enumerated() {
            for feature in stage.features {
                for operand in feature.ratioOperands {
                    guard let target = byName[operand.name] else {
                        let names = stages.prefix(s + 1).flatMap { $0.features.map(\.name) }
                        report(operand.node, operand.path, .unknownFeature,
                               "ratio refers to unknown feature \"\(operand.name)\"",
                               hint: "a ratio divides two features of its stage or of earlier stages\(suggestion(operand.name, names))")
                        continue
                    }
                    if target.stage > s {
                        report(operand.node, operand.path, .laterStageFeature,
                               "ratio refers to \"\(operand.name)\" of the later stage \"\(stages[target.stage].name ?? "?")\"",
                               hint: "a stage sees only its own features and those of earlier stages; move the ratio to stage \"\(stages[target.stage].name ?? "?")\" or later")
                    } else if let spec = target.feature.spec, !spec.isPerEvent,
                              case .aggregate(_, _, let window) = spec.kind {
                        report(operand.node, operand.path, .windowedOperand,
                               "ratio refers to \"\(operand.name)\", a \(Self.windowKind(window)) window feature with no value per event",
                               hint: "ratios divide per-event features (trailing windows or other ratios)")
                    }
                }
            }
        }
        checkRatioCycles(stages, byName: byName.mapValues(\.feature))
        // Retention: a replay must be able to rebuild every window from the input log.
        if let retention {
            for stage in stages {
                for feature in stage.features {
                    guard let spec = feature.spec, case .aggregate(_, _, let window) = spec.kind,
                          window.spanMillis > retention, let node = feature.windowNode
                    else { continue }
                    report(node, join(feature.path, "window"), .windowExceedsRetention,
                           "the window \(DurationParser.format(window.spanMillis)) is longer than the input retention \(DurationParser.format(retention))",
                           hint: "a replay rebuilds state from the input log, which keeps only \(DurationParser.format(retention)) (retention at line \(retentionNode?.mark?.line ?? 0)); shorten the window or raise the retention")
                }
            }
        }
    }

    /// Reports each cycle among ratios once, at its first member in file order, with the path of the cycle.
    mutating func checkRatioCycles(_ stages: [StageDraft], byName: [String: FeatureDraft]) {
        let ratios = stages.flatMap(\.features).filter { !$0.ratioOperands.isEmpty }
        let order = Dictionary(ratios.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        var reported: Set<[String]> = []
        // 0 = unvisited, 1 = on the current path, 2 = done.
        var state: [String: Int] = [:]
        var path: [String] = []

        func visit(_ name: String, _ found: inout [[String]]) {
            state[name] = 1
            path.append(name)
            for operand in byName[name]?.ratioOperands ?? [] where order[operand.name] != nil {
                switch state[operand.name, default: 0] {
                case 0: visit(operand.name, &found)
                case 1: found.append(Array(path[path.lastIndex(of: operand.name)!...]))
                default: break
                }
            }
            path.removeLast()
            state[name] = 2
        }

        var cycles: [[String]] = []
        for ratio in ratios where state[ratio.name, default: 0] == 0 {
            visit(ratio.name, &cycles)
        }
        for cycle in cycles {
            // Start the cycle at its first member in file order, so the message reads in file order.
            let start = cycle.indices.min { order[cycle[$0]]! < order[cycle[$1]]! }!
            let rotated = Array(cycle[start...] + cycle[..<start])
            guard reported.insert(rotated.sorted()).inserted, let first = byName[rotated[0]] else { continue }
            let operand = first.ratioOperands.first { $0.name == (rotated.count > 1 ? rotated[1] : rotated[0]) }
            report(operand?.node ?? first.nameNode, operand?.path ?? join(first.path, "ratio"), .ratioCycle,
                   "ratios form a cycle: \((rotated + [rotated[0]]).joined(separator: " → "))",
                   hint: "a ratio cannot depend on itself, directly or through other ratios")
        }
    }

    /// Every topic has one role: sinks differ from the source and the repartition topics and from each other (the
    /// late topic may be the dead-letter topic). The predictions and alerts sinks take part only with `scoring`, the
    /// shadow sink only with a challenger, the monitoring sinks only with `monitoring` (performance only with
    /// labels, triggers only with a retraining policy): a topology without them does not write there. The labels
    /// topic is an input: it differs from the source, the repartition topics and every sink written.
    mutating func checkTopics(
        name: String, nameNode: Node, source: SourceDraft, stages: [StageDraft], sinks: SinkDrafts, scoring: ScoringDraft?,
        monitoring: MonitoringDraft?
    ) {
        var roles: [(topic: String, role: String)] = []
        if let topic = source.topic { roles.append((topic, "the input topic")) }
        for stage in stages.dropFirst() {
            guard let stageName = stage.name, let node = stage.nameNode else { continue }
            let topic = Self.repartitionTopic(name, stageName)
            if !Self.isTopicName(topic) {
                report(node, join(stage.path, "name"), .invalidName,
                       "the repartition topic \"\(topic)\" is longer than Kafka's 249 characters",
                       hint: "shorten the topology or stage name")
            }
            if topic == source.topic, let tnode = source.topicNode {
                report(tnode, "source.topic", .topicCollision,
                       "the input topic \"\(topic)\" is also the repartition topic of stage \"\(stageName)\"",
                       hint: "rename the stage or the topology")
            }
            roles.append((topic, "the repartition topic of stage \"\(stageName)\""))
        }
        let used = sinks.topics.filter { sink in
            switch sink.key {
            case "predictions", "alerts": scoring != nil
            case "shadow": scoring?.hasChallenger == true
            case "monitor", "drift", "models", "audit": monitoring != nil
            case "performance": monitoring?.hasLabels == true
            case "triggers": monitoring?.hasRetrain == true
            default: true
            }
        }
        for (i, sink) in used.enumerated() {
            let node = sink.node ?? nameNode
            let defaultHint = sink.node == nil
                ? "sinks.\(sink.key) defaults to <name>-\(Self.defaultSinkSuffix(sink.key)); set it to another topic" : nil
            if let clash = roles.first(where: { $0.topic == sink.topic }) {
                let isInput = clash.role == "the input topic"
                let message = isInput
                    ? "writes to the input topic \"\(sink.topic)\""
                    : "writes to \(clash.role) (\"\(sink.topic)\")"
                report(node, "sinks.\(sink.key)", .topicCollision, message,
                       hint: defaultHint ?? (isInput
                           ? "an output topic must differ from the source topic, or the topology would read its own output"
                           : "an output topic must differ from the topics the topology reads"))
                continue
            }
            for other in used[..<i] where other.topic == sink.topic {
                if Set([other.key, sink.key]) == ["dlq", "late"] { continue }
                report(node, "sinks.\(sink.key)", .topicCollision,
                       "\"\(sink.topic)\" is already the \(other.key) topic",
                       hint: defaultHint ?? "each sink has its own topic (only late may share the dlq topic)")
            }
        }
        // The labels topic is read, never written: a clash is reported once, at the labels topic, where it is named.
        if let labels = monitoring?.labelsTopic, let node = monitoring?.labelsTopicNode {
            let path = "monitoring.labels.topic"
            if let clash = roles.first(where: { $0.topic == labels }) {
                report(node, path, .topicCollision, "the labels topic \"\(labels)\" is also \(clash.role)",
                       hint: "labels come from a topic of their own (label event v1), e.g. \(name)-labels")
            } else if let sink = used.first(where: { $0.topic == labels }) {
                report(node, path, .topicCollision, "the labels topic \"\(labels)\" is also the \(sink.key) topic",
                       hint: "the topology would read its own \(sink.key) events as labels: use another labels topic\(sink.node == nil ? "" : ", or another sinks.\(sink.key)")")
            }
        }
    }
}
