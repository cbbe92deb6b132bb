import Testing

@testable import VigilCore

/// Every class of bad input is rejected with the right kind and a reason that names the field or the byte.
@Suite("transaction and label codecs: malformed input")
struct CodecMalformedInputTests {
    /// A valid transaction's text with every field present.
    static let valid = #"{"v":1,"txn_id":"t1","card_id":"c1","merchant_id":"m1","amount":12.5,"currency":"EUR","country":"FR","mcc":5411,"channel":"ecom","entry_mode":"online","device_id":"d1","ts":1767225600000}"#

    static func failure(_ bytes: [UInt8]) -> DecodeError? {
        do {
            _ = try TransactionCodec.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    static func failure(_ text: String) -> DecodeError? { failure(Array(text.utf8)) }

    /// `valid` with one field's `"name":value` replaced by `"name":replacement` (or removed when nil).
    static func with(_ name: String, _ replacement: String?) -> String {
        let start = valid.range(of: "\"\(name)\":")!
        var end = start.upperBound
        var inString = false
        while end < valid.endIndex {
            let c = valid[end]
            if c == "\"" { inString.toggle() }
            if !inString && (c == "," || c == "}") { break }
            end = valid.index(after: end)
        }
        guard let replacement else {
            // Remove the member and one adjacent comma.
            var s = valid
            if s[end] == "," { s.removeSubrange(start.lowerBound...end) } else {
                s.removeSubrange(s.index(before: start.lowerBound)..<end)
            }
            return s
        }
        return valid.replacingCharacters(in: start.upperBound..<end, with: replacement)
    }

    @Test("the reference event is valid")
    func referenceIsValid() throws {
        let t = try TransactionCodec.decode(Array(Self.valid.utf8))
        #expect(t.deviceID == "d1" && t.channel == .ecom)
    }

    @Test("empty or whitespace-only input is empty_input")
    func emptyInput() {
        for text in ["", " ", "\n\t \r\n"] {
            let error = Self.failure(text)
            #expect(error?.kind == .emptyInput)
            #expect(error?.reason == "empty input")
        }
        #expect(Self.failure([UInt8]())?.kind == .emptyInput)
    }

    @Test("text that is not JSON is not_json with the character and byte")
    func notJSON() {
        let error = Self.failure("hello, not json")
        #expect(error?.kind == .notJSON)
        #expect(error?.reason == "not JSON: unexpected character 'h' at byte 0")
        #expect(error?.offset == 0)
        for text in [#"{"txn_id" "t1"}"#, #"{txn_id:1}"#, #"{"a":1,}"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":-}"#,
                     #"{"a":1e}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":[1,]}"#, #"{"a":[1 2]}"#, #"{"a":{"b"}}"#,
                     #"{"a":"x\qy"}"#, #"{"a":"\u12G4"}"#, "{\"a\":\"tab\there\"}", #"{"a":+1}"#, #"{"a":.5}"#,
                     #"{"a":NaN}"#, "{'a':1}", "{\"a\":1}}"] {
            #expect(Self.failure(text)?.kind == .notJSON, "\(text)")
        }
    }

    @Test("every truncation of a valid event is not_json (unexpected end of input)")
    func truncated() {
        let bytes = Array(Self.valid.utf8)
        for length in 1..<bytes.count {
            let error = Self.failure(Array(bytes[0..<length]))
            #expect(error?.kind == .notJSON, "prefix of \(length) bytes")
            #expect(error?.reason == "not JSON: unexpected end of input at byte \(length) (truncated?)", "\(length)")
        }
    }

    @Test("JSON that is not an object is not_an_object, naming its type")
    func notAnObject() {
        for (text, type) in [("[1,2]", "a JSON array"), ("42", "a JSON number"), (#""txn""#, "a JSON string"),
                             ("null", "a JSON null"), ("true", "a JSON boolean"), ("  [ ] ", "a JSON array")] {
            let error = Self.failure(text)
            #expect(error?.kind == .notAnObject, "\(text)")
            #expect(error?.reason.contains(type) == true, "\(text): \(error?.reason ?? "")")
        }
        // Broken JSON that starts like an array is a syntax error, not "not an object".
        #expect(Self.failure("[1,2")?.kind == .notJSON)
    }

    @Test("each required field, when missing, is named", arguments: [
        "txn_id", "card_id", "merchant_id", "amount", "currency", "country", "mcc", "channel", "ts",
    ])
    func missingField(_ name: String) {
        let error = Self.failure(Self.with(name, nil))
        #expect(error?.kind == .missingField)
        #expect(error?.field == name)
        #expect(error?.reason == "missing required field \"\(name)\"")
    }

    @Test("each field with the wrong JSON type is named with found and expected types", arguments: [
        ("v", #""1""#, "string", "number"),
        ("txn_id", "5", "number", "string"),
        ("card_id", "null", "null", "string"),
        ("merchant_id", #"{"id":"m"}"#, "object", "string"),
        ("amount", #""12.00""#, "string", "number"),
        ("currency", "[\"EUR\"]", "array", "string"),
        ("country", "true", "boolean", "string"),
        ("mcc", #""5411""#, "string", "integer"),
        ("channel", "1", "number", "string"),
        ("entry_mode", "false", "boolean", "string or null"),
        ("device_id", "7", "number", "string or null"),
        ("ts", #""2026-01-01""#, "string", "integer"),
    ])
    func wrongType(_ name: String, _ value: String, _ found: String, _ expected: String) {
        let error = Self.failure(Self.with(name, value))
        #expect(error?.kind == .wrongType)
        #expect(error?.field == name)
        #expect(error?.reason == "field \"\(name)\" has type \(found), expected \(expected)")
    }

    @Test("values outside the rules are invalid_value, naming the field", arguments: [
        ("amount", "-1"), ("amount", "1e400"), ("amount", "-0.01"), ("currency", #""eur""#), ("currency", #""EURO""#),
        ("currency", #""E1R""#), ("country", #""USA""#), ("country", #""""#), ("mcc", "10000"), ("mcc", "-1"),
        ("mcc", "54.5"), ("ts", "-1"), ("ts", "1.5"), ("ts", "99999999999999999999"), ("channel", #""web""#),
        ("channel", #""POS""#), ("entry_mode", #""nfc""#), ("txn_id", #""""#), ("card_id", #""""#),
        ("merchant_id", #""""#), ("device_id", #""""#), ("v", "2"), ("v", "0"), ("v", "1.5"),
    ])
    func invalidValue(_ name: String, _ value: String) {
        let error = Self.failure(Self.with(name, value))
        #expect(error?.kind == .invalidValue, "\(name)=\(value)")
        #expect(error?.field == name)
        #expect(error?.reason.hasPrefix("field \"\(name)\" ") == true, "\(error?.reason ?? "")")
    }

    @Test("v = 2 is rejected with a clear reason")
    func versionTwo() {
        let error = Self.failure(Self.with("v", "2"))
        #expect(error?.reason == "field \"v\" is 2: unsupported schema version, this decoder reads transaction v1")
    }

    /// `valid` with `bytes` placed inside the card_id string, and the offset where they start.
    static func withCardBytes(_ bytes: [UInt8]) -> ([UInt8], Int) {
        let prefix = Array(#"{"v":1,"txn_id":"t1","card_id":"c"#.utf8)
        let rest = Array(Self.valid.utf8)[(prefix.count)...]
        return (prefix + bytes + rest, prefix.count)
    }

    @Test("invalid UTF-8 inside a string is not_utf8 with the byte offset", arguments: [
        [0xC3, 0x28] as [UInt8],  // lead byte without continuation
        [0x80],  // lone continuation
        [0xFF], [0xFE], [0xF5, 0x80, 0x80, 0x80],  // bytes that never occur
        [0xC0, 0xAF], [0xC1, 0xBF],  // overlong 2-byte
        [0xE0, 0x80, 0xAF],  // overlong 3-byte
        [0xF0, 0x80, 0x80, 0xAF],  // overlong 4-byte
        [0xED, 0xA0, 0x80],  // encoded surrogate U+D800
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0xE2, 0x82],  // truncated sequence before the closing quote
    ])
    func invalidUTF8(_ bad: [UInt8]) {
        let (bytes, offset) = Self.withCardBytes(bad)
        let error = Self.failure(bytes)
        #expect(error?.kind == .notUTF8)
        #expect(error?.offset == offset)
        #expect(error?.reason.hasPrefix("invalid UTF-8 at byte \(offset)") == true, "\(error?.reason ?? "")")
    }

    @Test("overlong encodings say so")
    func overlongReason() {
        let (bytes, offset) = Self.withCardBytes([0xC0, 0xAF])
        #expect(Self.failure(bytes)?.reason == "invalid UTF-8 at byte \(offset) (overlong encoding)")
    }

    @Test("invalid UTF-8 is found anywhere: in keys, unknown fields, outside strings")
    func invalidUTF8Anywhere() {
        let inKey = Array(#"{"ca"#.utf8) + [0xFF] + Array(#"d":1}"#.utf8)
        #expect(Self.failure(inKey)?.kind == .notUTF8)
        let inUnknown = Array(#"{"x":["a",{"b":""#.utf8) + [0xED, 0xBF, 0xBF] + Array(#""}],"#.utf8)
            + Array(Self.valid.utf8.dropFirst())
        #expect(Self.failure(inUnknown)?.kind == .notUTF8)
        let outside = Array(#"{"a":"#.utf8) + [0xC3] + Array("}".utf8)
        #expect(Self.failure(outside)?.kind == .notUTF8)
        // Valid non-ASCII outside a string is a syntax error that names the character.
        let euro = Self.failure(#"{"a":€}"#)
        #expect(euro?.kind == .notJSON)
        #expect(euro?.reason.contains("'€'") == true)
    }

    @Test("a lone or mismatched surrogate escape is not_utf8", arguments: [
        #"\ud800"#, #"\uDBFF"#, #"\udc00"#, #"\ud800\u0041"#, #"\ud800x"#, #"\ude00\ud83d"#,
    ])
    func loneSurrogate(_ escape: String) {
        let error = Self.failure(Self.with("txn_id", "\"a\(escape)b\""))
        #expect(error?.kind == .notUTF8, "\(escape)")
        #expect(error?.reason.contains("unpaired surrogate") == true)
    }

    @Test("trailing garbage after the object is not_json; trailing whitespace is fine")
    func trailingGarbage() throws {
        for suffix in ["x", "{}", ",", "1", "\u{0}", "}"] {
            let error = Self.failure(Self.valid + suffix)
            #expect(error?.kind == .notJSON, "\(suffix)")
            #expect(error?.reason.contains("after the end of the object") == true, "\(error?.reason ?? "")")
            #expect(error?.offset == Self.valid.utf8.count)
        }
        #expect(Self.failure(Self.valid + " \n\r\t") == nil)
        #expect(Self.failure(Array(Self.valid.utf8) + [0xFF])?.kind == .notUTF8)
    }

    @Test("syntax errors take precedence over field errors; field errors are reported in schema order")
    func precedence() {
        let badTypeThenSyntax = Self.with("amount", #""x""#) + "garbage"
        #expect(Self.failure(badTypeThenSyntax)?.kind == .notJSON)
        // ts (last in schema) appears first in the text; amount (earlier in schema) is reported.
        let text = #"{"ts":-5,"txn_id":"t","card_id":"c","merchant_id":"m","amount":"1","currency":"EUR","country":"FR","mcc":1,"channel":"pos"}"#
        #expect(Self.failure(text)?.field == "amount")
        // A bad value beats a missing field.
        #expect(Self.failure(#"{"amount":-1}"#)?.kind == .invalidValue)
    }

    @Test("nesting deeper than the limit in an unknown field is rejected without crashing")
    func deepNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = Self.failure(#"{"x":"# + deep + "," + String(Self.valid.dropFirst()))
        #expect(error?.kind == .notJSON)
        #expect(error?.reason.contains("nesting deeper") == true)
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(Self.failure(#"{"x":"# + ok + "," + String(Self.valid.dropFirst())) == nil)
    }

    @Test("error descriptions carry kind and reason; kinds print as their wire spelling")
    func descriptions() {
        let error = Self.failure(Self.with("card_id", nil))
        #expect(error?.description == "missing_field: missing required field \"card_id\"")
        #expect("\(DecodeError.Kind.notUTF8)" == "not_utf8")
    }

    @Test("labels: missing, wrong type, invalid values and v=2 are rejected with the field named")
    func labelErrors() {
        func failure(_ text: String) -> DecodeError? {
            do {
                _ = try LabelCodec.decode(Array(text.utf8))
                return nil
            } catch { return error }
        }
        let valid = #"{"v":1,"txn_id":"t","card_id":"c","is_fraud":true,"fraud_type":"card_testing","event_ts":10,"available_ts":20}"#
        #expect(failure(valid) == nil)
        let missing = failure(valid.replacingOccurrences(of: #""is_fraud":true,"#, with: ""))
        #expect(missing?.kind == .missingField && missing?.field == "is_fraud")
        let wrong = failure(valid.replacingOccurrences(of: #""is_fraud":true"#, with: #""is_fraud":"yes""#))
        #expect(wrong?.reason == "field \"is_fraud\" has type string, expected boolean")
        let early = failure(valid.replacingOccurrences(of: #""available_ts":20"#, with: #""available_ts":5"#))
        #expect(early?.kind == .invalidValue && early?.field == "available_ts")
        let v2 = failure(valid.replacingOccurrences(of: #""v":1"#, with: #""v":2"#))
        #expect(v2?.kind == .invalidValue && v2?.field == "v")
        #expect(failure(valid + "x")?.kind == .notJSON)
        #expect(failure("[]")?.kind == .notAnObject)
        #expect(failure("")?.kind == .emptyInput)
    }
}
