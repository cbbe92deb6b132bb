import Foundation
import Testing
import VigilCore
@testable import VigilTopology

/// One `window:` as written and the window it must become.
struct WindowCase: Sendable, CustomTestStringConvertible {
    var aggregation: String
    var window: String
    var expected: Window

    var testDescription: String { "\(aggregation) over \(window)" }
}

@Suite("The topology language")
struct LanguageTests {
    /// A one-stage topology around one feature body (the lines after `- name: f`, indented by 8).
    static func oneFeature(_ body: String) -> String {
        """
        name: t
        source:
          topic: tx
        stages:
          - name: card
            key: card_id
            features:
              - name: f
        \(body.split(separator: "\n").map { "        \($0)" }.joined(separator: "\n"))
        """
    }

    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    static let windowCases: [WindowCase] = [
        WindowCase(aggregation: "count", window: "1h", expected: .trailing(millis: hour, tileMillis: nil)),
        WindowCase(aggregation: "count", window: "24h", expected: .trailing(millis: day, tileMillis: nil)),
        WindowCase(aggregation: "count", window: "7d", expected: .trailing(millis: 7 * day, tileMillis: hour)),
        WindowCase(aggregation: "sum", window: "{trailing: 30d}", expected: .trailing(millis: 30 * day, tileMillis: hour)),
        WindowCase(aggregation: "sum", window: "{trailing: 30d, tile: exact}", expected: .trailing(millis: 30 * day, tileMillis: nil)),
        WindowCase(aggregation: "mean", window: "{trailing: 24h, tile: 15m}", expected: .trailing(millis: day, tileMillis: 900_000)),
        WindowCase(aggregation: "distinct_count", window: "{trailing: 2d, tile: 2d}", expected: .trailing(millis: 2 * day, tileMillis: 2 * day)),
        WindowCase(aggregation: "first_seen", window: "90d", expected: .trailing(millis: 90 * day, tileMillis: nil)),
        WindowCase(aggregation: "time_since_last", window: "7d", expected: .trailing(millis: 7 * day, tileMillis: nil)),
        WindowCase(aggregation: "count", window: "{tumbling: 1h}", expected: .tumbling(sizeMillis: hour)),
        WindowCase(aggregation: "max", window: "{hopping: 1h, advance: 15m}", expected: .hopping(sizeMillis: hour, advanceMillis: 900_000)),
        WindowCase(aggregation: "count", window: "{hopping: 1h, advance: 1h}", expected: .hopping(sizeMillis: hour, advanceMillis: hour)),
        WindowCase(aggregation: "stddev", window: "{session: 30m}", expected: .session(gapMillis: 1_800_000)),
    ]

    @Test("window forms, and the default tile of long trailing windows", arguments: windowCases)
    func windows(_ c: WindowCase) throws {
        let field = ["count", "time_since_last"].contains(c.aggregation) ? "" : "\nfield: \(c.aggregation == "distinct_count" || c.aggregation == "first_seen" ? "merchant_id" : "amount")"
        let yaml = Self.oneFeature("aggregation: \(c.aggregation)\(field)\nwindow: \(c.window)")
        let t = try TopologyLoader.parse(yaml: yaml, file: "t.yaml")
        let kind = try #require(t.stages.first?.features.first?.kind)
        guard case .aggregate(let aggregation, _, let window) = kind else {
            Issue.record("not an aggregate: \(kind)")
            return
        }
        #expect(aggregation.rawValue == c.aggregation)
        #expect(window == c.expected)
    }

    @Test("every aggregation is accepted with the field it needs", arguments: Aggregation.allCases)
    func aggregations(_ aggregation: Aggregation) throws {
        let field: String? = switch aggregation {
        case .count, .timeSinceLast: nil
        case .distinctCount, .firstSeen: "country"
        default: "amount"
        }
        let yaml = Self.oneFeature("aggregation: \(aggregation.rawValue)\(field.map { "\nfield: \($0)" } ?? "")\nwindow: 1h")
        let t = try TopologyLoader.parse(yaml: yaml, file: "t.yaml")
        #expect(t.stages[0].features[0].kind == .aggregate(aggregation, field: field, window: .trailing(millis: Self.hour, tileMillis: nil)))
    }

    @Test("int fields are numeric: mcc can be summed; strings and timestamps cannot")
    func numericFields() throws {
        _ = try TopologyLoader.parse(yaml: Self.oneFeature("aggregation: max\nfield: mcc\nwindow: 1h"), file: "t.yaml")
        for field in ["country", "ts"] {
            let error = try #require(throws: TopologyError.self) {
                try TopologyLoader.parse(yaml: Self.oneFeature("aggregation: sum\nfield: \(field)\nwindow: 1h"), file: "t.yaml")
            }
            #expect(error.issues.map(\.code) == [.fieldType])
        }
    }

    static let paymentSchema = """
        name: pay
        source:
          topic: payments
          schema:
            timestamp: created_at
            fields:
              account: {type: int, required: true}
              value: {type: decimal, required: true}
              channel: {type: string, default: web}
              retries: {type: int, default: -3}
              fee: {type: decimal, default: "0.25"}
              flagged: {type: bool, default: false}
              settled_at: {type: timestamp, default: 0}
              note: {type: string}
              created_at: {type: timestamp, required: true}
        stages:
          - name: account
            key: account
            features:
              - {name: account_value_sum_1h, aggregation: sum, field: value, window: 1h}
              - {name: account_fee_max_1h, aggregation: max, field: fee, window: 1h}
        """

    @Test("a declared schema keeps field order, types, requirements and typed defaults; an int field can be a key")
    func declaredSchema() throws {
        let t = try TopologyLoader.parse(yaml: Self.paymentSchema, file: "pay.yaml")
        let schema = t.source.schema
        #expect(schema.fields == [
            FieldSpec(name: "account", type: .int, required: true),
            FieldSpec(name: "value", type: .decimal, required: true),
            FieldSpec(name: "channel", type: .string, required: false, defaultValue: .string("web")),
            FieldSpec(name: "retries", type: .int, required: false, defaultValue: .int(-3)),
            FieldSpec(name: "fee", type: .decimal, required: false, defaultValue: .decimal(units: 2_500)),
            FieldSpec(name: "flagged", type: .bool, required: false, defaultValue: .bool(false)),
            FieldSpec(name: "settled_at", type: .timestamp, required: false, defaultValue: .int(0)),
            FieldSpec(name: "note", type: .string, required: false),
            FieldSpec(name: "created_at", type: .timestamp, required: true),
        ])
        #expect(schema.timestampField == 8)
        #expect(t.stages[0].key == "account")
        #expect(t.stages[0].keyField == 0)
    }

    @Test("defaults that do not parse as their type are rejected", arguments: [
        ("{type: int, default: 1.5}", "is not a valid int"),
        ("{type: decimal, default: 1.23456}", "is not a valid decimal"),
        ("{type: bool, default: yes}", "is not a valid bool"),
        ("{type: timestamp, default: -1}", "is not a valid timestamp"),
    ])
    func badDefaults(_ c: (String, String)) throws {
        let yaml = Self.paymentSchema.replacingOccurrences(of: "{type: string, default: web}", with: c.0)
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.count == 1)
        #expect(error.issues[0].code == .invalidValue)
        #expect(error.issues[0].message.contains(c.1))
        #expect(error.issues[0].line == 9)
    }

    @Test("a broken schema is reported once; features are not checked against a guessed schema")
    func brokenSchemaDoesNotCascade() throws {
        let yaml = Self.paymentSchema.replacingOccurrences(of: "value: {type: decimal, required: true}", with: "value: {type: money, required: true}")
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.map(\.code) == [.invalidValue])
        #expect(error.issues[0].field == "source.schema.fields.value.type")
    }

    @Test("an optional event-time field is rejected")
    func optionalTimestamp() throws {
        let yaml = Self.paymentSchema.replacingOccurrences(of: "created_at: {type: timestamp, required: true}", with: "created_at: {type: timestamp}")
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.map(\.code) == [.fieldType])
        #expect(error.issues[0].message.contains("must be required"))
    }

    static let threeStages = """
        name: chain
        source:
          topic: tx
          partitions: 6
        stages:
          - name: card
            key: card_id
            features:
              - {name: card_sum_1h, aggregation: sum, field: amount, window: 1h}
              - {name: card_sum_24h, aggregation: sum, field: amount, window: 24h}
              - {name: card_hourly, aggregation: count, window: {tumbling: 1h}}
              - name: card_share
                ratio: {numerator: card_sum_1h, denominator: card_sum_24h}
              - name: card_share_of_share
                id: sos
                ratio: {numerator: card_share, denominator: card_sum_1h}
          - name: merchant
            key: merchant_id
            features:
              - {name: merchant_mean_24h, aggregation: mean, field: amount, window: 24h}
              - name: card_vs_merchant
                ratio: {numerator: card_sum_24h, denominator: merchant_mean_24h}
          - name: card_again
            key: card_id
            features:
              - {name: card_seen_merchant, aggregation: first_seen, field: merchant_id, window: 30d}
        sinks:
          late: chain-dlq
        idle_timeout: 30s
        retention: 35d
        distinct_exact_limit: 500
        guarantee: exactly_once
        state_dir: /var/lib/vigil
        """

    @Test("stages chain through repartition topics; a key may come back after another key")
    func chain() throws {
        let t = try TopologyLoader.parse(yaml: Self.threeStages, file: "chain.yaml")
        #expect(t.stages.map(\.name) == ["card", "merchant", "card_again"])
        #expect(t.stages.map(\.key) == ["card_id", "merchant_id", "card_id"])
        #expect(t.stages.map(\.keyField) == [1, 2, 1])
        #expect(t.stages.map(\.inputTopic) == ["tx", "chain-merchant-repartition", "chain-card_again-repartition"])
        #expect(t.stages.map(\.line) == [6, 17, 23])
        #expect(t.stages[0].features.map(\.id) == ["card_sum_1h", "card_sum_24h", "card_hourly", "card_share", "sos"])
        #expect(t.stages[1].features[1].kind == .ratio(numerator: "card_sum_24h", denominator: "merchant_mean_24h"))
        #expect(t.idleTimeoutMillis == 30_000)
        #expect(t.retentionMillis == 35 * Self.day)
        #expect(t.distinctExactLimit == 500)
        #expect(t.guarantee == .exactlyOnce)
        #expect(t.stateDirectory == "/var/lib/vigil")
    }

    @Test("feature-event columns are the per-event features in stage order; each stage sees those before it")
    func featureNames() throws {
        let t = try TopologyLoader.parse(yaml: Self.threeStages, file: "chain.yaml")
        #expect(t.featureNames == ["card_sum_1h", "card_sum_24h", "card_share", "card_share_of_share", "merchant_mean_24h",
                                   "card_vs_merchant", "card_seen_merchant"])
        #expect(t.upstreamFeatureNames(ofStage: 0) == [])
        #expect(t.upstreamFeatureNames(ofStage: 1) == ["card_sum_1h", "card_sum_24h", "card_share", "card_share_of_share"])
        #expect(t.upstreamFeatureNames(ofStage: 2).count == 6)
        #expect(t.hasWindowedFeatures)
    }

    @Test("topics: source, repartition topics with the source's partitions, sinks; a shared dlq/late topic is listed once")
    func topics() throws {
        let t = try TopologyLoader.parse(yaml: Self.threeStages, file: "chain.yaml")
        #expect(t.topics.map(\.name) == ["tx", "chain-merchant-repartition", "chain-card_again-repartition",
                                         "chain-features", "chain-windows", "chain-dlq"])
        #expect(t.topics.map(\.partitions) == [6, 6, 6, 6, 6, 1])
        #expect(t.sinks.late == "chain-dlq")

        let single = try TopologyLoader.parse(yaml: TopologyLoaderTests.valid, file: "velo.yaml")
        #expect(single.topics.map(\.name) == ["tx", "velo-features", "velo-dlq", "velo-late"], "no windows topic without windowed features")
    }

    @Test("two sinks other than dlq and late cannot share a topic")
    func sinkSharing() throws {
        let yaml = Self.threeStages.replacingOccurrences(of: "late: chain-dlq", with: "windows: chain-features")
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.map(\.code) == [.topicCollision])
        #expect(error.issues[0].field == "sinks.windows")
        #expect(error.issues[0].message.contains("already the features topic"))
    }

    @Test("a default sink that collides is reported at the topology name")
    func defaultSinkCollision() throws {
        let yaml = TopologyLoaderTests.valid.replacingOccurrences(of: "topic: tx", with: "topic: velo-dlq")
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.map(\.code) == [.topicCollision])
        #expect(error.issues[0].line == 1)
        #expect(error.issues[0].hint?.contains("defaults to <name>-dlq") == true)
    }

    @Test("a ratio of a ratio is fine; a ratio of itself is a cycle")
    func selfRatio() throws {
        let yaml = Self.oneFeature("ratio: {numerator: f, denominator: g}").replacingOccurrences(of: "name: f\n", with: "name: f\n") + """

                  - {name: g, aggregation: count, window: 1h}
            """
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.map(\.code) == [.ratioCycle])
        #expect(error.issues[0].message.contains("f → f"))
    }

    @Test("two cycles are both reported, each once")
    func twoCycles() throws {
        let yaml = """
            name: t
            source: {topic: tx}
            stages:
              - name: card
                key: card_id
                features:
                  - {name: n, aggregation: count, window: 1h}
                  - {name: a, ratio: {numerator: b, denominator: n}}
                  - {name: b, ratio: {numerator: a, denominator: n}}
                  - {name: c, ratio: {numerator: n, denominator: d}}
                  - {name: d, ratio: {numerator: c, denominator: c}}
            """
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.map(\.message) == ["ratios form a cycle: a → b → a", "ratios form a cycle: c → d → c"])
        #expect(error.issues.map(\.line) == [8, 10])
    }

    @Test("null, mapping and list values where a single value belongs are located")
    func wrongShapes() throws {
        let yaml = """
            name: t
            source:
              topic: [a, b]
            stages:
              - name: card
                key: {field: card_id}
                features:
                  - {name: n, aggregation: count, window: 1h}
            state_dir: ~
            """
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.map(\.code) == [.wrongType, .wrongType, .missingField])
        #expect(error.issues.map(\.field) == ["source.topic", "stages[0].key", "state_dir"])
    }

    @Test("decimal defaults parse exactly to units of 1/10 000", arguments: [
        ("0", 0), ("12.5", 125_000), ("-0.0001", -1), ("7", 70_000), ("922337203685477.5807", Int64.max),
    ] as [(String, Int64)])
    func decimalUnits(_ c: (String, Int64)) {
        #expect(NodeReader.decimalUnits(c.0) == c.1)
    }

    @Test("not decimals", arguments: ["", "-", "1.", ".5", "1.23456", "1e3", "1,5", "922337203685477.5808", "+1"])
    func notDecimals(_ text: String) {
        #expect(NodeReader.decimalUnits(text) == nil)
    }

    @Test("the scoring example of docs/topology.md loads, with its list file next to it")
    func docsScoringExample() throws {
        let text = try String(contentsOfFile: "\(ShippedTopologyTests.root)/docs/topology.md", encoding: .utf8)
        let section = try #require(text.components(separatedBy: "\n## Scoring\n").dropFirst().first)
        let example = try #require(section.components(separatedBy: "```yaml\n").dropFirst().first?
            .components(separatedBy: "```").first)
        let dir = try TemporaryDirectory()
        try dir.write("topologies/lists/allowed-cards.txt", "c000001\n")
        let t = try TopologyLoader.load(path: try dir.write("topologies/card-risk.yaml", example))
        let scoring = try #require(t.scoring)
        #expect(scoring.model == "\(dir.path)/topologies/../models/fraud-demo")
        #expect(scoring.challenger == "\(dir.path)/topologies/../models/fraud-next")
        #expect(scoring.canaryFraction == 0.1)
        #expect(scoring.alerts.map(\.name) == ["very_high_score", "review_band", "big_spend", "deny_listed_merchant"])
        #expect(scoring.alerts.map(\.severity) == [.critical, .warning, .warning, .critical])
        #expect(scoring.alerts[3].unless == [
            .init(subject: .field(name: "card_id", index: 1), test: .member(of: ["c000001"], negated: false)),
        ])
        #expect(t.topics.map(\.name).suffix(5) == ["card-risk-predictions", "card-risk-shadow", "card-risk-alerts",
                                                   "card-risk-dlq", "card-risk-late"])
        // The summary line the section shows, up to the directory the test loaded it from.
        let line = try #require(section.components(separatedBy: "```text\n").dropFirst().first?
            .components(separatedBy: "\n").first)
        #expect(TopologyLoader.summary(t).replacingOccurrences(of: "\(dir.path)/", with: "").contains(line))
    }

    @Test("the summary names the stages, keys, inputs, feature counts and outputs")
    func summary() throws {
        let t = try TopologyLoader.parse(yaml: Self.threeStages, file: "chain.yaml")
        let lines = TopologyLoader.summary(t).split(separator: "\n").map(String.init)
        #expect(lines == [
            "topology chain: 3 stages, 7 per-event features, 1 windowed feature",
            "  input tx (6 partitions), 11 schema fields, event time ts",
            "  stage card, key card_id, reads tx: 5 features (2 trailing, 2 ratio, 1 tumbling)",
            "  stage merchant, key merchant_id, reads chain-merchant-repartition: 2 features (1 trailing, 1 ratio)",
            "  stage card_again, key card_id, reads chain-card_again-repartition: 1 feature (1 trailing)",
            "  outputs: features → chain-features, windows → chain-windows, dlq → chain-dlq, late → chain-dlq",
            "  grace 10m, idle timeout 30s, input retention 35d, guarantee exactly_once, state in /var/lib/vigil",
        ])
    }
}
