/// A stable 64-bit fingerprint of a model's input vector, carried in prediction events so that two predictions
/// can be shown to have seen the same inputs.
///
/// FNV-1a 64 (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`) over the 8 bytes of each value's IEEE 754
/// binary64 bit pattern, least significant byte first, in manifest order. Every NaN (missing) is first replaced by
/// the canonical quiet NaN `0x7ff8000000000000`, so all missing values hash alike; `-0.0` and `0.0` differ. The
/// value depends only on the numbers, never on the platform or the process.
public enum FeatureVectorHash {
    /// FNV-1a 64's offset basis.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a 64's prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01b3
    /// The bit pattern every NaN is hashed as.
    public static let canonicalNaN: UInt64 = 0x7ff8_0000_0000_0000

    /// The hash of `values`.
    @inline(__always)
    public static func fnv1a64(_ values: UnsafeBufferPointer<Double>) -> UInt64 {
        var hash = offsetBasis
        for value in values {
            var bits = value.isNaN ? canonicalNaN : value.bitPattern
            for _ in 0..<8 {
                hash ^= bits & 0xFF
                hash = hash &* prime
                bits >>= 8
            }
        }
        return hash
    }

    /// The hash of `values`.
    public static func fnv1a64(_ values: [Double]) -> UInt64 {
        values.withUnsafeBufferPointer { fnv1a64($0) }
    }
}
