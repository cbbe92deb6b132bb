/// Appends compact JSON to a byte buffer without going through `String` or `Codable`: the hot-path encoder of
/// output events.
///
/// The writer does not check structure: callers emit keys, values and punctuation in order. Strings and integers
/// are written by `EventJSONWriter`, the event codecs' writer, so every event Vigil writes is escaped the same way.
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
    public mutating func string(_ value: String) {
        EventJSONWriter.appendString(value, to: &bytes)
    }

    /// Appends the escaped contents of a JSON string, without the quotes.
    public mutating func stringContents(_ value: String) {
        EventJSONWriter.appendStringContents(value, to: &bytes)
    }

    /// Appends a JSON integer.
    public mutating func int(_ value: Int64) {
        EventJSONWriter.appendInt(value, to: &bytes)
    }

    /// Appends a fixed-point decimal (`FixedPoint` units) as a JSON number with at most four fractional digits and
    /// no trailing zeros: 1234500 → `123.45`, 10000 → `1`.
    public mutating func decimal(units: Int64) {
        if units < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = units.magnitude
        let scale = UInt64(FixedPoint.scale)
        EventJSONWriter.appendUnsigned(magnitude / scale, to: &bytes)
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

    /// Appends a Double in the shortest form that reads back to the same value (Swift's `description`, which is
    /// deterministic), or `null` when it is not finite. Integral values are written without a fraction (`2`, not
    /// `2.0`); exponents use JSON's `e` form.
    public mutating func double(_ value: Double) {
        guard value.isFinite else {
            raw("null")
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            int(Int64(value))
            return
        }
        bytes.append(contentsOf: value.description.utf8)
    }
}
