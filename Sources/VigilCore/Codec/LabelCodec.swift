/// Encodes and decodes ``Label`` events (schema `label` v1, docs/events.md) as compact JSON.
///
/// Field order when encoding: `v`, `txn_id`, `card_id`, `is_fraud`, `fraud_type` (omitted when `nil`), `event_ts`,
/// `available_ts`. Decoding shares the transaction decoder's single-pass reader and rules: strict JSON and UTF-8,
/// unknown fields ignored, last duplicate wins. Thread-safe: stateless.
public enum LabelCodec {
    /// The schema version this codec writes and accepts (`"v"`).
    public static let schemaVersion: Int64 = 1

    /// Appends the label's JSON to `bytes` (no trailing newline).
    public static func encode(_ label: Label, into bytes: inout [UInt8]) {
        EventJSONWriter.appendRaw("{\"v\":1,\"txn_id\":", to: &bytes)
        EventJSONWriter.appendString(label.txnID, to: &bytes)
        EventJSONWriter.appendRaw(",\"card_id\":", to: &bytes)
        EventJSONWriter.appendString(label.cardID, to: &bytes)
        if label.isFraud {
            EventJSONWriter.appendRaw(",\"is_fraud\":true", to: &bytes)
        } else {
            EventJSONWriter.appendRaw(",\"is_fraud\":false", to: &bytes)
        }
        if let type = label.fraudType {
            EventJSONWriter.appendRaw(",\"fraud_type\":", to: &bytes)
            EventJSONWriter.appendString(type, to: &bytes)
        }
        EventJSONWriter.appendRaw(",\"event_ts\":", to: &bytes)
        EventJSONWriter.appendInt(label.eventTimestamp, to: &bytes)
        EventJSONWriter.appendRaw(",\"available_ts\":", to: &bytes)
        EventJSONWriter.appendInt(label.availableAt, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    /// The label's JSON bytes.
    public static func encode(_ label: Label) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(label, into: &bytes)
        return bytes
    }

    /// Decodes and validates one label from its JSON bytes.
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> Label {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(DecodeError) -> Label in try decode(buffer) }
        }
        return try result.get()
    }

    /// Decodes and validates one label from borrowed JSON bytes.
    public static func decode(_ buffer: UnsafeRawBufferPointer) throws(DecodeError) -> Label {
        guard buffer.count > 0 else { throw DecodeError(kind: .emptyInput, reason: "empty input") }
        var r = EventJSONReader(buffer)
        try r.openObject()

        var seen: UInt8 = 0
        var errors = FieldErrors(fieldCount: Field.allCases.count)
        var txnID = "", cardID = ""
        var isFraud = false
        var fraudType: String? = nil
        var eventTimestamp: Int64 = 0, availableAt: Int64 = 0

        while let key = try r.nextKey() {
            let name = r.string(key)
            guard let field = Field.allCases.first(where: { $0.name == name }) else {
                try r.skipValue()
                continue
            }
            var result: DecodeError? = nil
            switch field {
            case .v:
                if let n = try r.readNumber() {
                    if n.int64 != schemaVersion {
                        result = .invalid(
                            "v",
                            "is \(r.text(from: n.start, to: n.end)): unsupported schema version, this decoder reads label v1")
                    }
                } else {
                    result = .wrongType("v", found: r.skippedType, expected: "number")
                }
            case .txnID, .cardID:
                if let s = try r.readString() {
                    if s.isEmpty {
                        result = .invalid(field.name, "must not be empty")
                    } else if field == .txnID {
                        txnID = s
                    } else {
                        cardID = s
                    }
                } else {
                    result = .wrongType(field.name, found: r.skippedType, expected: "string")
                }
            case .isFraud:
                if let b = try r.readBool() {
                    isFraud = b
                } else {
                    result = .wrongType("is_fraud", found: r.skippedType, expected: "boolean")
                }
            case .fraudType:
                if try r.readNull() {
                    fraudType = nil
                } else if let s = try r.readString() {
                    if s.isEmpty { result = .invalid("fraud_type", "must not be empty (use null or omit it)") }
                    fraudType = s
                } else {
                    result = .wrongType("fraud_type", found: r.skippedType, expected: "string or null")
                }
            case .eventTS, .availableTS:
                if let n = try r.readNumber() {
                    let text = r.text(from: n.start, to: n.end)
                    if let v = n.int64 {
                        if v < 0 {
                            result = .invalid(field.name, "must be >= 0, got \(text)")
                        } else if field == .eventTS {
                            eventTimestamp = v
                        } else {
                            availableAt = v
                        }
                    } else {
                        result = .invalid(
                            field.name, n.isInteger ? "is out of range, got \(text)" : "must be an integer, got \(text)")
                    }
                } else {
                    result = .wrongType(field.name, found: r.skippedType, expected: "integer")
                }
            }
            seen |= 1 << UInt8(field.rawValue)
            if let result { errors.set(field.rawValue, result) } else { errors.clear(field.rawValue) }
        }
        try r.finish()

        if let error = errors.first { throw error }
        for field in Field.allCases where field.isRequired && seen & (1 << UInt8(field.rawValue)) == 0 {
            throw DecodeError.missing(field.name)
        }
        guard availableAt >= eventTimestamp else {
            throw DecodeError.invalid(
                "available_ts", "must not be before event_ts, got \(availableAt) < \(eventTimestamp)")
        }
        return Label(
            txnID: txnID, cardID: cardID, isFraud: isFraud, fraudType: fraudType, eventTimestamp: eventTimestamp,
            availableAt: availableAt)
    }

    /// The fields of schema v1, in schema order.
    enum Field: Int, CaseIterable {
        case v, txnID, cardID, isFraud, fraudType, eventTS, availableTS

        var name: String {
            switch self {
            case .v: "v"
            case .txnID: "txn_id"
            case .cardID: "card_id"
            case .isFraud: "is_fraud"
            case .fraudType: "fraud_type"
            case .eventTS: "event_ts"
            case .availableTS: "available_ts"
            }
        }

        var isRequired: Bool { self != .v && self != .fraudType }
    }
}
