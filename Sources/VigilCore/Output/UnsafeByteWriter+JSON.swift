/// JSON through a pointer, for encoders that size their output first (``FeatureEventEncoder``): the same bytes as
/// ``JSONByteWriter`` and the event codecs' writer, without a capacity check per piece.
extension UnsafeByteWriter {
    /// The most bytes ``jsonInt(_:)`` writes.
    static let jsonIntegerBound = 20
    /// The most bytes ``jsonValue(_:)`` writes (a decimal: sign, 15 digits, point, 4 digits; a double's shortest
    /// form is at most 24 characters).
    static let jsonValueBound = 32

    /// The most bytes ``jsonString(_:)`` writes for `value` (every byte escaped as `\u00XX`, or `null`).
    @inline(__always)
    static func jsonStringBound(_ value: String?) -> Int {
        guard let value else { return 4 }
        return 2 + 6 * value.utf8.count
    }

    @inline(__always)
    mutating func raw(_ fragment: StaticString) {
        bytes(UnsafeRawBufferPointer(start: fragment.utf8Start, count: fragment.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func raw(_ fragment: [UInt8]) {
        fragment.withUnsafeBytes { bytes($0) }
    }

    /// A JSON string literal, or `null` for nil.
    @inline(__always)
    mutating func jsonString(_ value: String?) {
        guard let value else {
            raw("null")
            return
        }
        byte(UInt8(ascii: "\""))
        jsonStringContents(value)
        byte(UInt8(ascii: "\""))
    }

    /// The escaped contents of a JSON string (``EventJSONWriter/appendStringContents(_:to:)``).
    mutating func jsonStringContents(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            var clean = 0
            while clean < utf8.count {
                let b = utf8[clean]
                if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { break }
                clean &+= 1
            }
            bytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(utf8)[0..<clean]))
            for b in utf8[clean...] {
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    byte(UInt8(ascii: "\\"))
                    byte(b)
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x08: raw("\\b")
                case 0x0C: raw("\\f")
                case 0..<0x20:
                    raw("\\u00")
                    byte(Self.hexDigit(b >> 4))
                    byte(Self.hexDigit(b & 0xF))
                default:
                    byte(b)
                }
            }
        }
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }

    /// A decimal integer.
    @inline(__always)
    mutating func jsonInt(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        jsonUnsigned(value.magnitude)
    }

    /// An unsigned decimal integer: digits written backwards into place.
    @inline(__always)
    mutating func jsonUnsigned(_ value: UInt64) {
        var digits = 1
        var v = value
        while v >= 10 {
            v /= 10
            digits &+= 1
        }
        v = value
        var i = count &+ digits
        repeat {
            i &-= 1
            base.storeBytes(of: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10), toByteOffset: i, as: UInt8.self)
            v /= 10
        } while v != 0
        count &+= digits
    }

    /// A feature value (``JSONByteWriter/value(_:)``).
    @inline(__always)
    mutating func jsonValue(_ value: FeatureValue) {
        switch value {
        case .int(let v): jsonInt(v)
        case .decimal(let units): jsonDecimal(units: units)
        case .double(let d): jsonDouble(d)
        case .missing: raw("null")
        }
    }

    /// A fixed-point decimal (``JSONByteWriter/decimal(units:)``).
    mutating func jsonDecimal(units: Int64) {
        if units < 0 { byte(UInt8(ascii: "-")) }
        let magnitude = units.magnitude
        let scale = UInt64(FixedPoint.scale)
        jsonUnsigned(magnitude / scale)
        var fraction = magnitude % scale
        guard fraction != 0 else { return }
        byte(UInt8(ascii: "."))
        var digits = 4
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var divisor: UInt64 = 1
        for _ in 1..<digits { divisor *= 10 }
        while divisor > 0 {
            byte(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
    }

    /// A Double (``JSONByteWriter/double(_:)``).
    mutating func jsonDouble(_ value: Double) {
        guard value.isFinite else {
            raw("null")
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            jsonInt(Int64(value))
            return
        }
        var text = value.description
        text.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }
}
