/// Appends compact JSON to a byte buffer without going through `String` or `Codable`: the hot-path encoder of
/// output events.
///
/// The writer does not check structure; callers emit well-formed sequences (keys before values, commas via
/// `comma()`). Strings are escaped per RFC 8259; input strings are valid UTF-8 already (they were decoded from
/// validated events), so non-ASCII bytes pass through unchanged.
public struct JSONByteWriter {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Creates a writer with an empty buffer of the given capacity.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends raw ASCII punctuation or a pre-escaped fragment.
    @inlinable
    public mutating func raw(_ fragment: StaticString) {
        fragment.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends `"key":` for a key that needs no escaping.
    @inlinable
    public mutating func key(_ key: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends `"key":` for a runtime key, escaped.
    @inlinable
    public mutating func key(_ key: String) {
        string(key)
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends a JSON string literal.
    @inlinable
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        stringContents(value)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends the escaped contents of a JSON string, without the quotes.
    @inlinable
    public mutating func stringContents(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            // Fast path: most ids need no escaping and are copied in one go.
            if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
                case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
                case 0..<0x20:
                    raw("\\u00")
                    bytes.append(Self.hexDigit(byte >> 4))
                    bytes.append(Self.hexDigit(byte & 0xF))
                default: bytes.append(byte)
                }
            }
        }
    }

    /// Appends a JSON integer.
    @inlinable
    public mutating func int(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            unsigned(value.magnitude)
        } else {
            unsigned(UInt64(value))
        }
    }

    /// Appends a fixed-point decimal (`FixedPoint` units) as a JSON number with at most four fractional digits and
    /// no trailing zeros: 1234500 → `123.45`, 10000 → `1`.
    @inlinable
    public mutating func decimal(units: Int64) {
        if units < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = units.magnitude
        let scale = UInt64(FixedPoint.scale)
        unsigned(magnitude / scale)
        var fraction = magnitude % scale
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var digits = 4
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var divisor: UInt64 = 1
        for _ in 1..<digits { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
    }

    /// Appends `true` or `false`.
    @inlinable
    public mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    @inlinable
    mutating func unsigned(_ value: UInt64) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                     UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { raw in
            let d = raw.bindMemory(to: UInt64.self)
            while v > 0 {
                d[n] = v % 10
                v /= 10
                n += 1
            }
            for i in stride(from: n - 1, through: 0, by: -1) {
                bytes.append(UInt8(ascii: "0") + UInt8(d[i]))
            }
        }
    }

    @inlinable
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
