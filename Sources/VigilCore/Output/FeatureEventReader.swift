/// Reads feature events (schema `features` v2, as `FeatureEventEncoder` writes them) back without a general JSON
/// parser, keeping each feature's value as the exact text the event holds: a dataset built from it, or a comparison
/// of two feature streams, sees the same digits the online consumers saw.
///
/// Accepts any valid JSON object with the schema's fields (in any order, with whitespace); strings may use JSON
/// escapes. Values of `features` must be numbers or `null` (as the encoder writes them).
public struct FeatureEventReader: Sendable {
    /// One feature event.
    public struct Event: Sendable, Equatable {
        public var eventID: String
        public var key: String?
        public var txnID: String?
        public var timestamp: Int64
        /// Feature name → the value's JSON text (`null` for a missing value), in the event's order.
        public var features: [(name: String, value: String)]

        public static func == (a: Event, b: Event) -> Bool {
            a.eventID == b.eventID && a.key == b.key && a.txnID == b.txnID && a.timestamp == b.timestamp
                && a.features.elementsEqual(b.features) { $0 == $1 }
        }

        /// The value of `name` as text, or nil when the event has no such feature.
        public func value(_ name: String) -> String? {
            features.first { $0.name == name }?.value
        }
    }

    public struct ReadError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init() {}

    /// Reads one event; throws on anything that is not a feature event v2.
    public func read(_ bytes: [UInt8]) throws(ReadError) -> Event {
        var s = Scanner(bytes: bytes)
        var eventID: String?, key: String??, txn: String?, ts: Int64?, version: String?, type: String?
        var features: [(String, String)]?
        try s.expect(UInt8(ascii: "{"))
        if !s.consume(UInt8(ascii: "}")) {
            repeat {
                let name = try s.string()
                try s.expect(UInt8(ascii: ":"))
                switch name {
                case "v": version = try s.rawValue()
                case "type": type = try s.string()
                case "event_id": eventID = try s.string()
                case "key": key = try s.optionalString()
                case "txn_id": txn = try s.string()
                case "ts":
                    guard let t = Int64(try s.rawValue()) else { throw ReadError(description: "\"ts\" is not an integer") }
                    ts = t
                case "features":
                    var list: [(String, String)] = []
                    try s.expect(UInt8(ascii: "{"))
                    if !s.consume(UInt8(ascii: "}")) {
                        repeat {
                            let f = try s.string()
                            try s.expect(UInt8(ascii: ":"))
                            list.append((f, try s.rawValue()))
                        } while s.consume(UInt8(ascii: ","))
                        try s.expect(UInt8(ascii: "}"))
                    }
                    features = list
                default: try s.skipValue()
                }
            } while s.consume(UInt8(ascii: ","))
            try s.expect(UInt8(ascii: "}"))
        }
        guard version == "2", type == "features" else { throw ReadError(description: "not a feature event v2") }
        guard let eventID, let ts, let features else {
            throw ReadError(description: "a feature event without event_id, ts or features")
        }
        return Event(eventID: eventID, key: key ?? nil, txnID: txn, timestamp: ts, features: features)
    }

    /// A cursor over JSON bytes.
    struct Scanner {
        let bytes: [UInt8]
        var i = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        mutating func consume(_ b: UInt8) -> Bool {
            skipSpace()
            if i < bytes.count, bytes[i] == b {
                i += 1
                return true
            }
            return false
        }

        mutating func expect(_ b: UInt8) throws(ReadError) {
            guard consume(b) else {
                throw ReadError(description: "expected '\(Character(Unicode.Scalar(b)))' at byte \(i)")
            }
        }

        /// A string literal, unescaped.
        mutating func string() throws(ReadError) -> String {
            try expect(UInt8(ascii: "\""))
            // Fast path: no escapes (feature names, ids): one String straight from the bytes.
            var j = i
            while j < bytes.count, bytes[j] != UInt8(ascii: "\""), bytes[j] != UInt8(ascii: "\\") { j += 1 }
            if j < bytes.count, bytes[j] == UInt8(ascii: "\"") {
                let text = String(decoding: bytes[i..<j], as: UTF8.self)
                i = j + 1
                return text
            }
            var out: [UInt8] = []
            while i < bytes.count {
                let b = bytes[i]
                i += 1
                if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
                if b != UInt8(ascii: "\\") {
                    out.append(b)
                    continue
                }
                guard i < bytes.count else { break }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    guard i + 4 <= bytes.count, let unit = UInt16(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16)
                    else { throw ReadError(description: "bad \\u escape at byte \(i)") }
                    i += 4
                    var scalarValue = UInt32(unit)
                    if (0xD800..<0xDC00).contains(unit), i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"),
                       bytes[i + 1] == UInt8(ascii: "u"),
                       let low = UInt16(String(decoding: bytes[(i + 2)..<(i + 6)], as: UTF8.self), radix: 16),
                       (0xDC00..<0xE000).contains(low)
                    {
                        i += 6
                        scalarValue = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
                    }
                    let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: out.append(e)
                }
            }
            throw ReadError(description: "unterminated string")
        }

        mutating func optionalString() throws(ReadError) -> String? {
            skipSpace()
            if bytes[i...].starts(with: Array("null".utf8)) {
                i += 4
                return nil
            }
            return try string()
        }

        /// The text of a number, `true`, `false` or `null`.
        mutating func rawValue() throws(ReadError) -> String {
            skipSpace()
            let start = i
            while i < bytes.count, !(bytes[i] == UInt8(ascii: ",") || bytes[i] == UInt8(ascii: "}")
                || bytes[i] == UInt8(ascii: "]") || bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D
                || bytes[i] == 0x09)
            {
                i += 1
            }
            guard i > start else { throw ReadError(description: "expected a value at byte \(start)") }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        /// Skips any JSON value.
        mutating func skipValue() throws(ReadError) {
            skipSpace()
            guard i < bytes.count else { throw ReadError(description: "unexpected end") }
            switch bytes[i] {
            case UInt8(ascii: "\""): _ = try string()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close: UInt8 = bytes[i] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let isObject = close == UInt8(ascii: "}")
                i += 1
                if consume(close) { return }
                repeat {
                    if isObject {
                        _ = try string()
                        try expect(UInt8(ascii: ":"))
                    }
                    try skipValue()
                } while consume(UInt8(ascii: ","))
                try expect(close)
            default: _ = try rawValue()
            }
        }
    }
}
