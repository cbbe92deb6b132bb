import Foundation
import Testing
import VigilCore
@testable import VigilTopology

@Suite("The scoring section of the topology language")
struct ScoringLanguageTests {
    /// Two stages (a windowed feature in the first) and every kind of alert condition.
    static let full = """
        name: fraud
        source:
          topic: tx
          partitions: 6
        stages:
          - name: card
            key: card_id
            features:
              - {name: card_txn_count_1h, aggregation: count, window: 1h}
              - {name: card_amount_sum_1h, aggregation: sum, field: amount, window: 1h}
              - {name: card_hourly, aggregation: count, window: {tumbling: 1h}}
          - name: merchant
            key: merchant_id
            features:
              - {name: merchant_txn_count_1h, aggregation: count, window: 1h}
        scoring:
          model: ../models/fraud-demo
          challenger: ../models/fraud-next
          canary: 0.1
          reload: 2s
          top_features: 7
          alerts:
            - name: very_high_score
              severity: critical
              when:
                score: {at_least: 0.9}
            - name: review_band
              severity: warning
              when: {score: {between: [0.5, 0.9]}}
            - name: big_spend
              severity: warning
              when:
                score: {above: 0.3}
                card_amount_sum_1h: {above: 2000}
                amount: {at_most: 1e4}
                merchant_txn_count_1h: {below: -1.5}
            - name: deny_listed_merchant
              severity: critical
              when:
                merchant_id: {in: [m000077, m000013, m000077]}
              unless:
                card_id: {in_file: lists/allowed-cards.txt}
            - name: odd_mcc
              severity: info
              when:
                mcc: {not_in: [5411, "07995", +42]}
                channel: {not_in_file: lists/channels.txt}
        """

    static let allowedCards = "# cards of our own staff\n\nc000002\r\n  c000001  \n# c000009 is not allowed\nc000002\n\tc000003\n"

    /// Writes `yaml` as `<dir>/topologies/t.yaml` next to `lists/` files in `topologies/lists/`, and loads it.
    static func load(_ yaml: String, lists: [String: String] = [:], in dir: TemporaryDirectory) throws -> Topology {
        for (name, text) in lists { try dir.write("topologies/lists/\(name)", text) }
        return try TopologyLoader.load(path: try dir.write("topologies/t.yaml", yaml))
    }

    static func loadFull(in dir: TemporaryDirectory) throws -> Topology {
        try load(full, lists: ["allowed-cards.txt": allowedCards, "channels.txt": "pos\necom\n"], in: dir)
    }

    /// A one-stage topology with `scoring` as written (indented under `scoring:`).
    static func withScoring(_ scoring: String, name: String = "s") -> String {
        """
        name: \(name)
        source: {topic: tx}
        stages:
          - name: card
            key: card_id
            features:
              - {name: card_txn_count_1h, aggregation: count, window: 1h}
              - {name: card_amount_ratio, ratio: {numerator: card_txn_count_1h, denominator: card_txn_count_1h}}
        scoring:
        \(scoring.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n"))
        """
    }

    static func rule(_ when: String) -> String {
        "model: m\nalerts:\n  - name: r\n    severity: info\n    when: \(when)"
    }

    static func issues(_ yaml: String, file: String = "t.yaml") throws -> [TopologyIssue] {
        try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: file) }.issues
    }

    @Test("a full scoring section: bundles, canary, reload, rules with every kind of condition")
    func fullSection() throws {
        let dir = try TemporaryDirectory()
        let t = try Self.loadFull(in: dir)
        let scoring = try #require(t.scoring)
        #expect(scoring.model == "\(dir.path)/topologies/../models/fraud-demo")
        #expect(scoring.challenger == "\(dir.path)/topologies/../models/fraud-next")
        #expect(scoring.canaryFraction == 0.1)
        #expect(scoring.reloadMillis == 2_000)
        #expect(scoring.topFeatures == 7)
        #expect(scoring.line == 16)
        #expect(t.featureNames == ["card_txn_count_1h", "card_amount_sum_1h", "merchant_txn_count_1h"])

        typealias C = Topology.Condition
        #expect(scoring.alerts == [
            Topology.AlertRule(name: "very_high_score", severity: .critical,
                               when: [C(subject: .score, test: .atLeast(0.9))], line: 23),
            Topology.AlertRule(name: "review_band", severity: .warning,
                               when: [C(subject: .score, test: .between(0.5, 0.9))], line: 27),
            Topology.AlertRule(name: "big_spend", severity: .warning, when: [
                C(subject: .score, test: .above(0.3)),
                C(subject: .feature(name: "card_amount_sum_1h", index: 1), test: .above(2000)),
                C(subject: .field(name: "amount", index: 3), test: .atMost(10_000)),
                C(subject: .feature(name: "merchant_txn_count_1h", index: 2), test: .below(-1.5)),
            ], line: 30),
            Topology.AlertRule(name: "deny_listed_merchant", severity: .critical,
                               when: [C(subject: .field(name: "merchant_id", index: 2),
                                        test: .member(of: ["m000013", "m000077"], negated: false))],
                               unless: [C(subject: .field(name: "card_id", index: 1),
                                          test: .member(of: ["c000001", "c000002", "c000003"], negated: false))],
                               line: 37),
            Topology.AlertRule(name: "odd_mcc", severity: .info, when: [
                C(subject: .field(name: "mcc", index: 6), test: .member(of: ["42", "5411", "7995"], negated: true)),
                C(subject: .field(name: "channel", index: 7), test: .member(of: ["ecom", "pos"], negated: true)),
            ], line: 43),
        ])
    }

    @Test("only model is required; the defaults are no challenger, no canary, reload 5s, 5 top features, no rules")
    func defaults() throws {
        let t = try TopologyLoader.parse(yaml: Self.withScoring("model: ../models/fraud-demo"), file: "t.yaml")
        #expect(t.scoring == Topology.Scoring(model: "../models/fraud-demo", challenger: nil, canaryFraction: nil,
                                              reloadMillis: 5_000, topFeatures: 5, alerts: [], line: 9))
    }

    @Test("reload 0s disables hot reload; top_features 0 and 50 are the bounds", arguments: [
        ("reload: 0s", 0, 5), ("reload: 250ms", 250, 5), ("top_features: 0", 5_000, 0), ("top_features: 50", 5_000, 50),
    ] as [(String, Int64, Int)])
    func reloadAndTopFeatures(_ c: (String, Int64, Int)) throws {
        let t = try TopologyLoader.parse(yaml: Self.withScoring("model: m\n\(c.0)"), file: "t.yaml")
        #expect(t.scoring?.reloadMillis == c.1)
        #expect(t.scoring?.topFeatures == c.2)
    }

    @Test("bundle paths are resolved against the topology file's directory", arguments: [
        ("t.yaml", "../m", "../m"),
        ("topologies/t.yaml", "../models/x", "topologies/../models/x"),
        ("/etc/vigil/t.yaml", "m.tar.gz", "/etc/vigil/m.tar.gz"),
        ("/etc/vigil/t.yaml", "/opt/models/m", "/opt/models/m"),
        ("/t.yaml", "m", "/m"),
    ])
    func bundlePaths(_ c: (String, String, String)) throws {
        let t = try TopologyLoader.parse(yaml: Self.withScoring("model: \(c.1)\nchallenger: \(c.1)-next"), file: c.0)
        #expect(t.scoring?.model == c.2)
        #expect(t.scoring?.challenger == "\(c.2)-next")
    }

    @Test("bundle paths are not checked: the runtime loads and validates bundles")
    func bundlesNeedNotExist() throws {
        let t = try TopologyLoader.parse(yaml: Self.withScoring("model: /nonexistent/bundle.tar.gz"), file: "/also/not/there.yaml")
        #expect(t.scoring?.model == "/nonexistent/bundle.tar.gz")
    }

    @Test("canary: a fraction strictly between 0 and 1, with a challenger", arguments: ["0", "1", "1.5", "-0.1", "10%", "nan"])
    func badCanary(_ text: String) throws {
        let issues = try Self.issues(Self.withScoring("model: m\nchallenger: c\ncanary: \(text)"))
        #expect(issues.map(\.code) == [.invalidValue])
        #expect(issues.map(\.field) == ["scoring.canary"])
    }

    @Test("canary 0.5 with a challenger")
    func canary() throws {
        let t = try TopologyLoader.parse(yaml: Self.withScoring("model: m\nchallenger: c\ncanary: 0.5"), file: "t.yaml")
        #expect(t.scoring?.canaryFraction == 0.5)
    }

    @Test("topics: predictions and alerts with scoring, shadow only with a challenger, all with the source's partitions")
    func topics() throws {
        let dir = try TemporaryDirectory()
        let t = try Self.loadFull(in: dir)
        #expect(t.sinks.predictions == "fraud-predictions")
        #expect(t.sinks.shadow == "fraud-shadow")
        #expect(t.sinks.alerts == "fraud-alerts")
        #expect(t.topics.map(\.name) == ["tx", "fraud-merchant-repartition", "fraud-features", "fraud-windows",
                                         "fraud-predictions", "fraud-shadow", "fraud-alerts", "fraud-dlq", "fraud-late"])
        #expect(t.topics.map(\.partitions) == [6, 6, 6, 6, 6, 6, 6, 1, 1])

        let champion = try TopologyLoader.parse(yaml: Self.withScoring("model: m"), file: "t.yaml")
        #expect(champion.topics.map(\.name) == ["tx", "s-features", "s-predictions", "s-alerts", "s-dlq", "s-late"])
        let none = try TopologyLoader.parse(yaml: TopologyLoaderTests.valid, file: "t.yaml")
        #expect(none.topics.map(\.name) == ["tx", "velo-features", "velo-dlq", "velo-late"])
    }

    @Test("the scoring sinks can be named, and take part in the topic checks only when they are written")
    func sinkTopics() throws {
        let named = Self.withScoring("model: m") + "\nsinks: {predictions: p, shadow: tx, alerts: a}"
        let t = try TopologyLoader.parse(yaml: named, file: "t.yaml")
        #expect((t.sinks.predictions, t.sinks.alerts) == ("p", "a"))
        #expect(t.sinks.shadow == "tx", "no challenger: the shadow topic is never written, so it may be anything")

        let issues = try Self.issues(Self.withScoring("model: m\nchallenger: c") + "\nsinks: {shadow: tx}")
        #expect(issues.map(\.code) == [.topicCollision])
        #expect(issues.map(\.field) == ["sinks.shadow"])

        // Without scoring, a default alerts topic that is the input topic is no problem; with scoring it is.
        let feedsItself = TopologyLoaderTests.valid.replacingOccurrences(of: "topic: tx", with: "topic: velo-alerts")
        _ = try TopologyLoader.parse(yaml: feedsItself, file: "t.yaml")
        let scored = try Self.issues(feedsItself + "\nscoring: {model: m}")
        #expect(scored.map(\.code) == [.topicCollision])
        #expect(scored[0].line == 1)
        #expect(scored[0].hint?.contains("sinks.alerts defaults to <name>-alerts") == true)
    }

    @Test("list files: comments, blank lines, CRLF and surrounding blanks skipped; values deduplicated and sorted")
    func listFile() throws {
        let dir = try TemporaryDirectory()
        let t = try Self.loadFull(in: dir)
        #expect(t.scoring?.alerts[3].unless.first?.test == .member(of: ["c000001", "c000002", "c000003"], negated: false))
    }

    @Test("list files are read relative to the topology file, whatever the current directory")
    func listFileRelativeToTopology() throws {
        let dir = try TemporaryDirectory()
        try dir.write("topologies/lists/deny.txt", "m1\n")
        let yaml = Self.withScoring(Self.rule("{merchant_id: {in_file: lists/deny.txt}}"))
        let t = try TopologyLoader.parse(yaml: yaml, file: "\(dir.path)/topologies/t.yaml")
        #expect(t.scoring?.alerts[0].when[0].test == .member(of: ["m1"], negated: false))
        let issues = try Self.issues(yaml, file: "\(dir.path)/t.yaml")
        #expect(issues.map(\.code) == [.unreadableFile])
        #expect(issues[0].message.contains("\"\(dir.path)/lists/deny.txt\""))
    }

    @Test("a list file of an int field must hold whole numbers; the first bad line is named")
    func listFileValues() throws {
        let dir = try TemporaryDirectory()
        let yaml = Self.withScoring(Self.rule("{mcc: {in_file: lists/mcc.txt}}"))
        let t = try Self.load(yaml, lists: ["mcc.txt": "5411\n+07995\n"], in: dir)
        #expect(t.scoring?.alerts[0].when[0].test == .member(of: ["5411", "7995"], negated: false))

        let error = try #require(throws: TopologyError.self) {
            try Self.load(yaml, lists: ["mcc.txt": "5411\n# fine\n54.11\nabc\n"], in: dir)
        }
        #expect(error.issues.map(\.code) == [.invalidValue])
        #expect(error.issues[0].message.contains("line 3 of"))
        #expect(error.issues[0].message.contains("\"54.11\" is not a valid int (and 1 more line)"))
    }

    @Test("a list file with only comments and blank lines is an empty list")
    func emptyListFile() throws {
        let dir = try TemporaryDirectory()
        let error = try #require(throws: TopologyError.self) {
            try Self.load(Self.withScoring(Self.rule("{card_id: {not_in_file: lists/none.txt}}")),
                          lists: ["none.txt": "# nobody yet\n\n"], in: dir)
        }
        #expect(error.issues.map(\.code) == [.emptyList])
        #expect(error.issues[0].message.contains("has no values"))
    }

    @Test("which tests apply to which subjects", arguments: [
        ("{score: {below: 0.1}}", nil),
        ("{card_amount_ratio: {at_least: 2}}", nil),                 // a ratio is a per-event feature
        ("{mcc: {between: [5000, 6000]}}", nil),                     // int: numeric …
        ("{mcc: {in: [5411]}}", nil),                                // … and membership
        ("{amount: {above: 0.5}}", nil),                             // decimal: numeric
        ("{country: {in: [FR, DE]}}", nil),                          // string: membership
        ("{amount: {in: [1]}}", .fieldType),                         // decimal: no membership
        ("{ts: {above: 0}}", .fieldType),                            // timestamp: neither
        ("{ts: {in: [0]}}", .fieldType),
        ("{channel: {at_most: 3}}", .fieldType),                     // string: no numeric test
        ("{card_txn_count_1h: {in_file: x.txt}}", .notApplicable),   // features: numeric only (the file is not read)
        ("{merchant: {in: [m1]}}", .unknownName),
        ("{score: {}}", .invalidCondition),
        ("{score: 0.9}", .wrongType),
        ("{score: {between: [0.5]}}", .invalidCondition),
        ("{score: {between: 0.5}}", .wrongType),
        ("{score: {at_least: high}}", .invalidValue),
        ("{score: {at_least: .inf}}", .invalidValue),
        ("{mcc: {in: [54.11]}}", .invalidValue),
    ] as [(String, TopologyError.Code?)])
    func subjectsAndTests(_ c: (String, TopologyError.Code?)) throws {
        let yaml = Self.withScoring(Self.rule(c.0))
        guard let code = c.1 else {
            let t = try TopologyLoader.parse(yaml: yaml, file: "t.yaml")
            #expect(t.scoring?.alerts[0].when.count == 1)
            return
        }
        let issues = try Self.issues(yaml)
        #expect(issues.map(\.code) == [code], "\(issues)")
        #expect(issues.allSatisfy { $0.line == 14 && $0.hint?.isEmpty == false }, "\(issues)")
    }

    @Test("membership values are compared as text: ints in their canonical digits, bools as true or false")
    func memberValues() throws {
        let yaml = """
            name: p
            source:
              topic: payments
              schema:
                timestamp: ts
                fields:
                  ts: {type: timestamp, required: true}
                  account: {type: int, required: true}
                  flagged: {type: bool}
            stages:
              - name: account
                key: account
                features: [{name: n, aggregation: count, window: 1h}]
            scoring:
              model: m
              alerts:
                - name: r
                  severity: info
                  when: {account: {in: [-0, "+12", 12, 7]}, flagged: {in: [true]}}
            """
        let t = try TopologyLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(t.scoring?.alerts[0].when.map(\.test) == [
            .member(of: ["0", "12", "7"], negated: false), .member(of: ["true"], negated: false),
        ])
        let issues = try Self.issues(yaml.replacingOccurrences(of: "in: [true]", with: "in: [yes]"))
        #expect(issues.map(\.code) == [.invalidValue])
        #expect(issues[0].field == "scoring.alerts[0].when.flagged.in[0]")
    }

    @Test("an unknown name gets a did-you-mean across score, features and schema fields", arguments: [
        ("scor", "score"), ("card_txn_count_1d", "card_txn_count_1h"), ("merchantid", "merchant_id"),
    ])
    func didYouMean(_ c: (String, String)) throws {
        let issues = try Self.issues(Self.withScoring(Self.rule("{\(c.0): {above: 1}}")))
        #expect(issues.map(\.code) == [.unknownName])
        #expect(issues[0].hint?.contains("did you mean \"\(c.1)\"?") == true)
    }

    @Test("score is the model's score: a feature called score is ambiguous in a condition")
    func scoreIsReserved() throws {
        let yaml = Self.withScoring(Self.rule("{score: {above: 0.5}}"))
            .replacingOccurrences(of: "name: card_amount_ratio,", with: "name: score,")
        let issues = try Self.issues(yaml)
        #expect(issues.map(\.code) == [.ambiguousName])
        #expect(issues[0].message.contains("also a feature"))
    }

    @Test("when and unless need at least one condition; when is required")
    func emptyConditions() throws {
        for (rule, code, fragment) in [
            ("model: m\nalerts:\n  - {name: r, severity: info, when: }", TopologyError.Code.emptyList, "when needs at least one condition"),
            ("model: m\nalerts:\n  - {name: r, severity: info, when: {score: {above: 0.5}}, unless: {}}", .emptyList,
             "unless needs at least one condition"),
            ("model: m\nalerts:\n  - {name: r, severity: info}", .missingField, "missing required field \"when\""),
        ] {
            let issues = try Self.issues(Self.withScoring(rule))
            #expect(issues.map(\.code) == [code])
            #expect(issues.first?.message.contains(fragment) == true, "\(issues)")
        }
    }

    @Test("every problem of the section is reported at once, in file order")
    func allProblems() throws {
        let yaml = Self.withScoring("""
            challenger: c
            canary: 2
            reload: soon
            alerts:
              - name: a
                severity: severe
                when: {scor: {above: 1}, merchant_id: {above: 1}}
              - name: a
                severity: info
                when: {score: {between: [1, 0]}}
            """)
        let issues = try Self.issues(yaml)
        #expect(issues.map(\.code) == [.missingField, .invalidValue, .invalidDuration, .invalidValue, .unknownName, .fieldType,
                                       .duplicateName, .invalidCondition])
        #expect(issues.map(\.line) == [10, 11, 12, 15, 16, 16, 17, 19])
    }

    @Test("a broken schema is reported once: conditions on fields are not checked against a guess")
    func brokenSchemaDoesNotCascade() throws {
        let yaml = """
            name: p
            source:
              topic: payments
              schema:
                timestamp: ts
                fields:
                  ts: {type: timestamp, required: true}
                  account: {type: money}
            stages:
              - name: account
                key: account
                features: [{name: n, aggregation: count, window: 1h}]
            scoring:
              model: m
              alerts: [{name: r, severity: info, when: {account: {in: [1]}, n: {above: 1}}}]
            """
        let issues = try Self.issues(yaml)
        #expect(issues.map(\.code) == [.invalidValue])
        #expect(issues[0].field == "source.schema.fields.account.type")
    }

    @Test("conditions describe themselves for alert reasons", arguments: [
        (Topology.Condition(subject: .score, test: .atLeast(0.9)), "score >= 0.9"),
        (.init(subject: .score, test: .between(0.5, 0.9)), "0.5 <= score < 0.9"),
        (.init(subject: .feature(name: "card_amount_sum_1h", index: 1), test: .above(2000)), "card_amount_sum_1h > 2000"),
        (.init(subject: .field(name: "amount", index: 3), test: .below(-1.25)), "amount < -1.25"),
        (.init(subject: .field(name: "amount", index: 3), test: .atMost(1e20)), "amount <= 1e+20"),
        (.init(subject: .field(name: "merchant_id", index: 2), test: .member(of: ["a", "b"], negated: false)),
         "merchant_id in 2 values"),
        (.init(subject: .field(name: "card_id", index: 1), test: .member(of: ["a"], negated: true)), "card_id not in 1 value"),
    ])
    func descriptions(_ c: (Topology.Condition, String)) {
        #expect(c.0.description == c.1)
    }

    @Test("severities are ordered info < warning < critical")
    func severityOrder() {
        typealias S = Topology.AlertRule.Severity
        #expect(S.allCases.sorted() == [.info, .warning, .critical])
        #expect(S.info < .warning && S.warning < .critical && !(S.critical < .info))
        #expect([S.warning, .critical, .info].max() == .critical)
    }

    @Test("the summary names the bundles, the canary and the alert rules, and the scoring outputs")
    func summary() throws {
        let dir = try TemporaryDirectory()
        let t = try Self.loadFull(in: dir)
        let lines = TopologyLoader.summary(t).split(separator: "\n").map(String.init)
        #expect(lines.contains(
            "  outputs: features → fraud-features, windows → fraud-windows, predictions → fraud-predictions, shadow → fraud-shadow, alerts → fraud-alerts, dlq → fraud-dlq, late → fraud-late"))
        let models = "\(dir.path)/topologies/../models"
        #expect(lines.contains(
            "  scoring: model \(models)/fraud-demo, challenger \(models)/fraud-next (canary 0.1 of keys), reload 2s, top 7 features, 5 alert rules (2 critical, 2 warning, 1 info)"))

        let plain = try TopologyLoader.parse(yaml: Self.withScoring("model: m\nreload: 0s\ntop_features: 1"), file: "t.yaml")
        #expect(TopologyLoader.summary(plain).contains("  scoring: model m, no hot reload, top 1 feature, 0 alert rules"))
    }
}
