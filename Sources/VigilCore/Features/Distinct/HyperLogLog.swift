/// HyperLogLog cardinality estimation with precision 12: 4 096 one-byte registers, standard error
/// 1.04 / √4096 ≈ 1.63 %.
///
/// A value's 64-bit ``StableHash`` picks a register with its top 12 bits; the register keeps the largest "rank" (1 +
/// the number of leading zeros of the remaining 52 bits) seen. The union of two sketches is the register-wise
/// maximum, so estimates do not depend on the order in which values or sketches are combined. The estimator is the
/// standard one (Flajolet et al. 2007) with linear counting below 2.5 m; no large-range correction is needed with
/// 64-bit hashes.
enum HyperLogLog {
    /// Index bits.
    static let precision = 12
    /// Number of registers, 2^precision.
    static let registerCount = 1 << precision

    /// The weight of a register holding r, `2^-r`, as an exact fixed-point integer `2^(64 − r)`: sums of weights are
    /// exact, so an estimate does not depend on the order in which registers were updated.
    @inline(__always)
    static func weight(_ r: UInt8) -> UInt128 { UInt128(1) << UInt128(64 &- Int(r)) }

    /// The register index and rank of a hash.
    @inline(__always)
    static func slot(_ hash: UInt64) -> (index: Int, rank: UInt8) {
        let index = Int(truncatingIfNeeded: hash >> UInt64(64 - precision))
        let rest = hash << UInt64(precision)
        return (index, UInt8(truncatingIfNeeded: Swift.min(rest.leadingZeroBitCount, 64 - precision) + 1))
    }

    /// Adds a hash to `registers` (which has ``registerCount`` entries).
    @inline(__always)
    static func add(_ hash: UInt64, to registers: inout [UInt8]) {
        let (index, rank) = slot(hash)
        if registers[index] < rank { registers[index] = rank }
    }

    /// Merges `other` into `registers` (register-wise maximum).
    @inline(__always)
    static func merge(_ other: [UInt8], into registers: inout [UInt8]) {
        precondition(other.count == registerCount && registers.count == registerCount)
        registers.withUnsafeMutableBufferPointer { r in
            other.withUnsafeBufferPointer { o in
                for i in 0..<registerCount where r[i] < o[i] { r[i] = o[i] }
            }
        }
    }

    /// The estimated number of distinct hashes added, rounded to the nearest integer.
    static func estimate(_ registers: [UInt8]) -> Int64 {
        var sum: UInt128 = 0
        var zeros = 0
        for r in registers {
            sum &+= weight(r)
            if r == 0 { zeros &+= 1 }
        }
        return estimate(weightSum: sum, zeros: zeros)
    }

    /// The estimate from the sum of the register weights (``weight(_:)``) and the number of zero registers.
    static func estimate(weightSum: UInt128, zeros: Int) -> Int64 {
        let m = Double(registerCount)
        let alpha = 0.7213 / (1 + 1.079 / m)
        let sum = EngineMath.double(weightSum) * 0x1.0p-64
        var e = alpha * m * m / sum
        if e <= 2.5 * m && zeros > 0 {
            e = m * DeterministicMath.log(m / Double(zeros))
        }
        return Int64(DeterministicMath.round(e))
    }
}
