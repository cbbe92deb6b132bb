/// A stable 64-bit hash of field values, for `distinct_count` and `first_seen`: the same value hashes to the same
/// bits on every platform, in every process and in every release (it is part of the stored state).
///
/// FNV-1a 64 over a type tag and the value's bytes (UTF-8 for strings, 8 little-endian bytes for integers and
/// fixed-point units, one byte for booleans), finished with MurmurHash3's `fmix64` so that every output bit depends
/// on every input bit (HyperLogLog takes its register index from the top bits). Swift's `Hasher` is seeded per
/// process and must never be used for this. The hash of a present value is never 0: 0 marks "missing" in stored
/// columns.
enum StableHash {
    static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The hash of `value`; 0 for `.missing`.
    @inline(__always)
    static func hash(_ value: FieldValue) -> UInt64 {
        switch value {
        case .missing: return 0
        case .string(let s): return hash(string: s)
        case .int(let v): return finish(mix(tag: 2, UInt64(bitPattern: v)))
        case .decimal(let units): return finish(mix(tag: 3, UInt64(bitPattern: units)))
        case .bool(let b): return finish(step(step(offsetBasis, 4), b ? 1 : 0))
        }
    }

    /// The hash of a string value (type tag 1, then its UTF-8 bytes).
    @inline(__always)
    static func hash(string: String) -> UInt64 {
        var h = step(offsetBasis, 1)
        var s = string
        s.withUTF8 { bytes in
            for b in bytes { h = (h ^ UInt64(b)) &* prime }
        }
        return finish(h)
    }

    @inline(__always)
    static func step(_ h: UInt64, _ byte: UInt8) -> UInt64 { (h ^ UInt64(byte)) &* prime }

    @inline(__always)
    static func mix(tag: UInt8, _ v: UInt64) -> UInt64 {
        var h = step(offsetBasis, tag)
        for shift in stride(from: 0, to: 64, by: 8) { h = (h ^ ((v >> UInt64(shift)) & 0xFF)) &* prime }
        return h
    }

    /// MurmurHash3's 64-bit finaliser; maps 0 to a fixed non-zero value.
    @inline(__always)
    static func finish(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k >> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k == 0 ? 0x9E37_79B9_7F4A_7C15 : k
    }
}
