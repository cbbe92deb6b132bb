/// The column kinds and integer transforms of ``KeyState``'s binary form; the writing itself is
/// ``UnsafeByteWriter``'s state-coding extension below.
enum StateCoding {
    /// Column kinds. 1–4 are fixed-width (format 1 wrote only those); 5 and 6 are variable-length.
    static let int64: UInt8 = 1
    static let uint64: UInt8 = 2
    static let int128: UInt8 = 3
    static let sketches: UInt8 = 4
    /// Int64 values as zigzag LEB128 varints of the difference to the previous value (the first: to 0), wrapping.
    static let int64Delta: UInt8 = 5
    /// Int128 values as zigzag LEB128 varints.
    static let int128Varint: UInt8 = 6

    /// Zigzag: small magnitudes of either sign become small unsigned numbers.
    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    @inline(__always)
    static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }
}

/// Writing ``KeyState``'s binary form through a pointer, into memory sized by ``KeyState/encodedSizeBound``: ids,
/// sections, columns and varints, with no capacity checks.
extension UnsafeByteWriter {
    /// Appends `v` as an unsigned LEB128 varint (1–10 bytes).
    @inline(__always)
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            byte(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        byte(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `v` as a zigzag varint.
    @inline(__always)
    mutating func signed(_ v: Int64) { varint(StateCoding.zigzag(v)) }

    /// Appends `v` as a zigzag LEB128 varint (1–19 bytes).
    @inline(__always)
    mutating func signed128(_ v: Int128) {
        var u = UInt128(bitPattern: (v << 1) ^ (v >> 127))
        while u >= 0x80 {
            byte(UInt8(truncatingIfNeeded: u) | 0x80)
            u >>= 7
        }
        byte(UInt8(truncatingIfNeeded: u))
    }

    /// Appends a section header (its id and a one-byte placeholder length); returns where to patch the length
    /// (``patchLength(at:)``).
    @inline(__always)
    mutating func beginSection(_ id: UInt32) -> Int {
        littleEndian(id)
        byte(0)
        return count &- 1
    }

    /// Begins a column: its id, kind and a placeholder length; returns where to patch the length.
    @inline(__always)
    mutating func beginColumn(_ id: UInt32, kind: UInt8) -> Int {
        littleEndian(id)
        byte(kind)
        byte(0)
        return count &- 1
    }

    /// Writes the number of bytes after the one-byte placeholder at `position` into it as a varint, moving them
    /// when the length needs more than one byte.
    @inline(__always)
    mutating func patchLength(at position: Int) {
        let length = count &- position &- 1
        if length < 0x80 {
            base.storeBytes(of: UInt8(truncatingIfNeeded: length), toByteOffset: position, as: UInt8.self)
            return
        }
        var extra = 0
        var v = length >> 7
        while v > 0 {
            extra &+= 1
            v >>= 7
        }
        // `copyMemory` is a memmove: the regions overlap.
        (base + position + 1 + extra).copyMemory(from: base + position + 1, byteCount: length)
        let end = count &+ extra
        count = position
        varint(UInt64(length))
        count = end
    }

    /// Appends a fixed-width column of `values[from...]`: id, kind, byte length and the values in one copy.
    @inline(__always)
    mutating func column<T: FixedWidthInteger>(_ id: UInt32, kind: UInt8, _ values: [T], from: Int) {
        littleEndian(id)
        byte(kind)
        let n = values.count &- from
        varint(UInt64(n &* MemoryLayout<T>.stride))
        #if _endian(little)
        values.withUnsafeBytes { raw in
            bytes(UnsafeRawBufferPointer(rebasing: raw[(from &* MemoryLayout<T>.stride)...]))
        }
        #else
        for i in from..<values.count { littleEndian(values[i]) }
        #endif
    }

    /// Appends an Int64 column of `values[from...]` as zigzag varints of the differences between consecutive
    /// values, the first to 0 (``StateCoding/int64Delta``).
    @inline(__always)
    mutating func deltaColumn(_ id: UInt32, _ values: [Int64], from: Int) {
        let at = beginColumn(id, kind: StateCoding.int64Delta)
        values.withUnsafeBufferPointer { vs in
            var previous: Int64 = 0
            for i in from..<vs.count {
                let v = vs[i]
                varint(StateCoding.zigzag(v &- previous))
                previous = v
            }
        }
        patchLength(at: at)
    }

    /// Appends an Int128 column of `values[from...]` as zigzag varints (``StateCoding/int128Varint``).
    @inline(__always)
    mutating func varintColumn(_ id: UInt32, _ values: [Int128], from: Int) {
        let at = beginColumn(id, kind: StateCoding.int128Varint)
        values.withUnsafeBufferPointer { vs in
            for i in from..<vs.count { signed128(vs[i]) }
        }
        patchLength(at: at)
    }

    /// Appends one sketch: `[0][n varint][n hashes u64]` when exact, `[1][registers]` when approximate.
    @inline(__always)
    mutating func sketch(_ s: DistinctSketch) {
        if s.isExact {
            byte(0)
            varint(UInt64(s.hashes.count))
            #if _endian(little)
            s.hashes.withUnsafeBytes { bytes($0) }
            #else
            for h in s.hashes { littleEndian(h) }
            #endif
        } else {
            byte(1)
            s.registers.withUnsafeBytes { bytes($0) }
        }
    }
}
