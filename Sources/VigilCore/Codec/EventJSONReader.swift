/// A one-pass, allocation-free JSON reader over borrowed bytes, shared by the event decoders.
///
/// It reads one top-level object member by member: the decoder asks for the next key, then reads the value with a
/// typed accessor (which skips the value and reports its type when it is of another type) or skips it. Everything it
/// passes over is validated: JSON syntax per RFC 8259, UTF-8 (no overlong forms, no encoded surrogates, nothing above
/// U+10FFFF), string escapes including surrogate pairs. Offsets in errors are zero-based byte positions.
///
/// The reader borrows the bytes: it must not outlive the buffer it was created from.
struct EventJSONReader {
    /// The maximum nesting of arrays and objects inside an event (the event object itself is level 1).
    static let maxDepth = 64

    private let base: UnsafeRawPointer
    private let end: Int
    /// The position of the next byte to read.
    private(set) var pos: Int = 0
    /// Whether the next ``nextKey()`` is for the first member of the object.
    private var firstMember = true
    /// The type of the last value a typed accessor skipped because it had another type.
    private(set) var skippedType: JSONValueType = .null

    /// Creates a reader over a non-empty buffer.
    init(_ buffer: UnsafeRawBufferPointer) {
        // An empty buffer may have no base address; the callers reject empty input before creating a reader.
        base = buffer.baseAddress!
        end = buffer.count
    }

    @inline(__always)
    private func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }

    @inline(__always)
    private static func isWhitespace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < end, Self.isWhitespace(byte(pos)) { pos += 1 }
    }

    // MARK: - Object structure

    /// Reads up to and including the opening brace of the top-level object.
    mutating func openObject() throws(DecodeError) {
        skipWhitespace()
        guard pos < end else { throw DecodeError(kind: .emptyInput, reason: "empty input") }
        let b = byte(pos)
        if b == UInt8(ascii: "{") {
            pos += 1
            return
        }
        // Some other value: say so if it is well-formed JSON, else report the syntax error.
        guard let type = Self.valueType(b) else { throw unexpected(at: pos) }
        try skipValue()
        try finish(after: "value")
        throw DecodeError(
            kind: .notAnObject, reason: "not an object: the event is a JSON \(type.name), expected an object")
    }

    /// Returns the next member's key, leaving the reader at the start of its value, or `nil` (after consuming the
    /// closing brace) when the object has no more members.
    mutating func nextKey() throws(DecodeError) -> KeySpan? {
        skipWhitespace()
        guard pos < end else { throw unexpected(at: pos) }
        let b = byte(pos)
        if firstMember {
            firstMember = false
            if b == UInt8(ascii: "}") {
                pos += 1
                return nil
            }
        } else if b == UInt8(ascii: ",") {
            pos += 1
            skipWhitespace()
        } else if b == UInt8(ascii: "}") {
            pos += 1
            return nil
        } else {
            throw unexpected(at: pos)
        }
        guard pos < end, byte(pos) == UInt8(ascii: "\"") else { throw unexpected(at: pos) }
        let key = try scanString()
        skipWhitespace()
        guard pos < end, byte(pos) == UInt8(ascii: ":") else { throw unexpected(at: pos) }
        pos += 1
        skipWhitespace()
        guard pos < end, Self.valueType(byte(pos)) != nil else { throw unexpected(at: pos) }
        return key
    }

    /// Checks that nothing but whitespace follows the top-level value.
    mutating func finish(after what: String = "object") throws(DecodeError) {
        skipWhitespace()
        if pos < end {
            if byte(pos) >= 0x80, let bad = utf8Error(at: pos) { throw bad }
            throw DecodeError(
                kind: .notJSON,
                reason: "not JSON: unexpected character \(describe(at: pos)) at byte \(pos) after the end of the \(what)",
                offset: pos)
        }
    }

    // MARK: - Keys

    /// The bytes of a string (between its quotes), and whether they contain escapes.
    struct KeySpan {
        var start: Int
        var end: Int
        var hasEscapes: Bool
    }

    /// Whether the key's text equals `name` (an ASCII field name).
    @inline(__always)
    func keyEquals(_ key: KeySpan, _ name: StaticString) -> Bool {
        if key.hasEscapes { return string(key) == name.description }
        guard key.end - key.start == name.utf8CodeUnitCount else { return false }
        let p = name.utf8Start
        for i in 0..<name.utf8CodeUnitCount where byte(key.start + i) != p[i] { return false }
        return true
    }

    /// The length of the key's raw bytes (the text length when it has no escapes).
    @inline(__always)
    func rawLength(_ key: KeySpan) -> Int { key.end - key.start }

    // MARK: - Typed values

    /// The type of the value at the current position.
    var currentType: JSONValueType {
        pos < end ? Self.valueType(byte(pos)) ?? .null : .null
    }

    /// Reads a string value, or skips the value and returns `nil` (setting ``skippedType``) if it is not a string.
    mutating func readString() throws(DecodeError) -> String? {
        guard let span = try readStringSpan() else { return nil }
        return string(span)
    }

    /// Reads a string value's span, or skips the value and returns `nil` if it is not a string.
    mutating func readStringSpan() throws(DecodeError) -> KeySpan? {
        guard byte(pos) == UInt8(ascii: "\"") else {
            try skipOther()
            return nil
        }
        return try scanString()
    }

    /// Reads a number, or skips the value and returns `nil` if it is not a number.
    mutating func readNumber() throws(DecodeError) -> JSONNumber? {
        let b = byte(pos)
        guard b == UInt8(ascii: "-") || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) else {
            try skipOther()
            return nil
        }
        return try scanNumber()
    }

    /// Reads a boolean, or skips the value and returns `nil` if it is not a boolean.
    mutating func readBool() throws(DecodeError) -> Bool? {
        switch byte(pos) {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            try skipOther()
            return nil
        }
    }

    /// Consumes a `null` and returns `true`, or returns `false` leaving the reader where it was.
    mutating func readNull() throws(DecodeError) -> Bool {
        guard byte(pos) == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    private mutating func skipOther() throws(DecodeError) {
        skippedType = currentType
        try skipValue()
    }

    /// The text of a string span, with escapes decoded. ASCII or UTF-8 without escapes is copied straight from
    /// the bytes (already validated).
    func string(_ span: KeySpan) -> String {
        if !span.hasEscapes {
            return String(decoding: UnsafeRawBufferPointer(start: base + span.start, count: span.end - span.start),
                          as: UTF8.self)
        }
        return unescape(span)
    }

    /// Whether a string span without escapes equals `text`.
    @inline(__always)
    func spanEquals(_ span: KeySpan, _ text: StaticString) -> Bool { keyEquals(span, text) }

    /// The raw bytes of a span as text, for error messages (lossy).
    func text(from start: Int, to stop: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: base + start, count: stop - start), as: UTF8.self)
    }

    // MARK: - Scanning

    /// The JSON type a value starting with `b` has, or `nil` if no value starts with `b`.
    @inline(__always)
    static func valueType(_ b: UInt8) -> JSONValueType? {
        switch b {
        case UInt8(ascii: "\""): .string
        case UInt8(ascii: "{"): .object
        case UInt8(ascii: "["): .array
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): .bool
        case UInt8(ascii: "n"): .null
        default: nil
        }
    }

    /// Scans a string starting at its opening quote and leaves the reader after its closing quote.
    mutating func scanString() throws(DecodeError) -> KeySpan {
        let start = pos + 1
        var i = start
        var hasEscapes = false
        while i < end {
            let b = byte(i)
            if b >= 0x20 && b < 0x80 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") {
                i += 1
                continue
            }
            if b == UInt8(ascii: "\"") {
                pos = i + 1
                return KeySpan(start: start, end: i, hasEscapes: hasEscapes)
            }
            if b == UInt8(ascii: "\\") {
                hasEscapes = true
                i = try scanEscape(at: i)
            } else if b >= 0x80 {
                i += try utf8SequenceLength(at: i)
            } else {
                throw DecodeError(
                    kind: .notJSON,
                    reason: "not JSON: unescaped control character \(describe(at: i)) in a string at byte \(i)",
                    offset: i)
            }
        }
        throw unexpected(at: end)
    }

    /// Validates the escape at `i` (a backslash) and returns the position after it.
    private func scanEscape(at i: Int) throws(DecodeError) -> Int {
        guard i + 1 < end else { throw unexpected(at: end) }
        switch byte(i + 1) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return i + 2
        case UInt8(ascii: "u"):
            let unit = try hex4(at: i + 2)
            if unit >= 0xD800 && unit <= 0xDBFF {
                // A high surrogate must be followed by an escaped low surrogate.
                if i + 7 < end, byte(i + 6) == UInt8(ascii: "\\"), byte(i + 7) == UInt8(ascii: "u") {
                    let low = try hex4(at: i + 8)
                    if low >= 0xDC00 && low <= 0xDFFF { return i + 12 }
                }
                throw unpairedSurrogate(unit, at: i)
            }
            if unit >= 0xDC00 && unit <= 0xDFFF { throw unpairedSurrogate(unit, at: i) }
            return i + 6
        default:
            throw DecodeError(
                kind: .notJSON,
                reason: "not JSON: invalid escape, \(describe(at: i + 1)) after a backslash in a string at byte \(i)",
                offset: i)
        }
    }

    private func unpairedSurrogate(_ unit: UInt16, at i: Int) -> DecodeError {
        DecodeError(
            kind: .notUTF8,
            reason: "invalid UTF-8: unpaired surrogate escape \\u\(Self.hex(unit)) at byte \(i) has no UTF-8 encoding",
            offset: i)
    }

    private func hex4(at i: Int) throws(DecodeError) -> UInt16 {
        guard i + 4 <= end else { throw unexpected(at: end) }
        var value: UInt16 = 0
        for j in i..<(i + 4) {
            let b = byte(j)
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default:
                throw DecodeError(
                    kind: .notJSON,
                    reason: "not JSON: invalid \\u escape, \(describe(at: j)) at byte \(j) is not a hex digit",
                    offset: j)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// The length of the valid UTF-8 sequence starting at `i` (a byte >= 0x80), or an error.
    private func utf8SequenceLength(at i: Int) throws(DecodeError) -> Int {
        let (length, problem) = utf8Check(at: i)
        if let problem {
            throw DecodeError(kind: .notUTF8, reason: "invalid UTF-8 at byte \(i)\(problem)", offset: i)
        }
        return length
    }

    /// The error for an invalid UTF-8 sequence at `i`, or `nil` if a valid one starts there.
    private func utf8Error(at i: Int) -> DecodeError? {
        do { _ = try utf8SequenceLength(at: i) } catch { return error }
        return nil
    }

    /// Checks the UTF-8 sequence at `i`: its length, or a parenthesised problem description.
    private func utf8Check(at i: Int) -> (Int, String?) {
        let b0 = byte(i)
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        case 0xC0, 0xC1: return (0, " (overlong encoding)")
        case 0x80...0xBF: return (0, " (unexpected continuation byte 0x\(Self.hex(UInt16(b0), width: 2)))")
        default: return (0, " (byte 0x\(Self.hex(UInt16(b0), width: 2)) never appears in UTF-8)")
        }
        guard i + length <= end else { return (0, " (incomplete sequence)") }
        let b1 = byte(i + 1)
        if b1 < low || b1 > high {
            if b1 >= 0x80 && b1 <= 0xBF {
                return (0, b0 == 0xED ? " (encoded surrogate)" : b0 == 0xF4 ? " (above U+10FFFF)" : " (overlong encoding)")
            }
            return (0, " (incomplete sequence)")
        }
        for j in 2..<length {
            let b = byte(i + j)
            if b < 0x80 || b > 0xBF { return (0, " (incomplete sequence)") }
        }
        return (length, nil)
    }

    /// Scans a number per the JSON grammar.
    mutating func scanNumber() throws(DecodeError) -> JSONNumber {
        var n = JSONNumber(start: pos)
        var i = pos
        if byte(i) == UInt8(ascii: "-") {
            n.negative = true
            i += 1
        }
        @inline(__always) func isDigit(_ i: Int) -> Bool {
            i < end && byte(i) >= UInt8(ascii: "0") && byte(i) <= UInt8(ascii: "9")
        }
        guard isDigit(i) else { throw unexpected(at: i) }
        if byte(i) == UInt8(ascii: "0") {
            i += 1
        } else {
            while isDigit(i) {
                n.addDigit(byte(i) - UInt8(ascii: "0"), fractional: false)
                i += 1
            }
        }
        if i < end && byte(i) == UInt8(ascii: ".") {
            n.isInteger = false
            i += 1
            guard isDigit(i) else { throw unexpected(at: i) }
            while isDigit(i) {
                n.addDigit(byte(i) - UInt8(ascii: "0"), fractional: true)
                i += 1
            }
        }
        if i < end && (byte(i) == UInt8(ascii: "e") || byte(i) == UInt8(ascii: "E")) {
            n.isInteger = false
            i += 1
            var negativeExponent = false
            if i < end && (byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-")) {
                negativeExponent = byte(i) == UInt8(ascii: "-")
                i += 1
            }
            guard isDigit(i) else { throw unexpected(at: i) }
            var e = 0
            while isDigit(i) {
                if e < 100_000 { e = e * 10 + Int(byte(i) - UInt8(ascii: "0")) }
                i += 1
            }
            n.exponent += negativeExponent ? -e : e
        }
        n.end = i
        pos = i
        return n
    }

    /// The value of a scanned number as a `Double` (correctly rounded), possibly infinite.
    func double(_ n: JSONNumber) -> Double {
        if let fast = n.fastDouble { return fast }
        // Slow path for long mantissas and large exponents: the standard library's correctly rounded parser.
        return Double(text(from: n.start, to: n.end)) ?? (n.negative ? -.infinity : .infinity)
    }

    private mutating func literal(_ word: StaticString) throws(DecodeError) {
        let p = word.utf8Start
        for k in 0..<word.utf8CodeUnitCount {
            guard pos + k < end, byte(pos + k) == p[k] else { throw unexpected(at: pos + k) }
        }
        pos += word.utf8CodeUnitCount
    }

    /// Skips one complete value of any type, iteratively (nesting is limited to ``maxDepth``).
    mutating func skipValue() throws(DecodeError) {
        // Bit k of `stack` is 1 when the container at depth k+1 is an array, 0 for an object.
        var stack: UInt64 = 0
        var depth = 0
        while true {
            // Read one value at `pos`.
            guard pos < end else { throw unexpected(at: pos) }
            var opened = false
            switch byte(pos) {
            case UInt8(ascii: "\""): _ = try scanString()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try scanNumber()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isArray = byte(pos) == UInt8(ascii: "[")
                guard depth < Self.maxDepth else {
                    throw DecodeError(
                        kind: .notJSON, reason: "not JSON: nesting deeper than \(Self.maxDepth) levels at byte \(pos)",
                        offset: pos)
                }
                pos += 1
                skipWhitespace()
                guard pos < end else { throw unexpected(at: pos) }
                if byte(pos) == (isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")) {
                    pos += 1
                } else {
                    if isArray { stack |= 1 << UInt64(depth) } else { stack &= ~(1 << UInt64(depth)) }
                    depth += 1
                    if !isArray { try memberKey() }
                    opened = true
                }
            default:
                throw unexpected(at: pos)
            }
            if opened { continue }
            // The value is complete: close containers until one continues with another element.
            var more = false
            while depth > 0 && !more {
                skipWhitespace()
                guard pos < end else { throw unexpected(at: pos) }
                let isArray = stack & (1 << UInt64(depth - 1)) != 0
                let b = byte(pos)
                if b == UInt8(ascii: ",") {
                    pos += 1
                    skipWhitespace()
                    if !isArray { try memberKey() }
                    more = true
                } else if b == (isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")) {
                    pos += 1
                    depth -= 1
                } else {
                    throw unexpected(at: pos)
                }
            }
            if !more { return }
        }
    }

    /// Reads `"key" :` inside a skipped object, leaving the reader at the value.
    private mutating func memberKey() throws(DecodeError) {
        guard pos < end, byte(pos) == UInt8(ascii: "\"") else { throw unexpected(at: pos) }
        _ = try scanString()
        skipWhitespace()
        guard pos < end, byte(pos) == UInt8(ascii: ":") else { throw unexpected(at: pos) }
        pos += 1
        skipWhitespace()
    }

    // MARK: - Escapes

    private func unescape(_ span: KeySpan) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(span.end - span.start)
        var i = span.start
        func hexValue(_ j: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in j..<(j + 4) {
                let b = byte(k)
                let d: UInt8 = b <= UInt8(ascii: "9") ? b - 48 : (b | 0x20) - UInt8(ascii: "a") + 10
                v = v << 4 | UInt32(d)
            }
            return v
        }
        while i < span.end {
            let b = byte(i)
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            let e = byte(i + 1)
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hexValue(i)
                i += 4
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    // Validated by scanString: an escaped low surrogate follows.
                    let low = hexValue(i + 2)
                    i += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                Self.appendUTF8(scalar, to: &out)
            default: out.append(e)  // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: - Error text

    /// The error for an unexpected byte (or the end of input) at `i`.
    func unexpected(at i: Int) -> DecodeError {
        if i >= end {
            return DecodeError(
                kind: .notJSON, reason: "not JSON: unexpected end of input at byte \(end) (truncated?)", offset: end)
        }
        if byte(i) >= 0x80, let bad = utf8Error(at: i) { return bad }
        return DecodeError(
            kind: .notJSON, reason: "not JSON: unexpected character \(describe(at: i)) at byte \(i)", offset: i)
    }

    /// A printable description of the character at `i`: `'x'` for printable ASCII, else `U+XXXX`.
    private func describe(at i: Int) -> String {
        let b = byte(i)
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        if b < 0x80 { return "U+\(Self.hex(UInt16(b)))" }
        let (length, problem) = utf8Check(at: i)
        guard problem == nil else { return "0x\(Self.hex(UInt16(b), width: 2))" }
        let text = self.text(from: i, to: i + length)
        let scalar = text.unicodeScalars.first!.value
        return "'\(text)' (U+\(String(scalar, radix: 16, uppercase: true)))"
    }

    static func hex(_ value: UInt16, width: Int = 4) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// A scanned JSON number: sign, up to 19 significant decimal digits, a decimal exponent, and its byte range.
struct JSONNumber {
    var start: Int
    var end: Int = 0
    var negative = false
    /// The significant digits (at most 19 are kept).
    var mantissa: UInt64 = 0
    var significantDigits = 0
    /// value = ±mantissa × 10^exponent (exactly, unless `inexact`).
    var exponent = 0
    /// Whether nonzero digits were dropped because the mantissa was full.
    var inexact = false
    /// Whether the text had neither a fraction nor an exponent.
    var isInteger = true

    init(start: Int) { self.start = start }

    @inline(__always)
    mutating func addDigit(_ d: UInt8, fractional: Bool) {
        if significantDigits < 19 {
            if mantissa != 0 || d != 0 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                significantDigits += 1
            }
            if fractional { exponent -= 1 }
        } else {
            if d != 0 { inexact = true }
            if !fractional { exponent += 1 }
        }
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// The exactly rounded value when the mantissa and the power of ten are both exact doubles (Clinger's fast
    /// path), else `nil`.
    var fastDouble: Double? {
        guard !inexact, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 else {
            return mantissa == 0 && !inexact ? (negative ? -0.0 : 0.0) : nil
        }
        var value = Double(mantissa)
        value = exponent < 0 ? value / Self.powersOfTen[-exponent] : value * Self.powersOfTen[exponent]
        return negative ? -value : value
    }

    /// The exact integer value, or `nil` if the number is not an integer or does not fit in `Int64`.
    var int64: Int64? {
        guard !inexact else { return nil }
        var m = mantissa
        if m == 0 { return 0 }
        if exponent > 0 {
            for _ in 0..<exponent {
                let (r, overflow) = m.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                m = r
            }
        } else if exponent < 0 {
            for _ in 0..<(-exponent) {
                if m == 0 { break }
                guard m % 10 == 0 else { return nil }
                m /= 10
            }
        }
        if negative {
            return m <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- m) : nil
        }
        return m <= UInt64(Int64.max) ? Int64(m) : nil
    }
}
