import Testing
import VigilCore
@testable import VigilTopology

@Suite("The monitoring section of the topology language")
struct MonitoringLanguageTests {
    typealias Monitoring = Topology.Monitoring
    typealias Rule = Topology.Monitoring.RetrainRule

    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000

    /// A one-stage scored topology (`scoring:` at line 8) with `monitoring:` at line 9 and `monitoring` as written
    /// from line 10, indented under it; then `extra` (e.g. a `sinks:` section) as written.
    static func withMonitoring(_ monitoring: String, extra: String = "", scoring: Bool = true) -> String {
        """
        name: m
        source: {topic: tx}
        stages:
          - name: card
            key: card_id
            features:
              - {name: card_txn_count_1h, aggregation: count, window: 1h}
        \(scoring ? "scoring: {model: m}" : "# no scoring")
        monitoring:
        \(monitoring.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
        \(extra)
        """
    }

    /// Every field, none at its default (lines 10 to 29).
    static let full = withMonitoring("""
        window: 2h
        drift:
          thresholds: fixed
          psi_warn: 0.15
          psi_act: 0.3
          epsilon: 0.001
        labels:
          topic: fraud-labels
          report_after: 3d
          horizon: 14d
          detector: adwin
        retrain:
          cooldown: 12h
          training_range: 60d
          when:
            - drift: {psi_above: 0.2, top_features: 5, windows: 2}
            - recall_drop: 0.05
            - every: 14d
            - new_labels: 20000
            - error_change: true
        """)

    /// The example of docs/topology.md's Monitoring section, less its `sigmas` (which applies only to data-driven
    /// thresholds): every value written is the default.
    static let documented = withMonitoring("""
        window: 1h
        drift:
          thresholds: fixed
          psi_warn: 0.1
          psi_act: 0.25
          epsilon: 0.0001
        labels:
          topic: fraud-labels
          report_after: 7d
          horizon: 30d
          detector: page_hinkley
        retrain:
          cooldown: 24h
          training_range: 30d
          when:
            - drift: {psi_above: 0.25, top_features: 10, windows: 3}
            - recall_drop: 0.10
            - every: 7d
            - new_labels: 50000
            - error_change: true
        """)

    static func parse(_ yaml: String) throws -> Topology {
        try TopologyLoader.parse(yaml: yaml, file: "t.yaml")
    }

    static func issues(_ yaml: String) throws -> [TopologyIssue] {
        try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }.issues
    }

    @Test("a full monitoring section: window, fixed thresholds, epsilon, labels, a retraining policy with every rule")
    func fullSection() throws {
        let t = try Self.parse(Self.full)
        let monitoring = try #require(t.monitoring)
        #expect(monitoring == Monitoring(
            windowMillis: 2 * Self.hour, thresholds: .fixed(warn: 0.15, act: 0.3), epsilon: 0.001,
            labels: .init(topic: "fraud-labels", reportAfterMillis: 3 * Self.day, horizonMillis: 14 * Self.day,
                          detector: .adwin, line: 16),
            retrain: .init(cooldownMillis: 12 * Self.hour, trainingRangeMillis: 60 * Self.day, rules: [
                .drift(psiAbove: 0.2, topFeatures: 5, windows: 2), .recallDrop(points: 0.05), .every(millis: 14 * Self.day),
                .newLabels(count: 20_000), .errorChange,
            ], line: 21),
            line: 9))
        #expect(monitoring.retrain?.rules.map(\.key) == ["drift", "recall_drop", "every", "new_labels", "error_change"])
    }

    @Test("the documented example spells out every default")
    func documentedDefaults() throws {
        let t = try Self.parse(Self.documented)
        let monitoring = try #require(t.monitoring)
        #expect(monitoring == Monitoring(
            labels: .init(topic: "fraud-labels", line: 16),
            retrain: .init(rules: [.defaultDrift, .recallDrop(points: 0.1), .every(millis: 7 * Self.day),
                                   .newLabels(count: 50_000), .errorChange], line: 21),
            line: 9))
        #expect(monitoring.windowMillis == 3_600_000)
        #expect(monitoring.thresholds == .fixed(warn: 0.1, act: 0.25))
        #expect(monitoring.epsilon == 0.0001)
        #expect(monitoring.labels?.reportAfterMillis == 7 * Self.day)
        #expect(monitoring.labels?.horizonMillis == 30 * Self.day)
        #expect(monitoring.labels?.detector == .pageHinkley)
        #expect(monitoring.retrain?.cooldownMillis == 24 * Self.hour)
        #expect(monitoring.retrain?.trainingRangeMillis == 30 * Self.day)
        #expect(Rule.defaultDrift == .drift(psiAbove: 0.25, topFeatures: 10, windows: 3))
    }

    @Test("monitoring: {} is all defaults: 1h windows, PSI 0.1 and 0.25, epsilon 0.0001, no labels, no retraining")
    func emptySection() throws {
        let t = try Self.parse(Self.withMonitoring("{}").replacingOccurrences(of: "monitoring:\n  {}", with: "monitoring: {}"))
        #expect(t.monitoring == Monitoring(windowMillis: 3_600_000, thresholds: .fixed(warn: 0.1, act: 0.25),
                                           epsilon: 0.0001, labels: nil, retrain: nil, line: 9))
    }

    @Test("each part's defaults when only its required fields are written")
    func partDefaults() throws {
        let t = try Self.parse(Self.withMonitoring("labels: {topic: l}\nretrain:\n  when: [{every: 1d}, drift: , {drift: {}}]"))
        let monitoring = try #require(t.monitoring)
        #expect(monitoring.labels == .init(topic: "l", reportAfterMillis: 7 * Self.day, horizonMillis: 30 * Self.day,
                                           detector: .pageHinkley, line: 10))
        #expect(monitoring.retrain == .init(cooldownMillis: 24 * Self.hour, trainingRangeMillis: 30 * Self.day,
                                            rules: [.every(millis: Self.day), .defaultDrift, .defaultDrift], line: 11))
        let partial = try Self.parse(Self.withMonitoring("retrain:\n  when:\n    - drift: {windows: 1}"))
        #expect(partial.monitoring?.retrain?.rules == [.drift(psiAbove: 0.25, topFeatures: 10, windows: 1)])
    }

    @Test("data-driven thresholds: sigmas defaults to 3", arguments: [
        ("drift: {thresholds: data_driven}", 3.0), ("drift: {thresholds: data_driven, sigmas: 2.5}", 2.5),
    ])
    func dataDriven(_ c: (String, Double)) throws {
        let t = try Self.parse(Self.withMonitoring(c.0))
        #expect(t.monitoring?.thresholds == .dataDriven(sigmas: c.1))
    }

    @Test("the bounds that are allowed", arguments: [
        "drift: {psi_warn: 0.0001, psi_act: 0.0002}", "drift: {epsilon: 0.0099}", "drift: {psi_warn: 0.2}",
        "labels: {topic: l, report_after: 0s, horizon: 1ms}", "labels: {topic: l, report_after: 30d, horizon: 30d}",
        "labels: {topic: l, report_after: 40d, horizon: 40d}", "labels: {topic: l, detector: none}",
        "labels: {topic: l}\nretrain: {cooldown: 0s, when: [{recall_drop: 1}, {new_labels: 1}]}",
        "retrain: {when: [{drift: {psi_above: 5, top_features: 1000, windows: 1000}}]}",
    ])
    func allowedBounds(_ yaml: String) throws {
        #expect(try Self.parse(Self.withMonitoring(yaml)).monitoring != nil)
    }

    @Test("bad values name their field", arguments: [
        ("window: 0s", TopologyError.Code.invalidDuration, "monitoring.window"),
        ("window: -1h", .invalidDuration, "monitoring.window"),
        ("window: hourly", .invalidDuration, "monitoring.window"),
        ("drift: {thresholds: adaptive}", .invalidValue, "monitoring.drift.thresholds"),
        ("drift: {psi_warn: 0}", .invalidValue, "monitoring.drift.psi_warn"),
        ("drift: {psi_act: -0.25}", .invalidValue, "monitoring.drift.psi_act"),
        ("drift: {psi_warn: 0.25}", .invalidValue, "monitoring.drift.psi_warn"),         // not below the default act
        ("drift: {psi_act: 0.1}", .invalidValue, "monitoring.drift.psi_act"),            // not above the default warn
        ("drift: {psi_warn: 0.2, psi_act: 0.2}", .invalidValue, "monitoring.drift.psi_act"),
        ("drift: {psi_act: nan}", .invalidValue, "monitoring.drift.psi_act"),
        ("drift: {thresholds: data_driven, sigmas: 0}", .invalidValue, "monitoring.drift.sigmas"),
        ("drift: {thresholds: data_driven, psi_act: 0.3}", .notApplicable, "monitoring.drift.psi_act"),
        ("drift: {thresholds: fixed, sigmas: 3}", .notApplicable, "monitoring.drift.sigmas"),
        ("drift: {epsilon: 0}", .invalidValue, "monitoring.drift.epsilon"),
        ("drift: {epsilon: 0.01}", .invalidValue, "monitoring.drift.epsilon"),
        ("drift: 0.25", .wrongType, "monitoring.drift"),
        ("labels: {}", .missingField, "monitoring.labels.topic"),
        ("labels: {topic: fraud labels}", .invalidName, "monitoring.labels.topic"),
        ("labels: {topic: l, report_after: -1d}", .invalidDuration, "monitoring.labels.report_after"),
        ("labels: {topic: l, horizon: 0s}", .invalidDuration, "monitoring.labels.horizon"),
        ("labels: {topic: l, horizon: 6d}", .invalidValue, "monitoring.labels.horizon"),               // < default 7d
        ("labels: {topic: l, report_after: 31d}", .invalidValue, "monitoring.labels.report_after"),    // > default 30d
        ("labels: {topic: l, detector: adwn}", .invalidValue, "monitoring.labels.detector"),
        ("retrain: {when: [{every: 1d}], cooldown: -1h}", .invalidDuration, "monitoring.retrain.cooldown"),
        ("retrain: {when: [{every: 1d}], training_range: 0s}", .invalidDuration, "monitoring.retrain.training_range"),
        ("retrain: {cooldown: 1h}", .missingField, "monitoring.retrain.when"),
        ("retrain: {when: }", .emptyList, "monitoring.retrain.when"),
        ("retrain: {when: []}", .emptyList, "monitoring.retrain.when"),
        ("retrain: {when: {every: 1d}}", .wrongType, "monitoring.retrain.when"),
        ("retrain: {when: [every]}", .wrongType, "monitoring.retrain.when[0]"),
        ("retrain: {when: [{}]}", .invalidCondition, "monitoring.retrain.when[0]"),
        ("retrain: {when: [{every: 1d, new_labels: 5}]}", .invalidCondition, "monitoring.retrain.when[0]"),
        ("retrain: {when: [{evry: 1d}]}", .unknownField, "monitoring.retrain.when[0].evry"),
        ("retrain: {when: [{every: 0s}]}", .invalidDuration, "monitoring.retrain.when[0].every"),
        ("retrain: {when: [{every: 1d}, {drift: {psi_above: 0}}]}", .invalidValue, "monitoring.retrain.when[1].drift.psi_above"),
        ("retrain: {when: [{drift: {top_features: 0}}]}", .invalidValue, "monitoring.retrain.when[0].drift.top_features"),
        ("retrain: {when: [{drift: {windows: 0}}]}", .invalidValue, "monitoring.retrain.when[0].drift.windows"),
        ("retrain: {when: [{drift: {window: 3}}]}", .unknownField, "monitoring.retrain.when[0].drift.window"),
        ("retrain: {when: [{drift: 0.25}]}", .wrongType, "monitoring.retrain.when[0].drift"),
        ("retrain: {when: [{recall_drop: 0.1}]}", .notApplicable, "monitoring.retrain.when[0].recall_drop"),
        ("retrain: {when: [{new_labels: 100}]}", .notApplicable, "monitoring.retrain.when[0].new_labels"),
        ("retrain: {when: [{error_change: true}]}", .notApplicable, "monitoring.retrain.when[0].error_change"),
        ("labels: {topic: l}\nretrain: {when: [{recall_drop: 0}]}", .invalidValue, "monitoring.retrain.when[0].recall_drop"),
        ("labels: {topic: l}\nretrain: {when: [{recall_drop: 10}]}", .invalidValue, "monitoring.retrain.when[0].recall_drop"),
        ("labels: {topic: l}\nretrain: {when: [{new_labels: 0}]}", .invalidValue, "monitoring.retrain.when[0].new_labels"),
        ("labels: {topic: l}\nretrain: {when: [{new_labels: 1.5}]}", .invalidValue, "monitoring.retrain.when[0].new_labels"),
        ("labels: {topic: l}\nretrain: {when: [{error_change: false}]}", .invalidValue, "monitoring.retrain.when[0].error_change"),
        ("labels: {topic: l, detector: none}\nretrain: {when: [{error_change: true}]}", .notApplicable,
         "monitoring.retrain.when[0].error_change"),
        ("window: 1h\nwindws: 2", .unknownField, "monitoring.windws"),
    ] as [(String, TopologyError.Code, String)])
    func badValues(_ c: (String, TopologyError.Code, String)) throws {
        let issues = try Self.issues(Self.withMonitoring(c.0))
        #expect(issues.map(\.code) == [c.1], "\(issues)")
        #expect(issues.map(\.field) == [c.2], "\(issues)")
        #expect(issues.allSatisfy { $0.line >= 10 && ($0.code == .wrongType || $0.hint?.isEmpty == false) }, "\(issues)")
    }

    @Test("unknown keys, thresholds, detectors and rules get a did-you-mean", arguments: [
        ("retrian: {when: [{every: 1d}]}", "retrain"),
        ("drift: {psi_wran: 0.1}", "psi_warn"),
        ("drift: {thresholds: data-driven}", "data_driven"),
        ("labels: {topic: l, detector: pagehinkley}", "page_hinkley"),
        ("labels: {topic: l, horizn: 30d}", "horizon"),
        ("labels: {topic: l}\nretrain: {when: [{recal_drop: 0.1}]}", "recall_drop"),
        ("retrain: {when: [{drift: {top_feature: 5}}]}", "top_features"),
    ])
    func didYouMean(_ c: (String, String)) throws {
        let issues = try Self.issues(Self.withMonitoring(c.0))
        #expect(issues.count == 1, "\(issues)")
        #expect(issues.first?.hint?.contains("did you mean \"\(c.1)\"?") == true, "\(issues)")
    }

    @Test("monitoring needs scoring; the section's own problems are reported too")
    func needsScoring() throws {
        let issues = try Self.issues(Self.withMonitoring("window: 0s", scoring: false))
        #expect(issues.map(\.code) == [.notApplicable, .invalidDuration])
        #expect(issues.map(\.line) == [9, 10])
        #expect(issues[0].message == "monitoring needs a scoring section")
        // A scoring section with problems of its own is not reported as missing.
        let broken = Self.withMonitoring("window: 1h").replacingOccurrences(of: "scoring: {model: m}", with: "scoring: {}")
        #expect(try Self.issues(broken).map(\.code) == [.missingField])
    }

    @Test("a part with a problem does not cascade: rules are not checked against a guessed detector or missing labels")
    func noCascade() throws {
        // An unknown detector: error_change is not judged.
        let detector = try Self.issues(Self.withMonitoring(
            "labels: {topic: l, detector: cusum}\nretrain: {when: [{error_change: true}]}"))
        #expect(detector.map(\.field) == ["monitoring.labels.detector"])
        // Labels without a topic still count as labels for the rules that need them.
        let topic = try Self.issues(Self.withMonitoring("labels: {horizon: 30d}\nretrain: {when: [{recall_drop: 0.1}]}"))
        #expect(topic.map(\.field) == ["monitoring.labels.topic"])
        // Unknown thresholds: neither psi_warn nor sigmas is judged.
        let kind = try Self.issues(Self.withMonitoring("drift: {thresholds: adaptive, psi_warn: 0.1, sigmas: 2}"))
        #expect(kind.map(\.field) == ["monitoring.drift.thresholds"])
        // A psi_act that is not a number is not compared with psi_warn.
        let act = try Self.issues(Self.withMonitoring("drift: {psi_warn: 0.3, psi_act: high}"))
        #expect(act.map(\.message) == ["must be a number above 0, found \"high\""])
    }

    @Test("every problem of the section is reported at once, in file order")
    func allProblems() throws {
        let issues = try Self.issues(Self.withMonitoring("""
            window: 0s
            drift:
              psi_warn: 0.5
              psi_act: 0.4
              epsilon: 1
            labels:
              topic: tx
              horizon: 1d
            retrain:
              cooldown: soon
              when:
                - every: 7d
                  drift: {}
                - new_labels: 0
                - error_change: false
            """))
        #expect(issues.map(\.code) == [.invalidDuration, .invalidValue, .invalidValue, .topicCollision, .invalidValue,
                                       .invalidDuration, .invalidCondition, .invalidValue, .invalidValue])
        #expect(issues.map(\.line) == [10, 13, 14, 16, 17, 19, 21, 23, 24])
    }

    @Test("topics: the monitoring sinks with one partition each, performance only with labels, triggers only with retrain")
    func topics() throws {
        let plain = try Self.parse(Self.withMonitoring("window: 1h"))
        #expect(plain.topics.map(\.name) == ["tx", "m-features", "m-predictions", "m-alerts", "m-monitor", "m-drift",
                                             "m-models", "m-audit", "m-dlq", "m-late"])
        let full = try Self.parse(Self.full)
        #expect(full.topics.map(\.name) == ["tx", "m-features", "m-predictions", "m-alerts", "m-monitor", "m-drift",
                                            "m-performance", "m-retrain", "m-models", "m-audit", "m-dlq", "m-late"])
        #expect(full.topics.map(\.partitions) == [4, 4, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1], "the source's 4 (default), then 1 each")
        #expect(!full.topics.contains { $0.name == "fraud-labels" }, "the labels topic is an input Vigil does not own")
        #expect(full.sinks.monitor == "m-monitor")
        #expect(full.sinks.drift == "m-drift")
        #expect(full.sinks.performance == "m-performance")
        #expect(full.sinks.triggers == "m-retrain")
        #expect(full.sinks.models == "m-models")
        #expect(full.sinks.audit == "m-audit")

        let retrainOnly = try Self.parse(Self.withMonitoring("retrain: {when: [{every: 7d}]}"))
        #expect(retrainOnly.topics.map(\.name).contains("m-retrain"))
        #expect(!retrainOnly.topics.map(\.name).contains("m-performance"))
        let none = try Self.parse(Self.withMonitoring("{}").replacingOccurrences(of: "monitoring:\n  {}", with: ""))
        #expect(none.monitoring == nil)
        #expect(none.topics.map(\.name) == ["tx", "m-features", "m-predictions", "m-alerts", "m-dlq", "m-late"])
    }

    @Test("the monitoring sinks can be named, and take part in the topic checks only when they are written")
    func sinkTopics() throws {
        let named = try Self.parse(Self.withMonitoring(
            "labels: {topic: l}\nretrain: {when: [{every: 7d}]}",
            extra: "sinks: {monitor: a, drift: b, performance: c, triggers: d, models: e, audit: f}"))
        #expect([named.sinks.monitor, named.sinks.drift, named.sinks.performance, named.sinks.triggers,
                 named.sinks.models, named.sinks.audit] == ["a", "b", "c", "d", "e", "f"])

        // Not written, not checked: no labels → performance; no retrain → triggers; no monitoring → all of them.
        _ = try Self.parse(Self.withMonitoring("window: 1h", extra: "sinks: {performance: tx, triggers: m-features}"))
        let unmonitored = Self.withMonitoring("{}").replacingOccurrences(of: "monitoring:\n  {}", with: "")
        _ = try Self.parse(unmonitored + "sinks: {monitor: tx, drift: tx, models: m-alerts, audit: m-features}")

        for (sinks, field, fragment) in [
            ("sinks: {drift: tx}", "sinks.drift", "writes to the input topic \"tx\""),
            ("sinks: {audit: m-predictions}", "sinks.audit", "\"m-predictions\" is already the predictions topic"),
            ("sinks: {models: m-drift}", "sinks.models", "\"m-drift\" is already the drift topic"),
            ("sinks: {performance: m-monitor}", "sinks.performance", "\"m-monitor\" is already the monitor topic"),
            ("sinks: {triggers: m-dlq}", "sinks.triggers", "\"m-dlq\" is already the dlq topic"),
        ] {
            let issues = try Self.issues(Self.withMonitoring(
                "labels: {topic: l}\nretrain: {when: [{every: 7d}]}", extra: sinks))
            #expect(issues.map(\.code) == [.topicCollision], "\(sinks): \(issues)")
            #expect(issues.map(\.field) == [field])
            #expect(issues.first?.message.contains(fragment) == true, "\(issues)")
        }

        // A default that clashes is reported at the name with the default spelled out (triggers: <name>-retrain).
        let clash = try Self.issues(Self.withMonitoring("retrain: {when: [{every: 7d}]}")
            .replacingOccurrences(of: "topic: tx", with: "topic: m-retrain"))
        #expect(clash.map(\.field) == ["sinks.triggers"])
        #expect(clash.first?.line == 1)
        #expect(clash.first?.hint?.contains("sinks.triggers defaults to <name>-retrain") == true, "\(clash)")
    }

    @Test("the labels topic differs from the source, the repartition topics and every sink written", arguments: [
        ("tx", "the labels topic \"tx\" is also the input topic"),
        ("m-merchant-repartition", "the labels topic \"m-merchant-repartition\" is also the repartition topic of stage \"merchant\""),
        ("m-features", "the labels topic \"m-features\" is also the features topic"),
        ("m-alerts", "the labels topic \"m-alerts\" is also the alerts topic"),
        ("m-monitor", "the labels topic \"m-monitor\" is also the monitor topic"),
        ("m-performance", "the labels topic \"m-performance\" is also the performance topic"),
        ("m-dlq", "the labels topic \"m-dlq\" is also the dlq topic"),
    ])
    func labelsTopic(_ c: (String, String)) throws {
        let yaml = Self.withMonitoring("labels: {topic: \(c.0)}").replacingOccurrences(
            of: "scoring:", with: "  - {name: merchant, key: merchant_id, features: [{name: mn, aggregation: count, window: 1h}]}\nscoring:")
        let issues = try Self.issues(yaml)
        #expect(issues.map(\.code) == [.topicCollision], "\(issues)")
        #expect(issues.map(\.field) == ["monitoring.labels.topic"])
        #expect(issues.first?.message == c.1)
        #expect(issues.first?.line == 11)
        // A sink the topology does not write may be the labels topic: m-retrain without a retraining policy.
        _ = try Self.parse(Self.withMonitoring("labels: {topic: m-retrain}"))
    }

    @Test("the summary lists the monitoring outputs and describes the section in one line")
    func summary() throws {
        let full = TopologyLoader.summary(try Self.parse(Self.full)).split(separator: "\n").map(String.init)
        #expect(full.contains(
            "  outputs: features → m-features, predictions → m-predictions, alerts → m-alerts, monitor → m-monitor, drift → m-drift, performance → m-performance, triggers → m-retrain, models → m-models, audit → m-audit, dlq → m-dlq, late → m-late"))
        #expect(full.contains(
            "  monitoring: window 2h, PSI warn 0.15 act 0.3, epsilon 0.001, labels from fraud-labels (report after 3d, horizon 14d, detector adwin), retrain when drift (PSI > 0.2 on any of the top 5 features for 2 windows) or recall drop > 0.05 or every 14d or 20000 new labels or error change (cooldown 12h, training range 60d)"))
        #expect(full.count { $0.hasPrefix("  monitoring:") } == 1)

        // As docs/topology.md shows it.
        let documented = TopologyLoader.summary(try Self.parse(Self.documented))
        #expect(documented.contains(
            "  monitoring: window 1h, PSI warn 0.1 act 0.25, labels from fraud-labels (report after 7d, horizon 30d, detector page_hinkley), retrain when drift (PSI > 0.25 on any of the top 10 features for 3 windows) or recall drop > 0.1 or every 7d or 50000 new labels or error change (cooldown 1d, training range 30d)\n"))

        let plain = TopologyLoader.summary(try Self.parse(Self.withMonitoring(
            "drift: {thresholds: data_driven}\nretrain: {cooldown: 0s, when: [{drift: {top_features: 1, windows: 1}}]}")))
        #expect(plain.contains(
            "  monitoring: window 1h, data-driven thresholds (mean + 3σ), no labels, retrain when drift (PSI > 0.25 on any of the top 1 feature for 1 window) (no cooldown, training range 30d)"))
        let unmonitored = try Self.parse(Self.withMonitoring("{}").replacingOccurrences(of: "monitoring:\n  {}", with: ""))
        #expect(!TopologyLoader.summary(unmonitored).contains("monitoring"))
    }
}
