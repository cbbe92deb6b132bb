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

    @Test("doubles print in their shortest round-trip form; non-finite ones as null", arguments: [
        (2.0, "2"), (0.1, "0.1"), (-1.5, "-1.5"), (1.0 / 3.0, "0.3333333333333333"), (1e-7, "1e-07"),
        (.infinity, "null"), (.nan, "null"),
    ] as [(Double, String)])
    func doubles(_ c: (Double, String)) throws {
        var w = JSONByteWriter()
        w.double(c.0)
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == c.1)
        if c.0.isFinite {
            let parsed = try JSONSerialization.jsonObject(with: Data("[\(text)]".utf8)) as? [NSNumber]
            #expect(parsed?.first?.doubleValue == c.0, "reads back as the same double")
        }
    }

    @Test("a feature event (v2) is valid JSON with every documented field, keys of every stage and null for missing")
    func featureEvent() throws {
        let encoder = FeatureEventEncoder(
            topology: "velo", stageNames: ["card", "device"], featureNames: ["n_1h", "s_1h", "z", "d_n"])
        var w = JSONByteWriter()
        let values: [FeatureValue] = [.int(2), .decimal(units: 1_234_500), .double(-0.25), .missing]
        encoder.encode(
            keys: ["c1", nil], id: "t\"1", timestamp: 1_767_225_600_000,
            source: SourceCoordinates(topic: "tx", partition: 3, offset: 42), values: values, into: &w)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(object["v"] as? Int == 2)
        #expect(object["type"] as? String == "features")
        #expect(object["event_id"] as? String == "tx:3:42")
        #expect(object["topology"] as? String == "velo")
        #expect(object["txn_id"] as? String == "t\"1")
        #expect(object["key"] as? String == "c1")
        let keys = try #require(object["keys"] as? [String: Any])
        #expect(keys["card"] as? String == "c1")
        #expect(keys["device"] is NSNull)
        #expect((object["ts"] as? NSNumber)?.int64Value == 1_767_225_600_000)
        let source = try #require(object["source"] as? [String: Any])
        #expect(source["partition"] as? Int == 3 && source["offset"] as? Int == 42 && source["topic"] as? String == "tx")
        let features = try #require(object["features"] as? [String: Any])
        #expect(features["n_1h"] as? Int == 2)
        #expect((features["s_1h"] as? NSNumber)?.doubleValue == 123.45)
        #expect((features["z"] as? NSNumber)?.doubleValue == -0.25)
        #expect(features["d_n"] is NSNull)
        // Deterministic: the same input encodes to the same bytes.
        let first = w.bytes
        encoder.encode(
            keys: ["c1", nil], id: "t\"1", timestamp: 1_767_225_600_000,
            source: SourceCoordinates(topic: "tx", partition: 3, offset: 42), values: values, into: &w)
        #expect(w.bytes == first)
    }

    @Test("the feature event encoder writes the reference encoder's bytes for every kind of value, key and name")
    func featureEventMatchesTheReference() {
        let names = ["n", "s\"q", "caf\u{E9}", "tab\tname", "ctl\u{1}", "d", "e", "f", "g", "h", "i", "j"]
        let encoder = FeatureEventEncoder(
            topology: "to\\po \u{1F4B3}", stageNames: ["card", "mer\"chant", "device"], featureNames: names)
        let doubles: [Double] = [
            0, -0.0, 2, 0.1, -1.5, 1.0 / 3, 1e-7, 1e15, 1e16, -1e300, 123_456.789, .infinity, -.infinity, .nan,
            .leastNonzeroMagnitude, .greatestFiniteMagnitude, -2.2250738585072014e-308,
        ]
        let units: [Int64] = [0, 1, -1, 10, 5_000, 10_000, -25_000, 1_234_500, 123_456_789, .max, .min, .min + 1]
        let ints: [Int64] = [0, 7, -42, 1_767_225_600_000, .max, .min]
        var pool: [FeatureValue] = [.missing]
        pool += doubles.map { .double($0) } + units.map { .decimal(units: $0) } + ints.map { .int($0) }
        let keySets: [[String?]] = [
            ["c1", "m2", "d3"], [nil, nil, nil], ["a\"b\\c\n", "\u{0}\u{1F}", "\u{7F}é💳"], ["", nil, "x"],
        ]
        var w = JSONByteWriter()
        var reference = JSONByteWriter()
        var checked = 0
        for (k, keys) in keySets.enumerated() {
            for start in stride(from: 0, to: pool.count, by: 5) {
                let values = (0..<names.count).map { pool[(start + $0 * 7) % pool.count] }
                let id: String? = start % 2 == 0 ? "t\(start)\"\u{8}" : nil
                let source = SourceCoordinates(
                    topic: k % 2 == 0 ? "tx" : "t\u{C}x", partition: Int32(k) - 1, offset: Int64(start) * 1_000_003 - 5)
                w.bytes = [9]
                encoder.encode(keys: keys, id: id, timestamp: Int64(start) - 3, source: source, values: values, into: &w)
                encoder.referenceEncode(
                    keys: keys, id: id, timestamp: Int64(start) - 3, source: source, values: values, into: &reference)
                #expect(w.bytes == reference.bytes, "keys \(keys), values \(values)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    @Test("a window event is valid JSON with a stable id")
    func windowEvent() throws {
        let encoder = WindowEventEncoder(topology: "velo", stage: "card")
        var w = JSONByteWriter()
        encoder.encode(feature: "sess", kind: "session", key: "c\"1", start: 10, end: 20, count: 3, value: .decimal(units: 25_000), into: &w)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(object["type"] as? String == "window")
        #expect(object["event_id"] as? String == "velo:card:sess:c\"1:10")
        #expect(object["key"] as? String == "c\"1")
        let window = try #require(object["window"] as? [String: Any])
        #expect(window["kind"] as? String == "session" && window["start"] as? Int == 10 && window["end"] as? Int == 20)
        #expect(object["count"] as? Int == 3)
        #expect((object["value"] as? NSNumber)?.doubleValue == 2.5)
        // The exact bytes, and the same from the feature's precomputed fragments.
        let expected = #"{"v":1,"type":"window","event_id":"velo:card:sess:c\"1:10","topology":"velo","stage":"card","feature":"sess","key":"c\"1","window":{"kind":"session","start":10,"end":20},"count":3,"value":2.5}"#
        #expect(String(decoding: w.bytes, as: UTF8.self) == expected)
        var f = JSONByteWriter()
        f.bytes = [1, 2, 3]
        encoder.encode(
            encoder.fragments(feature: "sess", kind: "session"), key: "c\"1", start: 10, end: 20, count: 3,
            value: .decimal(units: 25_000), into: &f)
        #expect(f.bytes == w.bytes)
    }
}
