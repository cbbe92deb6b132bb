import Testing

@testable import VigilCore

/// A small schema with one field of each type, the event time last.
let mixedSchema = EventSchema(
    fields: [
        FieldSpec(name: "id", type: .string, required: true),
        FieldSpec(name: "n", type: .int, required: true),
        FieldSpec(name: "amount", type: .decimal, required: true),
        FieldSpec(name: "flag", type: .bool, required: false, defaultValue: .bool(false)),
        FieldSpec(name: "note", type: .string, required: false),
        FieldSpec(name: "tier", type: .string, required: false, defaultValue: .string("basic")),
        FieldSpec(name: "ts", type: .timestamp, required: true),
    ],
    timestampField: 6)

/// A valid event of `mixedSchema` with every field present.
let mixedValid = #"{"id":"e1","n":-7,"amount":12.5,"flag":true,"note":"hi","tier":"gold","ts":1767225600000}"#

/// `mixedValid` with field `name`'s value replaced by `value` (or the member removed when nil).
func mixed(_ name: String, _ value: String?) -> String {
    let members: [(String, String)] = [
        ("id", #""e1""#), ("n", "-7"), ("amount", "12.5"), ("flag", "true"), ("note", #""hi""#),
        ("tier", #""gold""#), ("ts", "1767225600000"),
    ]
    let kept = members.compactMap { member -> String? in
        guard member.0 == name else { return "\"\(member.0)\":\(member.1)" }
        return value.map { "\"\(name)\":\($0)" }
    }
    return "{" + kept.joined(separator: ",") + "}"
}

/// Decodes `text` with a fresh decoder of `schema`, returning the record or the error.
func schemaDecode(_ text: String, _ schema: EventSchema = mixedSchema) -> Result<Record, DecodeError> {
    var decoder = SchemaDecoder(schema: schema)
    return Result { () throws(DecodeError) -> Record in try decoder.decode(Array(text.utf8)) }
}

func schemaFailure(_ text: String, _ schema: EventSchema = mixedSchema) -> DecodeError? {
    if case .failure(let error) = schemaDecode(text, schema) { return error }
    return nil
}

@Suite("schema decoder: values, defaults and counts")
struct SchemaDecoderTests {
    @Test("every declared type decodes to its value; the record carries the event time")
    func allTypes() throws {
        let record = try schemaDecode(mixedValid).get()
        #expect(record.values == [
            .string("e1"), .int(-7), .decimal(units: 125_000), .bool(true), .string("hi"), .string("gold"),
            .int(1_767_225_600_000),
        ])
        #expect(record.timestamp == 1_767_225_600_000)
        #expect(try schemaDecode(mixed("flag", "false")).get().values[3] == .bool(false))
    }

    @Test("a generated transaction decodes to the same values as TransactionCodec gives")
    func transactionParity() throws {
        var config = GeneratorConfig()
        config.seed = 5
        config.eventCount = 20_000
        var generator = TransactionGenerator(config)
        var decoder = SchemaDecoder(schema: .transactionV1)
        let schema = EventSchema.transactionV1
        func index(_ name: String) -> Int { schema.index(of: name)! }
        var bytes: [UInt8] = []
        var withoutDevice: Int64 = 0
        var count: Int64 = 0
        while let (generated, _) = generator.next() {
            bytes.removeAll(keepingCapacity: true)
            TransactionCodec.encode(generated, into: &bytes)
            let t = try TransactionCodec.decode(bytes)
            let record = try decoder.decode(bytes)
            #expect(record.values[index("txn_id")] == .string(t.txnID))
            #expect(record.values[index("card_id")] == .string(t.cardID))
            #expect(record.values[index("merchant_id")] == .string(t.merchantID))
            #expect(record.values[index("amount")] == .decimal(units: FixedPoint.units(t.amount)))
            #expect(record.values[index("currency")] == .string(t.currency))
            #expect(record.values[index("country")] == .string(t.country))
            #expect(record.values[index("mcc")] == .int(Int64(t.mcc)))
            #expect(record.values[index("channel")] == .string(t.channel.rawValue))
            #expect(record.values[index("entry_mode")] == .string(t.entryMode.rawValue))
            #expect(record.values[index("device_id")] == (t.deviceID.map { .string($0) } ?? .missing))
            #expect(record.values[index("ts")] == .int(t.timestamp))
            #expect(record.timestamp == t.timestamp)
            if t.deviceID == nil { withoutDevice += 1 }
            count += 1
        }
        #expect(count == 20_000)
        #expect(decoder.decodedCount == 20_000)
        #expect(withoutDevice > 0 && withoutDevice < 20_000)
        var expected = [Int64](repeating: 0, count: schema.fields.count)
        expected[index("device_id")] = withoutDevice
        #expect(decoder.missingCounts == expected)
    }

    @Test("undeclared members are skipped whatever they hold, and validated")
    func unknownMembers() throws {
        let text = #"{"v":1,"extra":{"a":[1,{"b":null}],"c":"x"},"id":"e1","list":[[],{},"s",true,-1.5e3],"#
            + #""n":1,"amount":0,"ts":5,"z":null,"y":false}"#
        let record = try schemaDecode(text).get()
        #expect(record.values[0] == .string("e1"))
        #expect(record.timestamp == 5)
        // A syntax error inside an undeclared member still rejects the event.
        #expect(schemaFailure(#"{"x":{"a":1,},"id":"e1","n":1,"amount":0,"ts":5}"#)?.kind == .notJSON)
        // An undeclared member may repeat; only declared ones may not.
        #expect(throws: Never.self) { try schemaDecode(#"{"x":1,"x":2,"id":"e","n":1,"amount":0,"ts":5}"#).get() }
    }

    @Test("members may come in any order")
    func anyOrder() throws {
        let reversed = #"{"ts":9,"tier":"t","note":"n","flag":false,"amount":1,"n":2,"id":"i"}"#
        let record = try schemaDecode(reversed).get()
        #expect(record.values == [.string("i"), .int(2), .decimal(units: 10_000), .bool(false), .string("n"),
                                  .string("t"), .int(9)])
    }

    @Test("optional fields absent or null take their default (or .missing) and are counted missing")
    func defaultsAndMissingCounts() throws {
        var decoder = SchemaDecoder(schema: mixedSchema)
        func decode(_ text: String) throws -> Record { try decoder.decode(Array(text.utf8)) }
        let absent = try decode(#"{"id":"a","n":1,"amount":2,"ts":3}"#)
        #expect(absent.values[3] == .bool(false))
        #expect(absent.values[4] == .missing)
        #expect(absent.values[5] == .string("basic"))
        let nulls = try decode(#"{"id":"a","n":1,"amount":2,"ts":3,"flag":null,"note":null,"tier":null}"#)
        #expect(nulls.values == absent.values)
        _ = try decode(mixedValid)
        #expect(decoder.decodedCount == 3)
        #expect(decoder.missingCounts == [0, 0, 0, 2, 2, 2, 0])
        // Failed events count nowhere.
        #expect(throws: DecodeError.self) { try decode(#"{"id":"a","ts":3}"#) }
        #expect(throws: DecodeError.self) { try decode(#"{"id":"a","n":"1","amount":2,"ts":3}"#) }
        #expect(throws: DecodeError.self) { try decode("") }
        #expect(decoder.decodedCount == 3)
        #expect(decoder.missingCounts == [0, 0, 0, 2, 2, 2, 0])
    }

    @Test("strings are unescaped; escaped keys match declared names")
    func escapes() throws {
        let text = #"{"id":"a\"b\\c\/d\u00e9\ud83d\ude00\n\t","n":1,"\u0061mount":3,"ts":4}"#
        let record = try schemaDecode(text).get()
        #expect(record.values[0] == .string("a\"b\\c/dé😀\n\t"))
        #expect(record.values[2] == .decimal(units: 30_000))
        #expect(try schemaDecode(mixed("id", #""""#)).get().values[0] == .string(""))  // empty is a string
        #expect(try schemaDecode(mixed("id", #""日本語""#)).get().values[0] == .string("日本語"))
    }

    @Test(
        "int: integer literals that fit in Int64",
        arguments: [("0", Int64(0)), ("-0", 0), ("42", 42), ("-7", -7), ("9223372036854775807", .max),
                    ("-9223372036854775808", .min)])
    func intValues(text: String, value: Int64) throws {
        #expect(try schemaDecode(mixed("n", text)).get().values[1] == .int(value))
    }

    @Test(
        "decimal: any JSON number, as FixedPoint.units",
        arguments: [("12.5", Int64(125_000)), ("100", 1_000_000), ("-1.25", -12_500), ("0.00005", 1),
                    ("0.00004", 0), ("1e-5", 0), ("1.5e2", 1_500_000), ("-0", 0), ("0.1", 1_000),
                    ("922337203685477", FixedPoint.units(922_337_203_685_477)), ("123456.78901234", 1_234_567_890)])
    func decimalValues(text: String, units: Int64) throws {
        #expect(try schemaDecode(mixed("amount", text)).get().values[2] == .decimal(units: units))
    }

    @Test("decimal units match FixedPoint.units for many values")
    func decimalMatchesFixedPoint() throws {
        var decoder = SchemaDecoder(schema: mixedSchema)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<5_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let value = Double(Int64(bitPattern: state >> 12) % 100_000_000_000) / 1_000.0
            let text = #"{"id":"x","n":1,"ts":1,"amount":"# + "\(value)}"
            let record = try decoder.decode(Array(text.utf8))
            #expect(record.values[2] == .decimal(units: FixedPoint.units(value)), "\(value)")
        }
    }

    @Test("timestamp: integers >= 0; bool: true and false")
    func timestampAndBool() throws {
        #expect(try schemaDecode(mixed("ts", "0")).get().timestamp == 0)
        #expect(try schemaDecode(mixed("ts", "9223372036854775807")).get().timestamp == .max)
        #expect(try schemaDecode(mixed("flag", "true")).get().values[3] == .bool(true))
    }

    @Test("a schema with more than 64 fields, several of one name length")
    func wideSchema() throws {
        let fields = (0..<100).map { FieldSpec(name: "f\($0 < 10 ? "0" : "")\($0)", type: .int, required: $0 % 2 == 0) }
        let schema = EventSchema(fields: fields + [FieldSpec(name: "ts", type: .timestamp, required: true)],
                                 timestampField: 100)
        var decoder = SchemaDecoder(schema: schema)
        let members = (0..<100).filter { $0 % 3 != 1 }.reversed().map { "\"\(fields[$0].name)\":\($0)" }
        let text = "{" + members.joined(separator: ",") + #","ts":1}"#
        let result = Result { () throws(DecodeError) -> Record in try decoder.decode(Array(text.utf8)) }
        // f01 is optional and absent, f04 is required and absent (4 % 3 == 1): the first required one missing.
        #expect(result.failure?.reason == #"missing required field "f04""#)
        let all = "{" + (0..<100).map { "\"\(fields[$0].name)\":\($0)" }.joined(separator: ",") + #","ts":1}"#
        let record = try decoder.decode(Array(all.utf8))
        #expect(record.values.prefix(100) == ArraySlice((0..<100).map { FieldValue.int(Int64($0)) }))
        #expect(decoder.decodedCount == 1)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
