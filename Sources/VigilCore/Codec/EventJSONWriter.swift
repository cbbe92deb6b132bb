/// Appends compact, deterministic JSON fragments to a byte buffer: the encoding half of the event codecs.
///
/// Strings are escaped per RFC 8259 (`"` `\` and control characters; everything else, including non-ASCII, is
/// copied as UTF-8). Integers are plain decimal. Amounts use ``appendAmount(_:to:)``.
enum EventJSONWriter {
    /// Appends an ASCII fragment (punctuation, a key with its quotes and colon).
    @inline(__always)
    static func appendRaw(_ fragment: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: fragment.utf8Start, count: fragment.utf8CodeUnitCount))
    }

    /// Appends a JSON string literal, quotes included.
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        appendStringContents(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// Appends the escaped contents of a JSON string, without the quotes.
    static func appendStringContents(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            var clean = 0
            while clean < utf8.count {
                let b = utf8[clean]
                if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { break }
                clean += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[0..<clean]))
            if clean < utf8.count { appendEscaped(UnsafeBufferPointer(rebasing: utf8[clean...]), to: &bytes) }
        }
    }

    private static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        for b in utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(b)
            case 0x0A: appendRaw("\\n", to: &bytes)
            case 0x0D: appendRaw("\\r", to: &bytes)
            case 0x09: appendRaw("\\t", to: &bytes)
            case 0x08: appendRaw("\\b", to: &bytes)
            case 0x0C: appendRaw("\\f", to: &bytes)
            case 0..<0x20:
                appendRaw("\\u00", to: &bytes)
                bytes.append(hexDigit(b >> 4))
                bytes.append(hexDigit(b & 0xF))
            default:
                bytes.append(b)
            }
        }
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? UInt8(ascii: "0") + v : UInt8(ascii: "a") + v - 10 }

    /// Appends a decimal integer.
    static func appendInt(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendUnsigned(value.magnitude, to: &bytes)
    }

    /// Appends an unsigned decimal integer: the digits written backwards into a scratch buffer, then appended in one
    /// copy (one `append` per digit and a reversal cost several times more).
    static func appendUnsigned(_ value: UInt64, to bytes: inout [UInt8]) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var i = 20
            var v = value
            repeat {
                i &-= 1
                digits[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10)
                v /= 10
            } while v != 0
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[i..<20]))
        }
    }

    /// Amounts below this are written by the cents fast path; their doubles are dense enough (ulp <= 2^-12) that
    /// the two-decimal form is the shortest round-trip form.
    private static let centsFastPathLimit: Double = 1_099_511_627_776  // 2^40

    /// Appends an amount as the shortest decimal that reads back as the same `Double`, the same text as Swift's
    /// `"\(amount)"`: 12.5 → `12.5`, 100 → `100.0`, 0.05 → `0.05`. No exponent form below 2^53 and above 1e-4.
    /// Non-finite values (which validation rejects) are written as `null`, so the output is still JSON.
    static func appendAmount(_ amount: Double, to bytes: inout [UInt8]) {
        guard amount.isFinite else {
            appendRaw("null", to: &bytes)
            return
        }
        // Fast path: a non-negative amount with at most two decimals (the common case for money).
        if amount >= 0 && amount < centsFastPathLimit {
            let cents = DeterministicMath.round(amount * 100)
            if cents / 100 == amount {
                let c = UInt64(cents)
                appendUnsigned(c / 100, to: &bytes)
                bytes.append(UInt8(ascii: "."))
                let fraction = UInt8(truncatingIfNeeded: c % 100)
                if fraction % 10 == 0 {
                    bytes.append(UInt8(ascii: "0") + fraction / 10)
                } else {
                    bytes.append(UInt8(ascii: "0") + fraction / 10)
                    bytes.append(UInt8(ascii: "0") + fraction % 10)
                }
                return
            }
        }
        // Anything else: the standard library's shortest round-trip printing (allocates; rare).
        bytes.append(contentsOf: amount.description.utf8)
    }
}
