import Foundation
import Testing

@testable import VigilCore

/// Encoding then decoding gives the same events; the decoder reads every JSON form the schema allows.
@Suite("transaction and label codecs: round trips and accepted forms")
struct CodecRoundTripTests {
    static let sample = Transaction(
        txnID: "t1", cardID: "c1", merchantID: "m1", amount: 12.5, currency: "EUR", country: "FR", mcc: 5411,
        channel: .pos, entryMode: .chip, deviceID: nil, timestamp: 1_767_225_600_000)

    static func text(_ t: Transaction) -> String { String(decoding: TransactionCodec.encode(t), as: UTF8.self) }
    static func decode(_ text: String) throws(DecodeError) -> Transaction { try TransactionCodec.decode(Array(text.utf8)) }

    @Test("50k generated transactions and their labels survive encode → decode unchanged")
    func generatedRoundTrip() throws {
        var config = GeneratorConfig()
        config.seed = 11
        config.eventCount = 50_000
        config.fraudRate = 0.02
        var generator = TransactionGenerator(config)
        var buffer: [UInt8] = []
        var count = 0
        while let (t, _) = generator.next() {
            buffer.removeAll(keepingCapacity: true)
            TransactionCodec.encode(t, into: &buffer)
            #expect(try TransactionCodec.decode(buffer) == t)
            count += 1
        }
        #expect(count == 50_000)
        let labels = generator.remainingLabels()
        #expect(labels.count > 100)
        for label in labels { #expect(try LabelCodec.decode(LabelCodec.encode(label)) == label) }
    }

    @Test("the encoding is the documented compact JSON, in fixed field order")
    func exactEncoding() {
        #expect(Self.text(Self.sample) == #"{"v":1,"txn_id":"t1","card_id":"c1","merchant_id":"m1","amount":12.5,"currency":"EUR","country":"FR","mcc":5411,"channel":"pos","entry_mode":"chip","ts":1767225600000}"#)
        var t = Self.sample
        t.deviceID = "d9"
        t.amount = 100
        t.channel = .ecom
        t.entryMode = .online
        #expect(Self.text(t) == #"{"v":1,"txn_id":"t1","card_id":"c1","merchant_id":"m1","amount":100.0,"currency":"EUR","country":"FR","mcc":5411,"channel":"ecom","entry_mode":"online","device_id":"d9","ts":1767225600000}"#)
        let label = Label(txnID: "t1", cardID: "c1", isFraud: true, fraudType: "card_testing", eventTimestamp: 5, availableAt: 9)
        #expect(String(decoding: LabelCodec.encode(label), as: UTF8.self) == #"{"v":1,"txn_id":"t1","card_id":"c1","is_fraud":true,"fraud_type":"card_testing","event_ts":5,"available_ts":9}"#)
        let legit = Label(txnID: "t2", cardID: "c1", isFraud: false, eventTimestamp: 5, availableAt: 9)
        #expect(String(decoding: LabelCodec.encode(legit), as: UTF8.self) == #"{"v":1,"txn_id":"t2","card_id":"c1","is_fraud":false,"event_ts":5,"available_ts":9}"#)
    }

    @Test("an encoded transaction is valid JSON to an independent parser, with every field")
    func independentParser() throws {
        var t = Self.sample
        t.txnID = "q\"uo\\te\n\t\u{1}é😀"
        t.deviceID = "d1"
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(TransactionCodec.encode(t))) as? [String: Any])
        #expect(object["v"] as? Int == 1)
        #expect(object["txn_id"] as? String == t.txnID)
        #expect((object["amount"] as? NSNumber)?.doubleValue == 12.5)
        #expect(object["mcc"] as? Int == 5411)
        #expect((object["ts"] as? NSNumber)?.int64Value == t.timestamp)
        #expect(object["device_id"] as? String == "d1")
        #expect(object.count == 12)
    }

    @Test("amounts print as Swift's shortest round-trip form: 12.5, 100.0, 0.05, never an exponent for money")
    func amountFormatting() throws {
        var t = Self.sample
        for (amount, expected) in [(12.5, "12.5"), (100.0, "100.0"), (0.05, "0.05"), (0.0, "0.0"), (1234567.89, "1234567.89"),
                                   (0.1 + 0.2, "0.30000000000000004"), (1e-7, "1e-07"), (3.0e15, "3000000000000000.0")] {
            t.amount = amount
            let text = Self.text(t)
            #expect(text.contains("\"amount\":\(expected),"), "\(amount) → \(text)")
            #expect(try Self.decode(text).amount == amount)
        }
        // The cents fast path agrees with `description` on every two-decimal amount tried.
        var rng = Xoshiro256StarStar(seed: 3)
        for i in 0..<20_000 {
            let cents = i < 10_000 ? Double(i) : Double(rng.int(below: 1 << 40))
            let amount = cents / 100
            t.amount = amount
            #expect(Self.text(t).contains("\"amount\":\(amount.description),"), "\(amount)")
        }
    }

    @Test("numbers parse exactly: random doubles, long mantissas, exponents, integers for amount")
    func numberParsing() throws {
        var rng = Xoshiro256StarStar(seed: 5)
        for _ in 0..<5_000 {
            let amount = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)  // finite, non-negative
            var t = Self.sample
            t.amount = amount
            #expect(try Self.decode(Self.text(t)).amount == amount, "\(amount)")
        }
        let cases: [(String, Double)] = [
            ("100", 100), ("0", 0), ("-0", 0), ("1.25e2", 125), ("125E-2", 1.25), ("1e+2", 100), ("0.000123", 0.000123),
            ("12.3456789012345678901234", 12.3456789012345678901234), ("123456789012345678901234", 123456789012345678901234),
            ("9007199254740993", 9007199254740993), ("0.1", 0.1), ("5e-324", 5e-324),
        ]
        for (text, value) in cases {
            let json = #"{"txn_id":"t","card_id":"c","merchant_id":"m","amount":\#(text),"currency":"EUR","country":"FR","mcc":1,"channel":"atm","ts":0}"#
            let decoded = try Self.decode(json)
            #expect(decoded.amount == value, "\(text)")
            #expect(decoded.amount.sign == .plus, "\(text)")
        }
    }

    @Test("integer fields accept integral numbers in any JSON spelling")
    func integralSpellings() throws {
        let json = #"{"v":1.0,"txn_id":"t","card_id":"c","merchant_id":"m","amount":1,"currency":"EUR","country":"FR","mcc":5.411e3,"channel":"atm","ts":1767225600000.000}"#
        let t = try Self.decode(json)
        #expect(t.mcc == 5411)
        #expect(t.timestamp == 1_767_225_600_000)
    }

    @Test("string escapes decode correctly, including surrogate pairs, and re-encode to the same text")
    func escapes() throws {
        let json = #"{"txn_id":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00\u0000z","card_id":"caf\u00e9","merchant_id":"m","amount":1,"currency":"EUR","country":"FR","mcc":1,"channel":"pos","ts":0}"#
        let t = try Self.decode(json)
        #expect(t.txnID == "a\"b\\c/d\u{8}\u{c}\n\r\té€😀\u{0}z")
        #expect(t.cardID == "café")
        #expect(try Self.decode(Self.text(t)) == t)
        // Raw (unescaped) UTF-8 is accepted as is.
        let raw = #"{"txn_id":"t","card_id":"kärtchen-日本-😀","merchant_id":"m","amount":1,"currency":"EUR","country":"FR","mcc":1,"channel":"pos","ts":0}"#
        #expect(try Self.decode(raw).cardID == "kärtchen-日本-😀")
    }

    @Test("unknown fields of every JSON type, nested, are ignored; so are escaped and duplicate unknown keys")
    func unknownFieldsIgnored() throws {
        let base = Self.text(Self.sample)
        let extras = [
            #""extra":{"a":[1,2,{"b":null,"c":"x\"y\u00e9}]","d":[[[]]],"e":{}}],"f":true}"#,
            #""n":-1.5e+10"#, #""s":"\ud83d\ude00 \\ \" } ]""#, #""t":false"#, #""nul":null"#, #""arr":[]"#,
            #""obj":{}"#, #""deep":[[[[[[[[[[{"k":[{"k":[1]}]}]]]]]]]]]]"#, #""ünïcödé":"välue""#, #""\u0061":1"#,
            #""n2":0"#, #""extra":"again""#,
        ]
        // Before, in the middle of, and after the known fields.
        let inner = String(base.dropFirst().dropLast())
        let json = "{" + extras.joined(separator: ",") + "," + inner + "," + extras.joined(separator: ",") + "}"
        #expect(try Self.decode(json) == Self.sample)
        let middle = base.replacingOccurrences(of: #","mcc""#, with: "," + extras.joined(separator: ",") + #","mcc""#)
        #expect(try Self.decode(middle) == Self.sample)
    }

    @Test("whitespace is accepted wherever JSON allows it")
    func whitespace() throws {
        let json = " \n\t{ \"txn_id\" :\r\n \"t1\" , \"card_id\":\"c1\",\"merchant_id\" : \"m1\" ,\n \"amount\" : 12.5 , \"currency\":\"EUR\",\"country\":\"FR\",\"mcc\": 5411 ,\"channel\":\"pos\",\"entry_mode\":\"chip\",\"ts\":1767225600000 \n} \n\t"
        #expect(try Self.decode(json) == Self.sample)
    }

    @Test("optional fields: v, entry_mode and device_id may be absent or null; escaped keys match")
    func optionalFields() throws {
        let minimal = #"{"txn_id":"t1","card_id":"c1","merchant_id":"m1","amount":12.5,"currency":"EUR","country":"FR","mcc":5411,"channel":"pos","ts":1767225600000}"#
        let t = try Self.decode(minimal)
        #expect(t.entryMode == .unknown && t.deviceID == nil)
        let nulls = minimal.replacingOccurrences(of: #""ts""#, with: #""entry_mode":null,"device_id":null,"ts""#)
        #expect(try Self.decode(nulls) == t)
        let escapedKey = minimal.replacingOccurrences(of: #""card_id""#, with: #""card\u005fid""#)
        #expect(try Self.decode(escapedKey).cardID == "c1")
    }

    @Test("duplicate keys: the last occurrence wins, for values and for errors")
    func duplicateKeys() throws {
        let base = Self.text(Self.sample)
        let fixed = base.replacingOccurrences(of: #"{"v":1,"#, with: #"{"v":1,"amount":"bad","mcc":99999,"#)
        #expect(try Self.decode(fixed) == Self.sample)
        let later = String(base.dropLast()) + #","amount":7,"card_id":"c2"}"#
        let t = try Self.decode(later)
        #expect(t.amount == 7 && t.cardID == "c2")
        let broken = String(base.dropLast()) + #","amount":"7"}"#
        #expect(throws: DecodeError.self) { try Self.decode(broken) }
    }

    @Test("labels decode with optional fraud_type, unknown fields ignored")
    func labels() throws {
        let json = #"{"txn_id":"t1","x":[{"y":1}],"card_id":"c1","is_fraud":false,"fraud_type":null,"event_ts":1,"available_ts":1}"#
        let label = try LabelCodec.decode(Array(json.utf8))
        #expect(label == Label(txnID: "t1", cardID: "c1", isFraud: false, fraudType: nil, eventTimestamp: 1, availableAt: 1))
    }
}
