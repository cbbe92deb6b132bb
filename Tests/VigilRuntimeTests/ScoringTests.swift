import Foundation
import Testing
import VigilCore
import VigilRuntime
import VigilTesting
import VigilTopology

/// The score and alert steps (issue 4): one prediction per event by exactly one model version, hot swap, rejected
/// bundles, missing features, shadow and canary scoring, alert rules and their explanations.
@Suite("Scoring and alerts")
struct ScoringTests {
    static let features = ["n_5m", "n_1h", "s_24h"]
    static let champion = ScoringSupport.Logistic(
        version: "1", features: features, weights: [0.4, 0.3, 0.002], intercept: -2.5)

    /// Pipes transactions keyed (and partitioned) by card, one batch per partition.
    static func pipe(_ driver: TopologyTestDriver, _ txs: [Transaction]) throws {
        let partitions = driver.topology.source.partitions
        var byPartition: [Int32: [(key: [UInt8]?, value: [UInt8]?)]] = [:]
        for t in txs {
            let key = Array(t.cardID.utf8)
            byPartition[KafkaPartitioner.partition(key: key, partitions: partitions), default: []].append((key, Support.encode(t)))
        }
        for p in byPartition.keys.sorted() { try driver.pipe(byPartition[p]!, partition: p) }
    }

    static func setUp(_ scoring: (String) -> String, bundles: [(String, ScoringSupport.Logistic)]) throws
        -> (dir: String, driver: TopologyTestDriver)
    {
        let dir = try Support.temporaryDirectory()
        for (name, model) in bundles { try model.write(to: "\(dir)/\(name)") }
        let t = try ScoringSupport.topology(stateDirectory: dir, scoring: scoring(dir))
        return (dir, try TopologyTestDriver(topology: t))
    }

    @Test("every transaction gets one prediction from the champion, equal to the model applied to its feature event; a replay writes the same bytes")
    func onePredictionPerEvent() throws {
        let (dir, driver) = try Self.setUp({ "model: \($0)/champion\nreload: 0s" }, bundles: [("champion", Self.champion)])
        defer { driver.close(); try? FileManager.default.removeItem(atPath: dir) }
        let txs = Support.transactions(count: 600, seed: 7, cards: 30)
        try Self.pipe(driver, txs)
        let features = try driver.featureEvents.map { try ScoringSupport.object($0.value) }
        let predictions = try driver.predictions.map { try ScoringSupport.object($0.value) }
        #expect(features.count == 600)
        #expect(predictions.count == 600)
        var byID: [String: [String: Any]] = [:]
        for p in predictions { byID[p["event_id"] as! String] = p }
        #expect(byID.count == 600)
        var decisions: Set<String> = []
        for f in features {
            let id = f["event_id"] as! String
            let p = try #require(byID[id])
            let values = f["features"] as! [String: Any]
            let expected = Self.champion.score(Self.features.map { ScoringSupport.input(values, $0) })
            let score = try #require(p["score"] as? Double)
            #expect(abs(score - expected) < 1e-12, "\(id)")
            #expect(p["model"] as? String == "test-model")
            #expect(p["model_version"] as? String == "1")
            #expect(p["role"] as? String == "champion")
            #expect(p["txn_id"] as? String == f["txn_id"] as? String)
            let decision = try #require(p["decision"] as? String)
            #expect(decision == (score >= 0.5 ? "fraud" : score >= 0.3 ? "review" : "legit"))
            decisions.insert(decision)
            #expect((p["features_hash"] as? String)?.count == 16)
        }
        #expect(decisions.count >= 2, "the test model should make more than one kind of decision")

        // Replay into empty state: byte-identical predictions.
        let again = try TopologyTestDriver(topology: driver.topology, stateDirectory: "\(dir)/replay")
        defer { again.close() }
        try Self.pipe(again, txs)
        #expect(again.predictions.map(\.value) == driver.predictions.map(\.value))
    }

    @Test("a model that needs features the topology does not compute stops the start, naming every one")
    func missingFeatures() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var model = Self.champion
        model.features = ["n_1h", "card_velocity_9d", "merchant_risk"]
        try model.write(to: "\(dir)/m")
        let t = try ScoringSupport.topology(stateDirectory: dir, scoring: "model: \(dir)/m")
        #expect {
            _ = try TopologyTestDriver(topology: t)
        } throws: { error in
            let text = "\(error)"
            return text.contains("card_velocity_9d") && text.contains("merchant_risk") && !text.contains("\"n_1h\"")
        }
    }

    @Test("hot swap between batches: every event is scored exactly once, by the version in force when it was processed")
    func hotSwap() throws {
        let (dir, driver) = try Self.setUp({ "model: \($0)/champion" }, bundles: [("champion", Self.champion)])
        defer { driver.close(); try? FileManager.default.removeItem(atPath: dir) }
        let txs = Support.transactions(count: 800, seed: 11, cards: 40)
        try Self.pipe(driver, Array(txs[..<400]))
        var v2 = Self.champion
        v2.version = "2"
        v2.intercept = 1.5
        try v2.write(to: "\(dir)/champion")
        let changes = try #require(driver.models).reload()
        #expect(changes.count == 1)
        #expect("\(changes[0])".contains("test-model@1 -> test-model@2"))
        try Self.pipe(driver, Array(txs[400...]))
        let predictions = try driver.predictions.map { try ScoringSupport.object($0.value) }
        #expect(predictions.count == 800)
        #expect(Set(predictions.map { $0["event_id"] as! String }).count == 800)
        let firstIDs = Set(txs[..<400].map(\.txnID))
        for p in predictions {
            let expected = firstIDs.contains(p["txn_id"] as! String) ? "1" : "2"
            #expect(p["model_version"] as? String == expected)
        }
        #expect(driver.models?.swaps == 1)
    }

    @Test("a corrupted bundle is rejected with its reason, the old model keeps serving, and the same content is not retried")
    func corruptedBundle() throws {
        let (dir, driver) = try Self.setUp({ "model: \($0)/champion" }, bundles: [("champion", Self.champion)])
        defer { driver.close(); try? FileManager.default.removeItem(atPath: dir) }
        let models = try #require(driver.models)
        try Data("{\"weights\": [0.4, 0.3".utf8).write(to: URL(fileURLWithPath: "\(dir)/champion/model.json"))
        let changes = models.reload()
        #expect(changes.count == 1)
        guard case .rejected(let role, _, let reason) = changes.first else {
            Issue.record("expected a rejection, got \(changes)")
            return
        }
        #expect(role == "champion")
        #expect(reason.contains("model.json"))
        #expect(models.rejections == 1)
        #expect(models.reload().isEmpty, "the same broken content is not retried")
        try Self.pipe(driver, Support.transactions(count: 100, seed: 3, cards: 10))
        let versions = try Set(driver.predictions.map { try ScoringSupport.object($0.value)["model_version"] as! String })
        #expect(versions == ["1"])
        #expect(driver.predictions.count == 100)
        // A fixed bundle is taken.
        var v3 = Self.champion
        v3.version = "3"
        try v3.write(to: "\(dir)/champion")
        #expect(models.reload().count == 1)
        #expect(models.current.champion.version == "3")
    }

    @Test("shadow predictions go to the shadow topic and never alert; the live decisions stay the champion's")
    func shadowNeverAlerts() throws {
        var challenger = Self.champion
        challenger.name = "challenger"
        challenger.version = "c1"
        challenger.weights = [0, 0, 0]
        challenger.intercept = 20  // scores ~1: it would alert on everything
        var quiet = Self.champion
        quiet.weights = [0, 0, 0]
        quiet.intercept = -30  // scores ~0
        let (dir, driver) = try Self.setUp({
            """
            model: \($0)/champion
            challenger: \($0)/challenger
            alerts:
              - {name: high, severity: critical, when: {score: {at_least: 0.5}}}
            """
        }, bundles: [("champion", quiet), ("challenger", challenger)])
        defer { driver.close(); try? FileManager.default.removeItem(atPath: dir) }
        try Self.pipe(driver, Support.transactions(count: 300, seed: 5, cards: 20))
        let shadow = try driver.shadowPredictions.map { try ScoringSupport.object($0.value) }
        #expect(shadow.count == 300)
        #expect(shadow.allSatisfy { $0["role"] as? String == "shadow" && $0["model"] as? String == "challenger" })
        #expect(shadow.allSatisfy { ($0["score"] as! Double) > 0.99 })
        #expect(driver.predictions.count == 300)
        #expect(driver.alerts.isEmpty)
    }

    @Test("canary: a fixed share of cards takes the challenger's live decisions, always the same cards; only those alert")
    func canary() throws {
        var challenger = Self.champion
        challenger.name = "challenger"
        challenger.version = "c1"
        challenger.weights = [0, 0, 0]
        challenger.intercept = 20
        var quiet = Self.champion
        quiet.weights = [0, 0, 0]
        quiet.intercept = -30
        let (dir, driver) = try Self.setUp({
            """
            model: \($0)/champion
            challenger: \($0)/challenger
            canary: 0.3
            alerts:
              - {name: high, severity: critical, when: {score: {at_least: 0.5}}}
            """
        }, bundles: [("champion", quiet), ("challenger", challenger)])
        defer { driver.close(); try? FileManager.default.removeItem(atPath: dir) }
        try Self.pipe(driver, Support.transactions(count: 1_000, seed: 9, cards: 200))
        let live = try driver.predictions.map { try ScoringSupport.object($0.value) }
        var roleOfCard: [String: String] = [:]
        for p in live {
            let card = p["key"] as! String, role = p["role"] as! String
            if let seen = roleOfCard[card] { #expect(seen == role, "card \(card) changed model") }
            roleOfCard[card] = role
            #expect((role == "canary") == (p["model"] as? String == "challenger"))
        }
        let canaryCards = roleOfCard.filter { $0.value == "canary" }.count
        #expect(canaryCards > 30 && canaryCards < 100, "\(canaryCards) of \(roleOfCard.count) cards in a 30% canary")
        let alerts = try driver.alerts.map { try ScoringSupport.object($0.value) }
        #expect(alerts.count == live.filter { $0["role"] as? String == "canary" }.count)
        #expect(alerts.allSatisfy { roleOfCard[$0["key"] as! String] == "canary" })
        // Every event still has exactly one shadow prediction, from the other model.
        let shadow = try driver.shadowPredictions.map { try ScoringSupport.object($0.value) }
        #expect(shadow.count == live.count)
        #expect(shadow.allSatisfy { ($0["model"] as? String == "challenger") == (roleOfCard[$0["key"] as! String] == "champion") })
    }

    @Test("alert rules: score bands, feature thresholds, deny and allow lists; one alert per event at the highest severity, explained by its top contributions")
    func alertRules() throws {
        let (dir, driver) = try Self.setUp({
            """
            model: \($0)/champion
            top_features: 2
            alerts:
              - name: high
                severity: critical
                when: {score: {at_least: 0.5}}
              - name: busy_card
                severity: warning
                when: {n_1h: {at_least: 3}}
              - name: denied_merchant
                severity: info
                when: {merchant_id: {in: [m-deny]}}
                unless: {card_id: {in: [c-vip]}}
            """
        }, bundles: [("champion", Self.champion)])
        defer { driver.close(); try? FileManager.default.removeItem(atPath: dir) }
        let t0: Int64 = 1_767_225_600_000
        func tx(_ card: String, _ merchant: String, _ minute: Int64, _ amount: Double = 10) -> Transaction {
            Transaction(
                txnID: "t\(card)-\(minute)", cardID: card, merchantID: merchant, amount: amount, currency: "EUR",
                country: "FR", mcc: 5411, channel: .pos, entryMode: .chip, deviceID: nil, timestamp: t0 + minute * 60_000)
        }
        try Self.pipe(driver, [
            tx("c-vip", "m-deny", 0),      // denied merchant, but allow-listed card: no alert
            tx("c-1", "m-deny", 1),        // denied merchant: info
            tx("c-2", "m-ok", 2),          // nothing
            tx("c-2", "m-ok", 3),
            tx("c-2", "m-deny", 4),        // n_1h = 3 (includes current): busy_card (warning) + denied (info)
        ])
        let alerts = try driver.alerts.map { try ScoringSupport.object($0.value) }
            .sorted { ($0["txn_id"] as! String) < ($1["txn_id"] as! String) }
        #expect(alerts.map { $0["txn_id"] as? String } == ["tc-1-1", "tc-2-4"])
        #expect(alerts[0]["severity"] as? String == "info")
        #expect(alerts[0]["rules"] as? [String] == ["denied_merchant"])
        #expect(alerts[0]["reason"] as? String == "denied_merchant: merchant_id in 1 value (m-deny)")
        #expect(alerts[1]["severity"] as? String == "warning")
        #expect(alerts[1]["rules"] as? [String] == ["busy_card", "denied_merchant"])
        let top = try #require(alerts[1]["top_features"] as? [[String: Any]])
        #expect(top.count == 2)
        // Contributions of a logistic model without standardisation: weight × value; largest magnitude first.
        let event = try driver.featureEvents.map { try ScoringSupport.object($0.value) }
            .first { $0["txn_id"] as? String == "tc-2-4" }
        let features = try #require(event?["features"] as? [String: Any])
        let contributions = zip(Self.features, Self.champion.weights).map { ($0, $1 * ScoringSupport.input(features, $0)) }
            .sorted { abs($0.1) > abs($1.1) }
        #expect(top.map { $0["name"] as? String } == contributions.prefix(2).map(\.0))
        for (entry, expected) in zip(top, contributions) {
            #expect(abs((entry["contribution"] as! Double) - expected.1) < 1e-12)
        }
        #expect(alerts[1]["contribution_method"] as? String == "linear")
    }

    @Test("a bundle path that is a symbolic link: flipping the link (the documented deployment) swaps the version")
    func symbolicLinkFlip() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.champion.write(to: "\(dir)/m-v1")
        var v2 = Self.champion
        v2.version = "2"
        try v2.write(to: "\(dir)/m-v2")
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/m", withDestinationPath: "m-v1")
        let t = try ScoringSupport.topology(stateDirectory: dir, scoring: "model: \(dir)/m")
        let driver = try TopologyTestDriver(topology: t)
        defer { driver.close() }
        let models = try #require(driver.models)
        #expect(models.current.champion.version == "1")
        #expect(models.reload().isEmpty)
        try FileManager.default.createSymbolicLink(atPath: "\(dir)/m.tmp", withDestinationPath: "m-v2")
        #expect(rename("\(dir)/m.tmp", "\(dir)/m") == 0)
        #expect(models.reload().count == 1)
        #expect(models.current.champion.version == "2")
    }
}
