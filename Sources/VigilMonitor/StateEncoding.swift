/// The format bytes that start each state encoding: the high nibble names the type, the low nibble its format
/// version, so decoding one type's bytes as another fails with ``MonitorError/Code/unsupportedFormat``.
enum StateFormat {
    static let binnedHistogram: UInt8 = 0x11
    static let classificationWindow: UInt8 = 0x21
    static let pageHinkley: UInt8 = 0x31
    static let adwin: UInt8 = 0x41
    static let changeDetector: UInt8 = 0x51
    static let retrainPolicyEvaluator: UInt8 = 0x61
}

/// Little-endian writers for the state encodings: fixed 8-byte doubles and times, LEB128 varints for counts.
extension Array where Element == UInt8 {
    mutating func appendFixed64(_ value: UInt64) {
        var v = value
        for _ in 0..<8 {
            append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    mutating func appendDouble(_ value: Double) { appendFixed64(value.bitPattern) }

    mutating func appendInt64(_ value: Int64) { appendFixed64(UInt64(bitPattern: value)) }

    mutating func appendVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        append(UInt8(v))
    }

    /// A signed integer as a zigzag varint (small magnitudes of either sign take one byte).
    mutating func appendSignedVarint(_ value: Int) {
        let v = Int64(value)
        appendVarint(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    mutating func appendBool(_ value: Bool) { append(value ? 1 : 0) }

    mutating func appendString(_ value: String) {
        let utf8 = Array(value.utf8)
        appendVarint(UInt64(utf8.count))
        append(contentsOf: utf8)
    }
}

/// A bounds-checked reader over an encoded state: every read throws ``MonitorError`` on short or malformed input,
/// never traps.
struct StateReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int
    /// The type being decoded, for error messages.
    let typeName: String

    init(_ bytes: ArraySlice<UInt8>, typeName: String) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.typeName = typeName
    }

    /// Bytes not read yet.
    var remaining: Int { bytes.endIndex - position }

    func error(_ code: MonitorError.Code, _ message: String) -> MonitorError {
        MonitorError(code: code, message: "\(typeName): \(message)")
    }

    /// Reads the leading format byte and checks it.
    mutating func expectFormat(_ format: UInt8) throws(MonitorError) {
        let byte = try byte("format byte")
        guard byte == format else {
            throw error(.unsupportedFormat, "format byte 0x\(String(byte, radix: 16)), expected 0x\(String(format, radix: 16))")
        }
    }

    /// Throws unless every byte was read.
    func expectEnd() throws(MonitorError) {
        guard remaining == 0 else { throw error(.corrupt, "\(remaining) unexpected trailing bytes") }
    }

    mutating func byte(_ field: String) throws(MonitorError) -> UInt8 {
        guard position < bytes.endIndex else { throw error(.truncated, "input ends before \(field)") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func bool(_ field: String) throws(MonitorError) -> Bool {
        switch try byte(field) {
        case 0: return false
        case 1: return true
        case let other: throw error(.corrupt, "\(field) is \(other), expected 0 or 1")
        }
    }

    mutating func fixed64(_ field: String) throws(MonitorError) -> UInt64 {
        guard remaining >= 8 else { throw error(.truncated, "input ends inside \(field)") }
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return value
    }

    mutating func double(_ field: String) throws(MonitorError) -> Double { Double(bitPattern: try fixed64(field)) }

    /// A double that must not be NaN.
    mutating func number(_ field: String) throws(MonitorError) -> Double {
        let value = try double(field)
        guard !value.isNaN else { throw error(.corrupt, "\(field) is NaN") }
        return value
    }

    mutating func int64(_ field: String) throws(MonitorError) -> Int64 { Int64(bitPattern: try fixed64(field)) }

    mutating func varint(_ field: String) throws(MonitorError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte(field)
            if shift == 63 && b > 1 { throw error(.corrupt, "\(field) overflows 64 bits") }
            value |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return value }
            shift += 7
        }
    }

    mutating func signedVarint(_ field: String) throws(MonitorError) -> Int {
        let raw = try varint(field)
        let value = Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
        guard let int = Int(exactly: value) else { throw error(.corrupt, "\(field) out of range") }
        return int
    }

    /// A varint count of elements that each take at least `minimumBytes` bytes, checked against the bytes left (so
    /// a corrupt count cannot ask for a huge allocation) and against `maximum`.
    mutating func count(_ field: String, minimumBytes: Int, maximum: Int = Int.max) throws(MonitorError) -> Int {
        let raw = try varint(field)
        guard raw <= UInt64(maximum) else { throw error(.corrupt, "\(field) \(raw) exceeds \(maximum)") }
        let count = Int(raw)
        guard minimumBytes == 0 || count <= remaining / minimumBytes else {
            throw error(.truncated, "\(field) \(count) exceeds the remaining input")
        }
        return count
    }

    mutating func string(_ field: String) throws(MonitorError) -> String {
        let length = try count("\(field) length", minimumBytes: 1)
        let slice = bytes[position..<(position + length)]
        position += length
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw error(.corrupt, "\(field) is not valid UTF-8")
        }
        return string
    }
}

/// Saturating arithmetic for counters and event times that come from outside (never trap on overflow).
extension UInt64 {
    @inline(__always)
    func saturatingSubtracting(_ other: UInt64) -> UInt64 { self >= other ? self - other : 0 }
}

extension Int64 {
    @inline(__always)
    func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    @inline(__always)
    func saturatingSubtracting(_ other: Int64) -> Int64 {
        let (difference, overflow) = subtractingReportingOverflow(other)
        return overflow ? (other > 0 ? .min : .max) : difference
    }
}
