import Foundation
import Testing
@testable import VigilCore

@Suite("Prediction and alert events")
struct PredictionAlertEncodingTests {
    let source = SourceCoordinates(topic: "transactions", partition: 3, offset: 42)
    let sample = PredictionEventEncoder.Prediction(
        model: "fraud \"demo\"", version: "3", role: "champion", score: 0.9731, decision: "block",
        featuresHash: 0x6a1e_0c3f_9b2d_4e57)

    func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test("a prediction event carries the documented fields, read back by a JSON parser")
    func predictionEvent() throws {
        var w = JSONByteWriter()
        PredictionEventEncoder(topology: "fraud-scoring").encode(
            key: "c000123", id: "t42", timestamp: 1_767_225_600_000, source: source, prediction: sample, into: &w)
        let o = try object(w.bytes)
        #expect(o["v"] as? Int == 1)
        #expect(o["type"] as? String == "prediction")
        #expect(o["event_id"] as? String == "transactions:3:42")
        #expect(o["key"] as? String == "c000123")
        #expect(o["txn_id"] as? String == "t42")
        #expect(o["model"] as? String == "fraud \"demo\"")
        #expect(o["model_version"] as? String == "3")
        #expect(o["role"] as? String == "champion")
        #expect(o["score"] as? Double == 0.9731)
        #expect(o["decision"] as? String == "block")
        #expect(o["features_hash"] as? String == "6a1e0c3f9b2d4e57")
        let s = try #require(o["source"] as? [String: Any])
        #expect(s["offset"] as? Int == 42)
    }

    @Test("an alert event lists its rules, reason and top features in order")
    func alert() throws {
        let alert = AlertEventEncoder.Alert(
            severity: "critical", rules: ["very_high_score", "deny_listed"], reason: "very_high_score: score >= 0.9 (0.9731)",
            prediction: sample,
            topFeatures: [
                .init(name: "card_txn_count_5m", value: .int(7), contribution: 1.83),
                .init(name: "card_amount_sum_1h", value: .decimal(units: 25_000_000), contribution: -0.5),
                .init(name: "card_amount_z_30d", value: .missing, contribution: 0.25),
            ],
            contributionMethod: "treeshap")
        var w = JSONByteWriter()
        AlertEventEncoder(topology: "fraud-scoring", stageNames: ["card", "merchant", "device"]).encode(
            keys: ["c1", "m2", nil], id: "t42", timestamp: 5, source: source, alert: alert, into: &w)
        let o = try object(w.bytes)
        #expect(o["type"] as? String == "alert")
        #expect(o["alert_id"] as? String == "transactions:3:42")
        #expect(o["severity"] as? String == "critical")
        #expect(o["rules"] as? [String] == ["very_high_score", "deny_listed"])
        let keys = try #require(o["keys"] as? [String: Any])
        #expect(keys["merchant"] as? String == "m2")
        #expect(keys["device"] is NSNull)
        let top = try #require(o["top_features"] as? [[String: Any]])
        #expect(top.map { $0["name"] as? String } == ["card_txn_count_5m", "card_amount_sum_1h", "card_amount_z_30d"])
        #expect(top[1]["value"] as? Double == 2500)
        #expect(top[2]["value"] is NSNull)
        #expect(top[0]["contribution"] as? Double == 1.83)
        #expect(o["contribution_method"] as? String == "treeshap")
    }

    @Test("model inputs: decimals scaled, missing and non-finite values are NaN")
    func modelInputs() {
        #expect(FeatureValue.int(7).modelInput == 7)
        #expect(FeatureValue.decimal(units: 12_345).modelInput == 1.2345)
        #expect(FeatureValue.double(0.25).modelInput == 0.25)
        #expect(FeatureValue.missing.modelInput.isNaN)
        #expect(FeatureValue.double(.infinity).modelInput.isNaN)
    }
}
