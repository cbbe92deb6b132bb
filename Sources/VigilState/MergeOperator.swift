/// A RocksDB merge operator written in Swift: combines a key's existing value with queued merge operands.
///
/// `merge` is called by RocksDB on reads, flushes and compactions, on any RocksDB thread, so it must be pure and
/// thread-safe. Returning nil reports a failed merge: the read (or the compaction) fails with a `.corruption`
/// error. The name is stored in the database's OPTIONS file; keep it stable.
public struct MergeOperator: Sendable {
    /// The signature of a full merge: the key, its current value (nil if none) and the operands, oldest first.
    public typealias Merge = @Sendable (_ key: [UInt8], _ existing: [UInt8]?, _ operands: [[UInt8]]) -> [UInt8]?

    /// The operator's name, reported to RocksDB.
    public let name: String
    let merge: Merge
    /// Whether `merge(key, nil, operands)` is a valid partial merge of the operands (associative operators), which
    /// lets RocksDB combine operands before the base value is known.
    let associative: Bool

    /// Creates a merge operator from a full-merge function. Operands are never partially merged.
    public init(name: String, merge: @escaping Merge) {
        self.init(name: name, associative: false, merge: merge)
    }

    /// Creates a merge operator; if `associative` is true, RocksDB may also call `merge` with `existing == nil`
    /// to combine operands among themselves (partial merge).
    public init(name: String, associative: Bool, merge: @escaping Merge) {
        self.name = name
        self.associative = associative
        self.merge = merge
    }

    /// Adds 8-byte little-endian `Int64` operands to an 8-byte little-endian `Int64` value (missing = 0), wrapping
    /// on overflow. A value or operand of any other length fails the merge.
    public static let int64Add = MergeOperator(name: "vigil.int64add", associative: true) { _, existing, operands in
        var sum: Int64 = 0
        if let existing {
            guard let v = decodeInt64LE(existing) else { return nil }
            sum = v
        }
        for operand in operands {
            guard let v = decodeInt64LE(operand) else { return nil }
            sum &+= v
        }
        return encodeInt64LE(sum)
    }
}

/// Reads 8 bytes little-endian, or nil if `bytes` is not 8 bytes long.
func decodeInt64LE(_ bytes: [UInt8]) -> Int64? {
    guard bytes.count == 8 else { return nil }
    var v: UInt64 = 0
    for i in 0..<8 { v |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    return Int64(bitPattern: v)
}

/// Encodes an `Int64` as 8 bytes little-endian.
func encodeInt64LE(_ value: Int64) -> [UInt8] {
    let v = UInt64(bitPattern: value)
    return (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) }
}
