/// Decodes events of any declared ``EventSchema`` from JSON bytes into ``Record``s, in one pass.
///
/// Rules (docs/topology.md, "event schema"):
/// - The event is one JSON object; anything after it but whitespace is `not_json`. All of the input is validated
///   (JSON syntax, UTF-8), including members the schema does not declare, which are then ignored whatever their
///   type (nested objects and arrays included).
/// - A declared member may appear once; a second occurrence is `invalid_value` ("duplicate field").
/// - A required field that is absent or `null` is `missing_field`. An optional one takes its declared default
///   (``FieldSpec/defaultValue``, `.missing` when none). Either way it counts in ``missingCounts``. The event-time
///   field (``EventSchema/timestampField``) is always required.
/// - A declared field whose JSON type is not the declared one is `wrong_type`, e.g.
///   `field "amount": expected a number (decimal), found a string` — how a type change in a producer shows up.
/// - `int`: an integer literal (no fraction, no exponent) that fits in `Int64`, else `invalid_value`.
///   `decimal`: any JSON number, converted like ``FixedPoint/units(_:)``; a value whose units overflow `Int64`
///   (or is infinite) is `invalid_value`. `timestamp`: an integer literal >= 0 (epoch milliseconds). `bool`:
///   `true`/`false`. `string`: any string, unescaped.
/// - Syntax errors win over field errors; among field errors the first field in schema order is reported, and a
///   bad value wins over a missing field.
///
/// Thread-safety: a value type with mutable counters and scratch state; use one decoder per task (per thread) and
/// do not share one across threads.
public struct SchemaDecoder: Sendable {
    /// The schema events are decoded against.
    public let schema: EventSchema
    /// Per schema field: how many successfully decoded events had it absent or `null`.
    public private(set) var missingCounts: [Int64]
    /// How many events have been decoded successfully.
    public private(set) var decodedCount: Int64 = 0

    /// The field names' UTF-8 bytes, back to back, and where each starts.
    private let nameBytes: [UInt8]
    private let nameStart: [Int]
    private let nameLength: [Int]
    private let names: [String]
    private let types: [FieldType]
    /// Indices of fields that must be present (the event-time field included).
    private let requiredFields: [Int]
    /// Field indices by name length in bytes, for keys that did not match the expected next field.
    private let byLength: [[Int]]
    /// The value each field has before decoding: its default (`.missing` for required fields).
    private let template: [FieldValue]
    /// The event-time field, if the schema declares a usable one (an integer-valued field in range).
    private let timestampIndex: Int?
    /// Per field: a string field whose text the caller does not read (``init(schema:readingTextOf:)``).
    private let skipsText: [Bool]

    /// Per field: `epoch << 1` once seen in the current event, `| 1` if it had a non-null value.
    private var marks: [UInt64]
    /// Increases by one per decode, so `marks` never needs clearing.
    private var epoch: UInt64 = 0

    /// Creates a decoder for `schema`.
    public init(schema: EventSchema) {
        self.init(schema: schema, readingTextOf: nil)
    }

    /// Creates a decoder for `schema` whose caller reads the text of the string fields in `stringFields` only (nil:
    /// all of them). The other string fields are validated and type-checked as always, and count as present or
    /// missing as always, but their text is not copied into a `String`: their value in the record is unspecified.
    /// Copying text is the largest cost of decoding a string field, and a stage reads a few of them.
    public init(schema: EventSchema, readingTextOf stringFields: Set<Int>?) {
        self.schema = schema
        skipsText = schema.fields.indices.map { i in
            schema.fields[i].type == .string && stringFields.map { !$0.contains(i) } ?? false
        }
        let fields = schema.fields
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var lengths: [Int] = []
        var byLength: [[Int]] = []
        for (i, field) in fields.enumerated() {
            let utf8 = Array(field.name.utf8)
            starts.append(bytes.count)
            lengths.append(utf8.count)
            bytes.append(contentsOf: utf8)
            while byLength.count <= utf8.count { byLength.append([]) }
            byLength[utf8.count].append(i)
        }
        nameBytes = bytes
        nameStart = starts
        nameLength = lengths
        self.byLength = byLength
        names = fields.map(\.name)
        types = fields.map(\.type)
        let ts = schema.timestampField
        let usableTime = fields.indices.contains(ts) && (fields[ts].type == .timestamp || fields[ts].type == .int)
        timestampIndex = usableTime ? ts : nil
        requiredFields = fields.indices.filter { fields[$0].required || $0 == ts }
        template = fields.indices.map { fields[$0].required || $0 == ts ? .missing : fields[$0].defaultValue }
        missingCounts = Array(repeating: 0, count: fields.count)
        marks = Array(repeating: 0, count: fields.count)
    }

    /// Decodes one event from its JSON bytes.
    public mutating func decode(_ bytes: [UInt8]) throws(DecodeError) -> Record {
        // `withUnsafeBytes` is `rethrows` (untyped), so the typed error travels in a Result.
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(DecodeError) -> Record in try decode(buffer) }
        }
        return try result.get()
    }

    /// Decodes one event from borrowed JSON bytes (e.g. a Kafka message payload); nothing of `buffer` is kept.
    public mutating func decode(_ buffer: UnsafeRawBufferPointer) throws(DecodeError) -> Record {
        guard buffer.count > 0, let base = buffer.baseAddress else {
            throw DecodeError(kind: .emptyInput, reason: "empty input")
        }
        epoch &+= 1
        let seen = epoch << 1
        let present = seen | 1
        var reader = EventJSONReader(buffer)
        try reader.openObject()

        var values = template
        var error: DecodeError? = nil
        var errorField = Int.max
        var expected = 0

        while let key = try reader.nextKey() {
            guard let i = field(key, base, reader, expected: expected) else {
                try reader.skipValue()
                continue
            }
            expected = i + 1
            if marks[i] >> 1 == epoch {
                try reader.skipValue()
                if i < errorField { (error, errorField) = (.schemaDuplicate(names[i]), i) }
                continue
            }
            if try reader.readNull() {
                marks[i] = seen
                continue
            }
            marks[i] = present
            if let problem = try read(i, &reader, into: &values), i < errorField {
                (error, errorField) = (problem, i)
            }
        }
        try reader.finish()

        if let error { throw error }
        for i in requiredFields where marks[i] != present {
            throw DecodeError.schemaMissing(names[i], null: marks[i] == seen)
        }
        guard let ts = timestampIndex, case .int(let timestamp) = values[ts] else {
            throw DecodeError(
                kind: .invalidValue,
                reason: "the schema's event-time field (index \(schema.timestampField)) is not a declared timestamp")
        }
        for i in missingCounts.indices where marks[i] != present { missingCounts[i] += 1 }
        decodedCount += 1
        return Record(values: values, timestamp: timestamp)
    }

    /// The declared field a key names, trying the field after the previous match first (producers write fields in a
    /// fixed order), then the fields of the key's length.
    @inline(__always)
    private func field(
        _ key: EventJSONReader.KeySpan, _ base: UnsafeRawPointer, _ reader: EventJSONReader, expected: Int
    ) -> Int? {
        if key.hasEscapes {
            let text = reader.string(key)
            return names.firstIndex(of: text)
        }
        let length = key.end - key.start
        if expected < nameLength.count, nameLength[expected] == length, nameEquals(expected, base + key.start) {
            return expected
        }
        guard length < byLength.count else { return nil }
        for i in byLength[length] where nameEquals(i, base + key.start) { return i }
        return nil
    }

    /// Whether field `i`'s name equals the `nameLength[i]` bytes at `text`.
    @inline(__always)
    private func nameEquals(_ i: Int, _ text: UnsafeRawPointer) -> Bool {
        nameBytes.withUnsafeBytes { names in
            let name = names.baseAddress! + nameStart[i]
            for j in 0..<nameLength[i]
            where name.load(fromByteOffset: j, as: UInt8.self) != text.load(fromByteOffset: j, as: UInt8.self) {
                return false
            }
            return true
        }
    }

    /// Reads the (non-null) value of field `i` into `values[i]`, or skips it and returns why it is not valid.
    @inline(__always)
    private func read(
        _ i: Int, _ reader: inout EventJSONReader, into values: inout [FieldValue]
    ) throws(DecodeError) -> DecodeError? {
        let type = types[i]
        switch type {
        case .string:
            guard let span = try reader.readStringSpan() else { return wrongType(i, reader) }
            if !skipsText[i] { values[i] = .string(reader.string(span)) }
        case .int, .timestamp:
            guard let n = try reader.readNumber() else { return wrongType(i, reader) }
            guard n.isInteger, let v = n.int64 else {
                let text = Self.numberText(reader, n)
                if !n.isInteger {
                    let unit = type == .timestamp ? "timestamp, epoch milliseconds" : "int"
                    return .schemaInvalid(names[i], "expected an integer (\(unit)), found \(text)")
                }
                return .schemaInvalid(names[i], "integer out of the 64-bit range (\(type.rawValue)), found \(text)")
            }
            if type == .timestamp && v < 0 {
                return .schemaInvalid(
                    names[i], "timestamp must be >= 0 (epoch milliseconds), found \(Self.numberText(reader, n))")
            }
            values[i] = .int(v)
        case .decimal:
            guard let n = try reader.readNumber() else { return wrongType(i, reader) }
            guard let units = Self.units(reader.double(n)) else {
                let text = Self.numberText(reader, n)
                return .schemaInvalid(
                    names[i], "decimal out of range (its units of 1/\(FixedPoint.scale) overflow 64 bits), found \(text)")
            }
            values[i] = .decimal(units: units)
        case .bool:
            guard let b = try reader.readBool() else { return wrongType(i, reader) }
            values[i] = .bool(b)
        }
        return nil
    }

    private func wrongType(_ i: Int, _ reader: EventJSONReader) -> DecodeError {
        .schemaWrongType(names[i], declared: types[i], found: reader.skippedType)
    }

    /// `FixedPoint.units(value)`, or nil if the value is not finite or its units do not fit in `Int64`.
    @inline(__always)
    static func units(_ value: Double) -> Int64? {
        let scaled = (value * Double(FixedPoint.scale)).rounded()
        // Int64(exactly:) is nil for NaN, infinities and anything outside [-2^63, 2^63).
        return Int64(exactly: scaled)
    }

    /// A number's text for an error reason, shortened to 64 characters.
    private static func numberText(_ reader: EventJSONReader, _ n: JSONNumber) -> String {
        let limit = 64
        if n.end - n.start <= limit { return reader.text(from: n.start, to: n.end) }
        return reader.text(from: n.start, to: n.start + limit) + "…"
    }
}
