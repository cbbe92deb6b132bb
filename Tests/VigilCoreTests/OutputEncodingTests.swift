import Foundation
import Testing
@testable import VigilCore

@Suite("Output encoding")
struct OutputEncodingTests {
    @Test("fixed-point decimals print with at most four digits and no trailing zeros", arguments: [
        (0, "0"), (10_000, "1"), (1_234_500, "123.45"), (1, "0.0001"), (10, "0.001"), (-25_000, "-2.5"),
        (123_456_789, "12345.6789"), (5_000, "0.5"),
    ] as [(Int64, String)])
    func decimals(_ c: (Int64, String)) {
        var w = JSONByteWriter()
        w.decimal(units: c.0)
        #expect(String(decoding: w.bytes, as: UTF8.self) == c.1)
    }

    @Test("integers", arguments: [0, 7, 10, 1_767_225_600_000, -42, Int64.max, Int64.min])
    func integers(_ v: Int64) {
        var w = JSONByteWriter()
        w.int(v)
        #expect(String(decoding: w.bytes, as: UTF8.self) == String(v))
    }

    @Test("strings are escaped so any JSON parser reads them back")
    func strings() throws {
        let nasty = "a\"b\\c\nd\te\u{1}f é 💳"
        var w = JSONByteWriter()
        w.raw("[")
        w.string(nasty)
        w.raw("]")
        let parsed = try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String]
        #expect(parsed == [nasty])
    }

    @Test("a feature event is valid JSON with every documented field")
    func featureEvent() throws {
        let encoder = FeatureEventEncoder(topology: "velo", stage: "card", featureNames: ["n_1h", "s_1h"])
        let t = Transaction(
            txnID: "t\"1", cardID: "c1", merchantID: "m1", amount: 12.5, currency: "EUR", country: "FR", mcc: 5411,
            channel: .ecom, entryMode: .online, deviceID: "d1", timestamp: 1_767_225_600_000)
        var w = JSONByteWriter()
        encoder.encode(
            key: "c1", transaction: t, source: SourceCoordinates(topic: "tx", partition: 3, offset: 42),
            values: [.int(2), .decimal(units: 1_234_500)], into: &w)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(object["v"] as? Int == 1)
        #expect(object["type"] as? String == "features")
        #expect(object["event_id"] as? String == "tx:3:42")
        #expect(object["txn_id"] as? String == "t\"1")
        #expect(object["key"] as? String == "c1")
        #expect((object["ts"] as? NSNumber)?.int64Value == 1_767_225_600_000)
        let source = try #require(object["source"] as? [String: Any])
        #expect(source["partition"] as? Int == 3 && source["offset"] as? Int == 42 && source["topic"] as? String == "tx")
        let features = try #require(object["features"] as? [String: Any])
        #expect(features["n_1h"] as? Int == 2)
        #expect((features["s_1h"] as? NSNumber)?.doubleValue == 123.45)
        // Deterministic: the same input encodes to the same bytes.
        let first = w.bytes
        encoder.encode(
            key: "c1", transaction: t, source: SourceCoordinates(topic: "tx", partition: 3, offset: 42),
            values: [.int(2), .decimal(units: 1_234_500)], into: &w)
        #expect(w.bytes == first)
    }
}
