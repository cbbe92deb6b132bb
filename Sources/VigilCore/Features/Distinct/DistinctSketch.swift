/// The distinct values of one tile or one window: an exact sorted set of value hashes up to the engine's
/// `distinctExactLimit`, then a HyperLogLog sketch (it never goes back to exact).
struct DistinctSketch: Sendable, Equatable {
    /// The distinct hashes, ascending, while exact; empty once ``registers`` is in use.
    var hashes: [UInt64] = []
    /// HyperLogLog registers (``HyperLogLog/registerCount`` bytes) once the exact set would exceed the limit;
    /// empty while exact.
    var registers: [UInt8] = []

    /// Whether the sketch still holds the exact set.
    @inline(__always)
    var isExact: Bool { registers.isEmpty }

    /// The exact count, or the HyperLogLog estimate.
    var cardinality: Int64 {
        isExact ? Int64(hashes.count) : HyperLogLog.estimate(registers)
    }

    /// Whether the exact set contains `hash` (false once approximate).
    @inline(__always)
    func contains(_ hash: UInt64) -> Bool {
        guard isExact else { return false }
        let i = lowerBound(hash)
        return i < hashes.count && hashes[i] == hash
    }

    @inline(__always)
    func lowerBound(_ hash: UInt64) -> Int {
        var lo = 0
        var hi = hashes.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if hashes[mid] < hash { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// Adds a (non-zero) hash; returns whether the exact set grew (false when it was there or the sketch is
    /// approximate).
    @discardableResult
    mutating func insert(_ hash: UInt64, limit: Int) -> Bool {
        if !isExact {
            HyperLogLog.add(hash, to: &registers)
            return false
        }
        let i = lowerBound(hash)
        if i < hashes.count && hashes[i] == hash { return false }
        if hashes.count >= limit {
            becomeApproximate()
            HyperLogLog.add(hash, to: &registers)
            return false
        }
        hashes.insert(hash, at: i)
        return true
    }

    /// Switches to HyperLogLog, adding the exact hashes to fresh registers.
    mutating func becomeApproximate() {
        guard isExact else { return }
        registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
        for h in hashes { HyperLogLog.add(h, to: &registers) }
        hashes = []
    }

    /// Merges `other` (the union of both value sets).
    mutating func formUnion(_ other: DistinctSketch, limit: Int) {
        if other.isExact {
            for h in other.hashes { insert(h, limit: limit) }
        } else {
            becomeApproximate()
            HyperLogLog.merge(other.registers, into: &registers)
        }
    }

    /// Heap bytes held.
    var approximateBytes: Int { hashes.count * 8 + registers.count }
}
