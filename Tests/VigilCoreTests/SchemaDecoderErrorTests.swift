import Testing

@testable import VigilCore

/// Every error kind the schema decoder reports, with its exact reason text.
@Suite("schema decoder: errors")
struct SchemaDecoderErrorTests {
    @Test("each required field absent is missing_field, named", arguments: ["id", "n", "amount", "ts"])
    func missingField(_ name: String) {
        let error = schemaFailure(mixed(name, nil))
        #expect(error?.kind == .missingField)
        #expect(error?.field == name)
        #expect(error?.reason == "missing required field \"\(name)\"")
    }

    @Test("a required field that is null is missing_field, saying null", arguments: ["id", "n", "amount", "ts"])
    func nullRequired(_ name: String) {
        let error = schemaFailure(mixed(name, "null"))
        #expect(error?.kind == .missingField)
        #expect(error?.field == name)
        #expect(error?.reason == "missing required field \"\(name)\" (null)")
    }

    @Test(
        "a declared field with another JSON type is wrong_type: expected and found",
        arguments: [
            ("amount", #""12.00""#, #"field "amount": expected a number (decimal), found a string"#),
            ("amount", "true", #"field "amount": expected a number (decimal), found a boolean"#),
            ("n", #""5""#, #"field "n": expected a number (int), found a string"#),
            ("n", "[5]", #"field "n": expected a number (int), found an array"#),
            ("ts", #""2026-01-01""#, #"field "ts": expected a number (timestamp), found a string"#),
            ("ts", #"{"ms":1}"#, #"field "ts": expected a number (timestamp), found an object"#),
            ("id", "5", #"field "id": expected a string (string), found a number"#),
            ("id", "false", #"field "id": expected a string (string), found a boolean"#),
            ("flag", "1", #"field "flag": expected a boolean (bool), found a number"#),
            ("flag", #""true""#, #"field "flag": expected a boolean (bool), found a string"#),
            ("note", "{}", #"field "note": expected a string (string), found an object"#),
        ] as [(String, String, String)])
    func wrongType(_ name: String, _ value: String, _ reason: String) {
        let error = schemaFailure(mixed(name, value))
        #expect(error?.kind == .wrongType)
        #expect(error?.field == name)
        #expect(error?.reason == reason)
    }

    @Test(
        "values outside a type's rules are invalid_value with the reason",
        arguments: [
            ("n", "1.0", #"field "n": expected an integer (int), found 1.0"#),
            ("n", "1e2", #"field "n": expected an integer (int), found 1e2"#),
            ("n", "9223372036854775808", #"field "n": integer out of the 64-bit range (int), found 9223372036854775808"#),
            ("n", "-9223372036854775809", #"field "n": integer out of the 64-bit range (int), found -9223372036854775809"#),
            ("ts", "-1", #"field "ts": timestamp must be >= 0 (epoch milliseconds), found -1"#),
            ("ts", "1.5", #"field "ts": expected an integer (timestamp, epoch milliseconds), found 1.5"#),
            ("ts", "99999999999999999999",
             #"field "ts": integer out of the 64-bit range (timestamp), found 99999999999999999999"#),
            ("amount", "1e400", #"field "amount": decimal out of range (its units of 1/10000 overflow 64 bits), found 1e400"#),
            ("amount", "-1e400",
             #"field "amount": decimal out of range (its units of 1/10000 overflow 64 bits), found -1e400"#),
            ("amount", "1e15", #"field "amount": decimal out of range (its units of 1/10000 overflow 64 bits), found 1e15"#),
            ("amount", "922337203685477.5807",
             #"field "amount": decimal out of range (its units of 1/10000 overflow 64 bits), found 922337203685477.5807"#),
        ] as [(String, String, String)])
    func invalidValue(_ name: String, _ value: String, _ reason: String) {
        let error = schemaFailure(mixed(name, value))
        #expect(error?.kind == .invalidValue)
        #expect(error?.field == name)
        #expect(error?.reason == reason)
    }

    @Test("a very long number is shortened in the reason")
    func longNumber() {
        let digits = String(repeating: "9", count: 300)
        let error = schemaFailure(mixed("n", digits))
        #expect(error?.reason == "field \"n\": integer out of the 64-bit range (int), found " + digits.prefix(64) + "…")
    }

    @Test("a declared field twice is invalid_value, whatever the values", arguments: [
        #"{"id":"a","n":1,"amount":2,"ts":3,"n":1}"#,
        #"{"id":"a","n":null,"amount":2,"ts":3,"n":1}"#,
        #"{"id":"a","n":1,"amount":2,"ts":3,"flag":true,"flag":true}"#,
        #"{"id":"a","n":1,"amount":2,"ts":3,"note":"x","no\u0074e":"y"}"#,
    ])
    func duplicate(_ text: String) {
        let error = schemaFailure(text)
        #expect(error?.kind == .invalidValue)
        #expect(error?.reason.hasSuffix(": duplicate field") == true)
        #expect(error?.field == (text.contains("flag") ? "flag" : text.contains("note") ? "note" : "n"))
    }

    @Test("syntax errors win over field errors; the first field in schema order wins; a bad value beats a missing one")
    func precedence() {
        #expect(schemaFailure(mixed("amount", #""x""#) + "garbage")?.kind == .notJSON)
        // ts (last in schema) is bad and comes first in the text; n (earlier) is reported.
        let text = #"{"ts":-5,"id":"a","n":"x","amount":1}"#
        #expect(schemaFailure(text)?.field == "n")
        #expect(schemaFailure(#"{"ts":-1}"#)?.kind == .invalidValue)
        #expect(schemaFailure(#"{"n":1,"n":2}"#)?.kind == .invalidValue)
        // The first missing field in schema order.
        #expect(schemaFailure(#"{"amount":1}"#)?.field == "id")
    }

    @Test("a schema whose event-time field is not a timestamp rejects events instead of crashing")
    func badSchema() {
        let stringTime = EventSchema(fields: [FieldSpec(name: "ts", type: .string, required: true)], timestampField: 0)
        let error = schemaFailure(#"{"ts":"now"}"#, stringTime)
        #expect(error?.kind == .invalidValue)
        #expect(error?.reason == "the schema's event-time field (index 0) is not a declared timestamp")
        let outOfRange = EventSchema(fields: [FieldSpec(name: "ts", type: .timestamp, required: true)], timestampField: 3)
        #expect(schemaFailure(#"{"ts":1}"#, outOfRange)?.kind == .invalidValue)
        // The event-time field is required even if declared optional.
        let optionalTime = EventSchema(fields: [FieldSpec(name: "ts", type: .timestamp, required: false)], timestampField: 0)
        #expect(schemaFailure(#"{}"#, optionalTime)?.reason == #"missing required field "ts""#)
        #expect((try? schemaDecode(#"{"ts":4}"#, optionalTime).get().timestamp) == 4)
    }
}

/// Malformed bytes, in the style of the transaction codec's tests, through the schema decoder.
@Suite("schema decoder: malformed input")
struct SchemaDecoderMalformedInputTests {
    static func failure(_ bytes: [UInt8]) -> DecodeError? {
        var decoder = SchemaDecoder(schema: .transactionV1)
        do {
            _ = try decoder.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    static func failure(_ text: String) -> DecodeError? { failure(Array(text.utf8)) }

    static let valid = CodecMalformedInputTests.valid

    @Test("the reference event is valid")
    func referenceIsValid() {
        #expect(Self.failure(Self.valid) == nil)
    }

    @Test("a decoder reading the text of some string fields only: those have their text, the others are still checked")
    func readingTextOfSomeFields() throws {
        let schema = EventSchema.transactionV1
        let card = schema.index(of: "card_id")!, currency = schema.index(of: "currency")!
        let device = schema.index(of: "device_id")!
        var partial = SchemaDecoder(schema: schema, readingTextOf: [card])
        var full = SchemaDecoder(schema: schema)
        let bytes = Array(Self.valid.utf8)
        let some = try partial.decode(bytes)
        let all = try full.decode(bytes)
        #expect(some.values[card] == .string("c1"))
        #expect(some.timestamp == all.timestamp)
        for i in schema.fields.indices where schema.fields[i].type != .string {
            #expect(some.values[i] == all.values[i], "non-string field \(schema.fields[i].name)")
        }
        // Unread string fields are still type-checked and validated, and counted when missing.
        let wrongType = Self.valid.replacing(#""currency":"EUR""#, with: #""currency":7"#)
        #expect(throws: DecodeError.self) { try partial.decode(Array(wrongType.utf8)) }
        let badEscape = Self.valid.replacing(#""currency":"EUR""#, with: #""currency":"E\qR""#)
        #expect((try? partial.decode(Array(badEscape.utf8))) == nil)
        let noDevice = Self.valid.replacing(#","device_id":"d1""#, with: "")
        _ = try partial.decode(Array(noDevice.utf8))
        _ = try full.decode(Array(noDevice.utf8))
        #expect(partial.missingCounts == full.missingCounts)
        #expect(partial.missingCounts[device] == 1 && partial.missingCounts[currency] == 0)
    }

    @Test("empty or whitespace-only input is empty_input")
    func emptyInput() {
        for text in ["", " ", "\n\t \r\n"] {
            let error = Self.failure(text)
            #expect(error?.kind == .emptyInput)
            #expect(error?.reason == "empty input")
        }
        var decoder = SchemaDecoder(schema: .transactionV1)
        let error = #expect(throws: DecodeError.self) { try decoder.decode(UnsafeRawBufferPointer(start: nil, count: 0)) }
        #expect(error?.kind == .emptyInput)
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
                     #"{"a":NaN}"#, "{'a':1}", "{\"a\":1}}", #"{"amount":1.}"#, #"{"ts":-}"#, #"{"mcc":tru}"#] {
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
                             ("null", "a JSON null"), ("true", "a JSON boolean")] {
            let error = Self.failure(text)
            #expect(error?.kind == .notAnObject, "\(text)")
            #expect(error?.reason.contains(type) == true, "\(text): \(error?.reason ?? "")")
        }
        #expect(Self.failure("[1,2")?.kind == .notJSON)
    }

    @Test("invalid UTF-8 in a declared string, a key or an undeclared member is not_utf8 with the offset")
    func invalidUTF8() {
        let prefix = Array(#"{"v":1,"txn_id":"t1","card_id":"c"#.utf8)
        let rest = Array(Self.valid.utf8)[prefix.count...]
        for bad: [UInt8] in [[0xC3, 0x28], [0x80], [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            let error = Self.failure(prefix + bad + rest)
            #expect(error?.kind == .notUTF8, "\(bad)")
            #expect(error?.offset == prefix.count)
        }
        #expect(Self.failure(Array(#"{"ca"#.utf8) + [0xFF] + Array(#"d":1}"#.utf8))?.kind == .notUTF8)
        let inUnknown = Array(#"{"x":["a",{"b":""#.utf8) + [0xED, 0xBF, 0xBF] + Array(#""}],"#.utf8)
            + Array(Self.valid.utf8.dropFirst())
        #expect(Self.failure(inUnknown)?.kind == .notUTF8)
        #expect(Self.failure(#"{"txn_id":"a\ud800b"}"#)?.reason.contains("unpaired surrogate") == true)
    }

    @Test("trailing garbage after the object is not_json; trailing whitespace is fine")
    func trailingGarbage() {
        for suffix in ["x", "{}", ",", "1", "\u{0}", "}"] {
            let error = Self.failure(Self.valid + suffix)
            #expect(error?.kind == .notJSON, "\(suffix)")
            #expect(error?.reason.contains("after the end of the object") == true)
            #expect(error?.offset == Self.valid.utf8.count)
        }
        #expect(Self.failure(Self.valid + " \n\r\t") == nil)
    }

    @Test("nesting deeper than the limit in an undeclared member is rejected without crashing")
    func deepNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let error = Self.failure(#"{"x":"# + deep + "," + String(Self.valid.dropFirst()))
        #expect(error?.kind == .notJSON)
        #expect(error?.reason.contains("nesting deeper") == true)
        let ok = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(Self.failure(#"{"x":"# + ok + "," + String(Self.valid.dropFirst())) == nil)
    }

    @Test("a decoder keeps working after any number of failures")
    func recoversAfterErrors() throws {
        var decoder = SchemaDecoder(schema: .transactionV1)
        let bytes = Array(Self.valid.utf8)
        for length in 0..<bytes.count {
            #expect(throws: DecodeError.self) { try decoder.decode(Array(bytes[0..<length])) }
            // A failure part-way must not leave marks that make the next event look like it has duplicates.
            let record = try decoder.decode(bytes)
            #expect(record.timestamp == 1_767_225_600_000)
        }
        #expect(decoder.decodedCount == Int64(bytes.count))
        #expect(decoder.missingCounts.allSatisfy { $0 == 0 })
    }
}
