import Foundation
import Testing
import VigilCore
@testable import VigilTopology

@Suite("Topology loading and validation")
struct TopologyLoaderTests {
    /// The language of the first release (one stage, count and sum): it must keep loading unchanged.
    static let valid = """
        name: velo
        source:
          topic: tx
          partitions: 3
        stages:
          - name: card
            key: card_id
            features:
              - name: n_1h
                aggregation: count
                window: 1h
              - name: s_5m
                aggregation: sum
                field: amount
                window: 5m
                include_current: true
        grace: 30s
        kafka:
          linger.ms: "2"
        """

    @Test("a first-release file becomes a topology with every field as written and the new defaults")
    func validTopology() throws {
        let t = try TopologyLoader.parse(yaml: Self.valid, file: "velo.yaml")
        #expect(t.name == "velo")
        #expect(t.source == .init(topic: "tx", partitions: 3, schema: .transactionV1))
        #expect(t.stages.count == 1)
        #expect(t.stages[0].key == "card_id")
        #expect(t.stages[0].keyField == EventSchema.transactionV1.index(of: "card_id"))
        #expect(t.stages[0].inputTopic == "tx")
        #expect(t.stages[0].line == 6)
        #expect(t.stages[0].features == [
            FeatureSpec(name: "n_1h", kind: .aggregate(.count, field: nil, window: .trailing(millis: 3_600_000, tileMillis: nil))),
            FeatureSpec(name: "s_5m", kind: .aggregate(.sum, field: "amount", window: .trailing(millis: 300_000, tileMillis: nil)),
                        includeCurrent: true),
        ])
        #expect(t.graceMillis == 30_000)
        #expect(t.sinks == .init(features: "velo-features", windows: "velo-windows", deadLetter: "velo-dlq", late: "velo-late",
                                 predictions: "velo-predictions", shadow: "velo-shadow", alerts: "velo-alerts",
                                 monitor: "velo-monitor", drift: "velo-drift", performance: "velo-performance",
                                 triggers: "velo-retrain", models: "velo-models", audit: "velo-audit"))
        #expect(t.scoring == nil)
        #expect(t.monitoring == nil)
        #expect(t.kafka == ["linger.ms": "2"])
        #expect(t.guarantee == .atLeastOnce)
        #expect(t.idleTimeoutMillis == nil)
        #expect(t.retentionMillis == nil)
        #expect(t.distinctExactLimit == 1000)
        #expect(t.stateDirectory == "state")
        #expect(t.file == "velo.yaml")
    }

    static let errorCases: [(yaml: String, line: Int, column: Int, field: String, fragment: String)] = [
        ("name: a\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_number\n    features: []\n",
         6, 10, "stages[0].key", "unknown key field \"card_number\""),
        ("name: a\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_id\n    features:\n      - name: x\n        aggregation: count\n        window: 1 hour\n",
         10, 17, "stages[0].features[0].window", "is not a duration"),
        ("name: a\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_id\n    features:\n      - name: x\n        aggregation: cnt\n        window: 1h\n",
         9, 22, "stages[0].features[0].aggregation", "unknown aggregation"),
        ("name: a\nsource:\n  topic: tx\n  partiton: 3\nstages: []\n",
         4, 3, "source.partiton", "unknown field \"partiton\""),
        ("name: a\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_id\n    features:\n      - name: x\n        aggregation: sum\n        window: 1h\n",
         8, 9, "stages[0].features[0].field", "missing required field \"field\""),
        ("name: a\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_id\n    features:\n      - {name: x, aggregation: count, window: 1h}\n      - {name: x, aggregation: count, window: 5m}\n",
         9, 16, "stages[0].features[1].name", "duplicate feature name"),
        ("name: a\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_id\n    features: [{name: x, aggregation: count, window: 1h}]\nsinks:\n  features: tx\n",
         9, 13, "sinks.features", "writes to the input topic"),
        ("name: a\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_id\n    features:\n      - name: x\n        aggregation: count\n        window:\n",
         10, 16, "stages[0].features[0].window", "no value given"),
        ("name: a\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_id\n    features:\n      - {name: x, aggregation: count, window: 1h, include_current: yes}\n",
         8, 68, "stages[0].features[0].include_current", "must be true or false"),
        ("name: a\nsource: {topic: tx, partitions: 0}\nstages:\n  - name: card\n    key: card_id\n    features: [{name: x, aggregation: count, window: 1h}]\n",
         2, 33, "source.partitions", "must be a whole number from 1 to 10000"),
        ("name: a\nsource:\n  topic: tx\nstages:\n  card: {key: card_id}\n", 5, 3, "stages", "expected a list"),
        ("name: [a\n", 2, 1, "", "invalid YAML"),
        ("# nothing here\n", 1, 1, "", "the file is empty"),
    ]

    @Test("each error names the line, column and field", arguments: errorCases)
    func errorsAreLocated(_ c: (yaml: String, line: Int, column: Int, field: String, fragment: String)) throws {
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: c.yaml, file: "t.yaml") }
        let issue = try #require(error.issues.first { $0.message.contains(c.fragment) }, "\(error)")
        #expect(issue.file == "t.yaml")
        #expect(issue.line == c.line, "\(issue)")
        #expect(issue.column == c.column, "\(issue)")
        #expect(issue.field == c.field)
        #expect(error.description.contains("t.yaml:\(c.line):\(c.column): error:"))
    }

    @Test("a misspelt key gets a did-you-mean hint")
    func didYouMean() throws {
        let yaml = Self.valid.replacingOccurrences(of: "aggregation: count", with: "agregation: count")
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.contains { $0.code == .unknownField && $0.hint?.contains("did you mean \"aggregation\"") == true })
    }

    @Test("a misspelt schema field in a feature gets a did-you-mean hint naming the real field")
    func didYouMeanField() throws {
        let yaml = Self.valid.replacingOccurrences(of: "field: amount", with: "field: amuont")
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.count == 1)
        #expect(error.issues[0].hint?.contains("did you mean \"amount\"") == true)
    }

    @Test("every problem is reported, not only the first, in file order")
    func allProblems() throws {
        let yaml = """
            name: a b
            source:
              topic: tx
            stages:
              - name: card
                key: nope
                features: [{name: x, aggregation: count, window: 0s}]
              - name: merchant
                key: merchant_id
                features:
                  - {name: m, aggregation: sum, field: merchant_id, window: 1h}
            guarantee: sometimes
            """
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.parse(yaml: yaml, file: "t.yaml") }
        #expect(error.issues.map(\.code) == [.invalidName, .unknownSchemaField, .invalidDuration, .fieldType, .invalidValue])
        #expect(error.issues.map(\.line) == [1, 6, 7, 11, 12])
    }

    @Test("a missing file is a clear error")
    func missingFile() throws {
        let error = try #require(throws: TopologyError.self) { try TopologyLoader.load(path: "/nonexistent/t.yaml") }
        #expect(error.issues.map(\.code) == [.unreadableFile])
        #expect(error.description.contains("/nonexistent/t.yaml"))
        #expect(error.description.contains("cannot read"))
    }

    @Test("durations", arguments: [("500ms", 500), ("30s", 30_000), ("5m", 300_000), ("1h", 3_600_000), ("7d", 604_800_000)] as [(String, Int64)])
    func durations(_ c: (String, Int64)) {
        #expect(DurationParser.milliseconds(c.0) == c.1)
        #expect(DurationParser.milliseconds(DurationParser.format(c.1)) == c.1)
    }

    @Test("not durations", arguments: ["", "h", "1", "1 h", "-1h", "1.5h", "1w", "99999999999999999d"])
    func notDurations(_ text: String) {
        #expect(DurationParser.milliseconds(text) == nil)
    }
}
