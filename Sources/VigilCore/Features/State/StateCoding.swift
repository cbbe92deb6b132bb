/// Little-endian bulk writing for ``KeyState``'s binary form: names, sections and columns.
enum StateCoding {
    /// Column kinds.
    static let int64: UInt8 = 1
    static let uint64: UInt8 = 2
    static let int128: UInt8 = 3
    static let sketches: UInt8 = 4

    /// Appends `values` as little-endian integers in one copy.
    @inline(__always)
    static func append<T: FixedWidthInteger>(_ values: ArraySlice<T>, to out: inout [UInt8]) {
        #if _endian(little)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
        for v in values { out.appendLittleEndian(v) }
        #endif
    }

    /// Appends a length-prefixed (u16) name.
    @inline(__always)
    static func appendName(_ name: [UInt8], to out: inout [UInt8]) {
        out.appendLittleEndian(UInt16(truncatingIfNeeded: name.count))
        out.append(contentsOf: name)
    }

    /// Appends a section header with a placeholder length; returns where to patch it (``patchLength(at:in:)``).
    @inline(__always)
    static func beginSection(_ name: [UInt8], _ out: inout [UInt8]) -> Int {
        appendName(name, to: &out)
        let at = out.count
        out.appendLittleEndian(UInt32(0))
        return at
    }

    /// Appends a fixed-width column: name, kind, byte length and the values in one copy.
    @inline(__always)
    static func appendColumn<T: FixedWidthInteger>(
        _ name: [UInt8], kind: UInt8, _ values: ArraySlice<T>, to out: inout [UInt8]
    ) {
        appendName(name, to: &out)
        out.append(kind)
        out.appendLittleEndian(UInt32(truncatingIfNeeded: values.count * MemoryLayout<T>.stride))
        append(values, to: &out)
    }

    /// Writes the number of bytes after the u32 at `position` into it.
    @inline(__always)
    static func patchLength(at position: Int, in out: inout [UInt8]) {
        patch(UInt32(truncatingIfNeeded: out.count - position - 4), at: position, in: &out)
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

    /// Appends one sketch: `[0][n u32][n hashes]` when exact, `[1][registers]` when approximate.
    @inline(__always)
    static func appendSketch(_ s: DistinctSketch, to out: inout [UInt8]) {
        if s.isExact {
            out.append(0)
            out.appendLittleEndian(UInt32(truncatingIfNeeded: s.hashes.count))
            append(s.hashes[...], to: &out)
        } else {
            out.append(1)
            out.append(contentsOf: s.registers)
        }
    }
}
