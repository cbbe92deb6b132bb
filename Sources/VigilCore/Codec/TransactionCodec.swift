/// Encodes and decodes ``Transaction`` events (schema `transaction` v1, docs/events.md) as compact JSON.
///
/// Encoding is deterministic: fixed field order (`v`, `txn_id`, `card_id`, `merchant_id`, `amount`, `currency`,
/// `country`, `mcc`, `channel`, `entry_mode`, `device_id`, `ts`), no whitespace, `device_id` omitted when `nil`,
/// the amount as its shortest round-trip decimal (`12.5`, `100.0`).
///
/// Decoding is a purpose-built single pass over the bytes, with no Foundation and no Codable: it validates JSON
/// syntax and UTF-8, ignores unknown fields of any type, lets the last of duplicate keys win, and checks every
/// field's rules, reporting the first problem as a ``DecodeError``. Thread-safe: stateless.
public enum TransactionCodec {
    /// The schema version this codec writes and accepts (`"v"`).
    public static let schemaVersion: Int64 = 1

    // MARK: Encoding

    /// Appends the transaction's JSON to `bytes` (no trailing newline).
    public static func encode(_ t: Transaction, into bytes: inout [UInt8]) {
        // Only for an empty buffer: `reserveCapacity(count + n)` on a growing buffer would reallocate to that exact
        // size on every call (no geometric growth) and make appending many events quadratic.
        if bytes.capacity == 0 { bytes.reserveCapacity(256) }
        EventJSONWriter.appendRaw("{\"v\":1,\"txn_id\":", to: &bytes)
        EventJSONWriter.appendString(t.txnID, to: &bytes)
        EventJSONWriter.appendRaw(",\"card_id\":", to: &bytes)
        EventJSONWriter.appendString(t.cardID, to: &bytes)
        EventJSONWriter.appendRaw(",\"merchant_id\":", to: &bytes)
        EventJSONWriter.appendString(t.merchantID, to: &bytes)
        EventJSONWriter.appendRaw(",\"amount\":", to: &bytes)
        EventJSONWriter.appendAmount(t.amount, to: &bytes)
        EventJSONWriter.appendRaw(",\"currency\":", to: &bytes)
        EventJSONWriter.appendString(t.currency, to: &bytes)
        EventJSONWriter.appendRaw(",\"country\":", to: &bytes)
        EventJSONWriter.appendString(t.country, to: &bytes)
        EventJSONWriter.appendRaw(",\"mcc\":", to: &bytes)
        EventJSONWriter.appendInt(Int64(t.mcc), to: &bytes)
        EventJSONWriter.appendRaw(",\"channel\":\"", to: &bytes)
        bytes.append(contentsOf: t.channel.rawValue.utf8)
        EventJSONWriter.appendRaw("\",\"entry_mode\":\"", to: &bytes)
        bytes.append(contentsOf: t.entryMode.rawValue.utf8)
        bytes.append(UInt8(ascii: "\""))
        if let device = t.deviceID {
            EventJSONWriter.appendRaw(",\"device_id\":", to: &bytes)
            EventJSONWriter.appendString(device, to: &bytes)
        }
        EventJSONWriter.appendRaw(",\"ts\":", to: &bytes)
        EventJSONWriter.appendInt(t.timestamp, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    /// The transaction's JSON bytes.
    public static func encode(_ t: Transaction) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(t, into: &bytes)
        return bytes
    }

    // MARK: Decoding

    /// Decodes and validates one transaction from its JSON bytes.
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> Transaction {
        // `withUnsafeBytes` is `rethrows` (untyped), so the typed error travels in a Result.
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(DecodeError) -> Transaction in try decode(buffer) }
        }
        return try result.get()
    }

    /// Decodes and validates one transaction from borrowed JSON bytes (e.g. a Kafka message payload).
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(DecodeError) -> Transaction {
        guard buffer.count > 0 else { throw DecodeError(kind: .emptyInput, reason: "empty input") }
        var reader = EventJSONReader(buffer)
        try reader.openObject()

        var seen: UInt16 = 0
        var errors = FieldErrors(fieldCount: Field.count)
        var txnID = "", cardID = "", merchantID = "", currency = "", country = ""
        var amount = 0.0
        var mcc: Int32 = 0
        var channel = Channel.pos
        var entryMode = EntryMode.unknown
        var deviceID: String? = nil
        var timestamp: Int64 = 0

        while let key = try reader.nextKey() {
            guard let field = Field.match(key, in: reader) else {
                try reader.skipValue()
                continue
            }
            let f = field.rawValue
            let result: DecodeError?
            switch field {
            case .v:
                result = try readVersion(&reader)
            case .txnID:
                result = try readID(&reader, field, into: &txnID)
            case .cardID:
                result = try readID(&reader, field, into: &cardID)
            case .merchantID:
                result = try readID(&reader, field, into: &merchantID)
            case .amount:
                result = try readAmount(&reader, into: &amount)
            case .currency:
                result = try readCode(&reader, field, letters: 3, standard: "ISO 4217", into: &currency)
            case .country:
                result = try readCode(&reader, field, letters: 2, standard: "ISO 3166-1 alpha-2", into: &country)
            case .mcc:
                var value: Int64 = 0
                result = try readInteger(&reader, field, range: 0...9999, into: &value)
                mcc = Int32(truncatingIfNeeded: value)
            case .channel:
                result = try readChannel(&reader, into: &channel)
            case .entryMode:
                result = try readEntryMode(&reader, into: &entryMode)
            case .deviceID:
                result = try readDevice(&reader, into: &deviceID)
            case .ts:
                result = try readInteger(&reader, field, range: 0...Int64.max, into: &timestamp)
            }
            seen |= 1 << UInt16(f)
            if let result { errors.set(f, result) } else { errors.clear(f) }
        }
        try reader.finish()

        if let error = errors.first { throw error }
        if seen & Field.requiredMask != Field.requiredMask {
            for field in Field.allCases where field.isRequired && seen & (1 << UInt16(field.rawValue)) == 0 {
                throw DecodeError.missing(field.name)
            }
        }
        return Transaction(
            txnID: txnID, cardID: cardID, merchantID: merchantID, amount: amount, currency: currency,
            country: country, mcc: mcc, channel: channel, entryMode: entryMode, deviceID: deviceID,
            timestamp: timestamp)
    }

    // MARK: Fields

    /// The fields of schema v1, in schema order (the order errors are reported in).
    enum Field: Int, CaseIterable {
        case v, txnID, cardID, merchantID, amount, currency, country, mcc, channel, entryMode, deviceID, ts

        static let count = allCases.count

        /// The wire name.
        var name: String {
            switch self {
            case .v: "v"
            case .txnID: "txn_id"
            case .cardID: "card_id"
            case .merchantID: "merchant_id"
            case .amount: "amount"
            case .currency: "currency"
            case .country: "country"
            case .mcc: "mcc"
            case .channel: "channel"
            case .entryMode: "entry_mode"
            case .deviceID: "device_id"
            case .ts: "ts"
            }
        }

        var isRequired: Bool {
            switch self {
            case .v, .entryMode, .deviceID: false
            default: true
            }
        }

        static let requiredMask: UInt16 = allCases.reduce(0) { $1.isRequired ? $0 | 1 << UInt16($1.rawValue) : $0 }

        /// The field a key names, or `nil` for an unknown key.
        @inline(__always)
        static func match(_ key: EventJSONReader.KeySpan, in reader: EventJSONReader) -> Field? {
            if key.hasEscapes {
                let name = reader.string(key)
                return allCases.first { $0.name == name }
            }
            switch reader.rawLength(key) {
            case 1: return reader.keyEquals(key, "v") ? .v : nil
            case 2: return reader.keyEquals(key, "ts") ? .ts : nil
            case 3: return reader.keyEquals(key, "mcc") ? .mcc : nil
            case 6:
                if reader.keyEquals(key, "amount") { return .amount }
                return reader.keyEquals(key, "txn_id") ? .txnID : nil
            case 7:
                if reader.keyEquals(key, "card_id") { return .cardID }
                if reader.keyEquals(key, "country") { return .country }
                return reader.keyEquals(key, "channel") ? .channel : nil
            case 8: return reader.keyEquals(key, "currency") ? .currency : nil
            case 9: return reader.keyEquals(key, "device_id") ? .deviceID : nil
            case 10: return reader.keyEquals(key, "entry_mode") ? .entryMode : nil
            case 11: return reader.keyEquals(key, "merchant_id") ? .merchantID : nil
            default: return nil
            }
        }
    }

    private static func readVersion(_ r: inout EventJSONReader) throws(DecodeError) -> DecodeError? {
        guard let n = try r.readNumber() else {
            return .wrongType("v", found: r.skippedType, expected: "number")
        }
        guard n.int64 == schemaVersion else {
            return .invalid(
                "v",
                "is \(r.text(from: n.start, to: n.end)): unsupported schema version, this decoder reads transaction v1")
        }
        return nil
    }

    private static func readID(
        _ r: inout EventJSONReader, _ field: Field, into value: inout String
    ) throws(DecodeError) -> DecodeError? {
        guard let s = try r.readString() else {
            return .wrongType(field.name, found: r.skippedType, expected: "string")
        }
        guard !s.isEmpty else { return .invalid(field.name, "must not be empty") }
        value = s
        return nil
    }

    private static func readAmount(_ r: inout EventJSONReader, into value: inout Double) throws(DecodeError) -> DecodeError? {
        guard let n = try r.readNumber() else {
            return .wrongType("amount", found: r.skippedType, expected: "number")
        }
        let d = r.double(n)
        guard d.isFinite else {
            return .invalid("amount", "must be a finite number, got \(r.text(from: n.start, to: n.end))")
        }
        guard d >= 0 else { return .invalid("amount", "must be >= 0, got \(r.text(from: n.start, to: n.end))") }
        value = d + 0.0  // -0 becomes 0
        return nil
    }

    private static func readCode(
        _ r: inout EventJSONReader, _ field: Field, letters: Int, standard: String, into value: inout String
    ) throws(DecodeError) -> DecodeError? {
        guard let s = try r.readString() else {
            return .wrongType(field.name, found: r.skippedType, expected: "string")
        }
        guard CodecText.isUppercaseCode(s, count: letters) else {
            return .invalid(field.name, "must be \(letters) uppercase letters (\(standard)), got \(CodecText.quoted(s))")
        }
        value = s
        return nil
    }

    private static func readInteger(
        _ r: inout EventJSONReader, _ field: Field, range: ClosedRange<Int64>, into value: inout Int64
    ) throws(DecodeError) -> DecodeError? {
        guard let n = try r.readNumber() else {
            return .wrongType(field.name, found: r.skippedType, expected: "integer")
        }
        guard let v = n.int64 else {
            let text = r.text(from: n.start, to: n.end)
            return .invalid(field.name, n.isInteger ? "is out of range, got \(text)" : "must be an integer, got \(text)")
        }
        guard range.contains(v) else {
            let text = r.text(from: n.start, to: n.end)
            let rule = range.upperBound == .max ? ">= \(range.lowerBound)" : "in \(range.lowerBound)...\(range.upperBound)"
            return .invalid(field.name, "must be \(rule), got \(text)")
        }
        value = v
        return nil
    }

    private static func readChannel(_ r: inout EventJSONReader, into value: inout Channel) throws(DecodeError) -> DecodeError? {
        guard let span = try r.readStringSpan() else {
            return .wrongType("channel", found: r.skippedType, expected: "string")
        }
        if r.spanEquals(span, "pos") {
            value = .pos
        } else if r.spanEquals(span, "ecom") {
            value = .ecom
        } else if r.spanEquals(span, "atm") {
            value = .atm
        } else {
            return .invalid("channel", "has unknown value \(CodecText.quoted(r.string(span))), expected pos, ecom or atm")
        }
        return nil
    }

    private static func readEntryMode(
        _ r: inout EventJSONReader, into value: inout EntryMode
    ) throws(DecodeError) -> DecodeError? {
        if try r.readNull() {
            value = .unknown
            return nil
        }
        guard let span = try r.readStringSpan() else {
            return .wrongType("entry_mode", found: r.skippedType, expected: "string or null")
        }
        if r.spanEquals(span, "chip") {
            value = .chip
        } else if r.spanEquals(span, "contactless") {
            value = .contactless
        } else if r.spanEquals(span, "online") {
            value = .online
        } else if r.spanEquals(span, "swipe") {
            value = .swipe
        } else if r.spanEquals(span, "manual") {
            value = .manual
        } else if r.spanEquals(span, "unknown") {
            value = .unknown
        } else {
            return .invalid(
                "entry_mode",
                "has unknown value \(CodecText.quoted(r.string(span))), expected chip, contactless, swipe, manual, online or unknown")
        }
        return nil
    }

    private static func readDevice(_ r: inout EventJSONReader, into value: inout String?) throws(DecodeError) -> DecodeError? {
        if try r.readNull() {
            value = nil
            return nil
        }
        guard let s = try r.readString() else {
            return .wrongType("device_id", found: r.skippedType, expected: "string or null")
        }
        guard !s.isEmpty else { return .invalid("device_id", "must not be empty (use null or omit it)") }
        value = s
        return nil
    }
}
