import Foundation
import Testing
import VigilCore
@testable import VigilTopology

@Suite("The topologies shipped in topologies/")
struct ShippedTopologyTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func load(_ name: String) throws -> Topology {
        try TopologyLoader.load(path: "\(root)/topologies/\(name).yaml")
    }

    static func feature(_ t: Topology, _ name: String) throws -> FeatureSpec {
        try #require(t.stages.flatMap(\.features).first { $0.name == name }, "no feature \(name)")
    }

    static func window(_ t: Topology, _ name: String) throws -> Window? {
        if case .aggregate(_, _, let window) = try feature(t, name).kind { return window }
        return nil
    }

    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    @Test("fraud-scoring: card → merchant → device over 8 partitions")
    func fraudScoringShape() throws {
        let t = try Self.load("fraud-scoring")
        #expect(t.name == "fraud-scoring")
        #expect(t.source.topic == "transactions")
        #expect(t.source.partitions == 8)
        #expect(t.source.schema == .transactionV1)
        #expect(t.stages.map(\.name) == ["card", "merchant", "device"])
        #expect(t.stages.map(\.key) == ["card_id", "merchant_id", "device_id"])
        #expect(t.stages.map(\.inputTopic) == ["transactions", "fraud-scoring-merchant-repartition", "fraud-scoring-device-repartition"])
        #expect(t.featureNames.count >= 25)
        #expect(t.topics.map(\.name) == [
            "transactions", "fraud-scoring-merchant-repartition", "fraud-scoring-device-repartition",
            "fraud-scoring-features", "fraud-scoring-windows", "fraud-scoring-predictions", "fraud-scoring-alerts",
            "fraud-scoring-monitor", "fraud-scoring-drift", "fraud-scoring-performance", "fraud-scoring-retrain",
            "fraud-scoring-models", "fraud-scoring-audit", "fraud-scoring-dlq", "fraud-scoring-late",
        ])
        #expect(t.topics.map(\.partitions) == [8, 8, 8, 8, 8, 8, 8, 1, 1, 1, 1, 1, 1, 1, 1])
        let monitoring = try #require(t.monitoring)
        #expect(monitoring.labels?.topic == "labels")
        #expect(monitoring.retrain?.rules.count == 2)
        let scoring = try #require(t.scoring)
        #expect(scoring.model.hasSuffix("topologies/../models/fraud-demo"))
        #expect(scoring.alerts.map(\.name) == ["very_high_score", "high_score"])
        #expect(t.graceMillis == 30 * 60_000)
    }

    @Test("fraud-scoring: the card features an analyst expects")
    func fraudScoringCardFeatures() throws {
        let t = try Self.load("fraud-scoring")
        for (name, millis) in [("5m", 300_000), ("1h", Self.hour), ("24h", Self.day)] as [(String, Int64)] {
            #expect(try Self.feature(t, "card_txn_count_\(name)").kind == .aggregate(.count, field: nil, window: .trailing(millis: millis, tileMillis: nil)))
            #expect(try Self.feature(t, "card_amount_sum_\(name)").kind == .aggregate(.sum, field: "amount", window: .trailing(millis: millis, tileMillis: nil)))
        }
        #expect(try Self.feature(t, "card_txn_count_7d").kind == .aggregate(.count, field: nil, window: .trailing(millis: 7 * Self.day, tileMillis: Self.hour)))
        #expect(try Self.feature(t, "card_amount_sum_7d").kind == .aggregate(.sum, field: "amount", window: .trailing(millis: 7 * Self.day, tileMillis: Self.hour)))
        #expect(try Self.feature(t, "card_distinct_merchants_24h").kind == .aggregate(.distinctCount, field: "merchant_id", window: .trailing(millis: Self.day, tileMillis: nil)))
        #expect(try Self.feature(t, "card_distinct_countries_24h").kind == .aggregate(.distinctCount, field: "country", window: .trailing(millis: Self.day, tileMillis: nil)))
        #expect(try Self.feature(t, "card_amount_zscore_30d").kind == .aggregate(.zScore, field: "amount", window: .trailing(millis: 30 * Self.day, tileMillis: Self.hour)))
        #expect(try Self.feature(t, "card_seconds_since_last_7d").kind == .aggregate(.timeSinceLast, field: nil, window: .trailing(millis: 7 * Self.day, tileMillis: nil)))
        let merchantSeen = try Self.feature(t, "card_merchant_first_seen_90d")
        #expect(merchantSeen.kind == .aggregate(.firstSeen, field: "merchant_id", window: .trailing(millis: 90 * Self.day, tileMillis: nil)))
        #expect(merchantSeen.id == "cm_seen")
        #expect(try Self.feature(t, "card_country_first_seen_90d").kind == .aggregate(.firstSeen, field: "country", window: .trailing(millis: 90 * Self.day, tileMillis: nil)))
        #expect(try Self.feature(t, "card_amount_mean_24h").kind == .aggregate(.mean, field: "amount", window: .trailing(millis: Self.day, tileMillis: nil)))
        #expect(try Self.feature(t, "card_amount_max_24h").kind == .aggregate(.max, field: "amount", window: .trailing(millis: Self.day, tileMillis: nil)))
        #expect(try Self.feature(t, "card_amount_ratio_1h_24h").kind == .ratio(numerator: "card_amount_sum_1h", denominator: "card_amount_sum_24h"))
        #expect(try Self.feature(t, "card_session_txn_count").kind == .aggregate(.count, field: nil, window: .session(gapMillis: 30 * 60_000)))
        #expect(t.stages[0].features.allSatisfy { !$0.includeCurrent })
    }

    @Test("fraud-scoring: merchant and device features; busy merchants' 24h windows are tiled")
    func fraudScoringMerchantAndDevice() throws {
        let t = try Self.load("fraud-scoring")
        for name in ["merchant_txn_count_1h", "merchant_amount_sum_1h", "merchant_amount_mean_1h", "merchant_distinct_cards_1h", "device_txn_count_1h"] {
            #expect(try Self.window(t, name) == .trailing(millis: Self.hour, tileMillis: nil), "\(name)")
        }
        for name in ["merchant_txn_count_24h", "merchant_amount_sum_24h", "merchant_amount_mean_24h"] {
            let window = try #require(try Self.window(t, name))
            guard case .trailing(Self.day, let tile?) = window else {
                Issue.record("\(name) is not a tiled 24h window: \(window)")
                continue
            }
            #expect(tile == 5 * 60_000 || tile == 15 * 60_000)
        }
        #expect(try Self.feature(t, "merchant_distinct_cards_1h").kind == .aggregate(.distinctCount, field: "card_id", window: .trailing(millis: Self.hour, tileMillis: nil)))
        #expect(try Self.feature(t, "merchant_txn_count_hourly").kind == .aggregate(.count, field: nil, window: .tumbling(sizeMillis: Self.hour)))
        #expect(try Self.feature(t, "device_distinct_cards_24h").kind == .aggregate(.distinctCount, field: "card_id", window: .trailing(millis: Self.day, tileMillis: nil)))
        #expect(t.stages[2].features.contains { $0.name == "device_txn_count_1h" })
        // Windowed features go to the windows topic, not the feature event.
        #expect(!t.featureNames.contains("card_session_txn_count"))
        #expect(!t.featureNames.contains("merchant_txn_count_hourly"))
        #expect(t.hasWindowedFeatures)
    }

    @Test("card-velocity stays a one-stage topology in the first release's syntax")
    func cardVelocity() throws {
        let t = try Self.load("card-velocity")
        #expect(t.stages.count == 1)
        #expect(t.stages[0].key == "card_id")
        #expect(t.stages[0].features.count == 6)
        #expect(t.stages[0].features.map(\.name) == [
            "card_txn_count_5m", "card_amount_sum_5m", "card_txn_count_1h", "card_amount_sum_1h",
            "card_txn_count_24h", "card_amount_sum_24h",
        ])
        #expect(try Self.feature(t, "card_amount_sum_24h").kind == .aggregate(.sum, field: "amount", window: .trailing(millis: Self.day, tileMillis: nil)))
        #expect(t.sinks.features == "card-velocity-features")
        #expect(!t.hasWindowedFeatures)
    }

    @Test("the topology in docs/topology.md's worked example loads")
    func docsExample() throws {
        let text = try String(contentsOfFile: "\(Self.root)/docs/topology.md", encoding: .utf8)
        let blocks = text.components(separatedBy: "```yaml\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        let example = try #require(blocks.first)
        let t = try TopologyLoader.parse(yaml: example, file: "docs/topology.md")
        #expect(t.stages.count >= 2)
    }
}
