/// Little-endian bulk writing for ``KeyState``'s binary form: ids, sections, columns and varints.
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

    /// Appends `values` as little-endian integers in one copy.
    @inline(__always)
    static func append<T: FixedWidthInteger>(_ values: ArraySlice<T>, to out: inout [UInt8]) {
        #if _endian(little)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
        for v in values { out.appendLittleEndian(v) }
        #endif
    }

    /// Zigzag: small magnitudes of either sign become small unsigned numbers.
    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    @inline(__always)
    static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }

    /// Appends `v` as an unsigned LEB128 varint (1–10 bytes).
    @inline(__always)
    static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `v` as a zigzag varint.
    @inline(__always)
    static func appendSigned(_ v: Int64, to out: inout [UInt8]) { appendVarint(zigzag(v), to: &out) }

    /// Appends `values` as zigzag varints of their differences (the first to `base`), into memory reserved in one
    /// step.
    static func appendDeltas(_ values: ArraySlice<Int64>, base: Int64 = 0, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: values.count &* 10))
        var used = 0
        out.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress! + start
            var previous = base
            values.withUnsafeBufferPointer { vs in
                for v in vs {
                    var u = zigzag(v &- previous)
                    previous = v
                    while u >= 0x80 {
                        p[used] = UInt8(truncatingIfNeeded: u) | 0x80
                        used &+= 1
                        u >>= 7
                    }
                    p[used] = UInt8(truncatingIfNeeded: u)
                    used &+= 1
                }
            }
        }
        out.removeLast(values.count &* 10 &- used)
    }

    /// Appends `values` as zigzag LEB128 varints (1–19 bytes each).
    static func appendVarints(_ values: ArraySlice<Int128>, to out: inout [UInt8]) {
        for v in values {
            var u = UInt128(bitPattern: (v << 1) ^ (v >> 127))
            while u >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: u) | 0x80)
                u >>= 7
            }
            out.append(UInt8(truncatingIfNeeded: u))
        }
    }

    /// Appends a section header (its id and a placeholder length); returns where to patch the length
    /// (``patchLength(at:in:)``).
    @inline(__always)
    static func beginSection(_ id: UInt32, _ out: inout [UInt8]) -> Int {
        out.appendLittleEndian(id)
        out.append(0)
        return out.count &- 1
    }

    /// Begins a column: its id, kind and a placeholder length; returns where to patch the length.
    @inline(__always)
    static func beginColumn(_ id: UInt32, kind: UInt8, _ out: inout [UInt8]) -> Int {
        out.appendLittleEndian(id)
        out.append(kind)
        out.append(0)
        return out.count &- 1
    }

    /// Appends a fixed-width column: id, kind, byte length and the values in one copy.
    @inline(__always)
    static func appendColumn<T: FixedWidthInteger>(
        _ id: UInt32, kind: UInt8, _ values: ArraySlice<T>, to out: inout [UInt8]
    ) {
        out.appendLittleEndian(id)
        out.append(kind)
        appendVarint(UInt64(values.count &* MemoryLayout<T>.stride), to: &out)
        append(values, to: &out)
    }

    /// Appends an Int64 column as deltas (``int64Delta``).
    @inline(__always)
    static func appendDeltaColumn(_ id: UInt32, _ values: ArraySlice<Int64>, to out: inout [UInt8]) {
        let at = beginColumn(id, kind: int64Delta, &out)
        appendDeltas(values, to: &out)
        patchLength(at: at, in: &out)
    }

    /// Appends an Int128 column as varints (``int128Varint``).
    @inline(__always)
    static func appendVarintColumn(_ id: UInt32, _ values: ArraySlice<Int128>, to out: inout [UInt8]) {
        let at = beginColumn(id, kind: int128Varint, &out)
        appendVarints(values, to: &out)
        patchLength(at: at, in: &out)
    }

    /// Writes the number of bytes after the one-byte placeholder at `position` into it as a varint, moving them
    /// when the length needs more than one byte.
    @inline(__always)
    static func patchLength(at position: Int, in out: inout [UInt8]) {
        let length = out.count &- position &- 1
        if length < 0x80 {
            out[position] = UInt8(truncatingIfNeeded: length)
            return
        }
        var varint: [UInt8] = []
        appendVarint(UInt64(length), to: &varint)
        out.replaceSubrange(position..<(position &+ 1), with: varint)
    }

    /// Overwrites the u32 at `position`.
    @inline(__always)
    static func patch(_ value: UInt32, at position: Int, in out: inout [UInt8]) {
        let v = value.littleEndian
        out[position] = UInt8(truncatingIfNeeded: v)
        out[position + 1] = UInt8(truncatingIfNeeded: v >> 8)
        out[position + 2] = UInt8(truncatingIfNeeded: v >> 16)
        out[position + 3] = UInt8(truncatingIfNeeded: v >> 24)
    }

    /// Appends one sketch: `[0][n varint][n hashes]` when exact, `[1][registers]` when approximate (format 1 wrote
    /// the count as a u32).
    @inline(__always)
    static func appendSketch(_ s: DistinctSketch, to out: inout [UInt8]) {
        if s.isExact {
            out.append(0)
            appendVarint(UInt64(s.hashes.count), to: &out)
            append(s.hashes[...], to: &out)
        } else {
            out.append(1)
            out.append(contentsOf: s.registers)
        }
    }
}
