/// HyperLogLog registers with their weight sum and zero count kept up to date, so that adding a hash and
/// estimating cost O(1) (the sliding distinct caches use it for keys beyond the exact limit).
struct HyperLogLogState: Sendable {
    var registers: [UInt8] = []
    var weightSum: UInt128 = 0
    var zeros = 0

    /// Empty registers.
    mutating func reset() {
        if registers.isEmpty {
            registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
        } else {
            registers.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        }
        weightSum = UInt128(HyperLogLog.registerCount) << 64
        zeros = HyperLogLog.registerCount
    }

    @inline(__always)
    mutating func add(_ hash: UInt64) {
        let (i, rank) = HyperLogLog.slot(hash)
        let old = registers[i]
        guard old < rank else { return }
        weightSum = weightSum &- HyperLogLog.weight(old) &+ HyperLogLog.weight(rank)
        if old == 0 { zeros &-= 1 }
        registers[i] = rank
    }

    mutating func merge(_ other: [UInt8]) {
        for i in 0..<HyperLogLog.registerCount where registers[i] < other[i] {
            let old = registers[i]
            weightSum = weightSum &- HyperLogLog.weight(old) &+ HyperLogLog.weight(other[i])
            if old == 0 { zeros &-= 1 }
            registers[i] = other[i]
        }
    }

    /// The estimate of the registers with `extra` (a hash, 0 for none) added, without changing them.
    func estimate(adding extra: UInt64) -> Int64 {
        var sum = weightSum
        var z = zeros
        if extra != 0 {
            let (i, rank) = HyperLogLog.slot(extra)
            let old = registers[i]
            if old < rank {
                sum = sum &- HyperLogLog.weight(old) &+ HyperLogLog.weight(rank)
                if old == 0 { z &-= 1 }
            }
        }
        return HyperLogLog.estimate(weightSum: sum, zeros: z)
    }
}
