#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ADWIN (adaptive windowing) change detector, a port of River 0.21's `drift.ADWIN` (its Cython
/// `AdaptiveWindowing` helper).
///
/// Defaults (River's): `delta = 0.002`, `clock = 32`, `max_buckets = 5`, `min_window_length = 5`,
/// `grace_period = 10`.
///
/// ADWIN keeps a window of recent values compressed into exponential histogram buckets (rows of up to `maxBuckets`
/// buckets of 2ʳ values). Every `clock` values, once the window holds more than `gracePeriod` values, it tries each
/// cut of the window into an older part W₀ and a newer part W₁ (each at least `minWindowLength` long) and detects a
/// change when their means differ by more than `ε = sqrt(2 m σ²_W δ') + ⅔ δ' m` with `δ' = ln(2 ln|W| / delta)` and
/// `m = 1/(|W₀| − min + 1) + 1/(|W₁| − min + 1)`; it then drops the oldest buckets until no cut detects a change.
/// As in River, after a detection the next value starts an empty window. The port keeps River's arithmetic and
/// loop order (including its quirk of never cutting after the last bucket of a row), so it flags the same indices
/// as River (tested against fixtures produced by River itself, ops/river-fixtures).
///
/// Parameters out of River's domain are clamped so nothing traps: `clock >= 1`, `1 <= maxBuckets <= 1024`.
/// NaN is ignored.
public struct ADWIN: Sendable, Equatable {
    /// The significance of the test (smaller: fewer false alarms, slower detection).
    public let delta: Double
    /// How often (in values) the window is checked for a change.
    public let clock: Int
    /// Buckets of one size kept before two are merged.
    public let maxBuckets: Int
    /// The minimum length of each sub-window of a cut.
    public let minWindowLength: Int
    /// Values needed before the first check.
    public let gracePeriod: Int

    private var total = 0.0
    private var variance = 0.0
    private var windowWidth = 0.0
    private var tick = 0
    /// Bucket totals and variances, row after row, `maxBuckets + 1` slots per row; row 0 holds single values.
    private var bucketTotals: [Double]
    private var bucketVariances: [Double]
    /// Buckets used in each row.
    private var rowCounts: [Int]
    /// The last update detected a change: the next one starts an empty window first (River's order).
    private var detected = false

    /// A detector with River's defaults unless given.
    public init(delta: Double = 0.002, clock: Int = 32, maxBuckets: Int = 5, minWindowLength: Int = 5, gracePeriod: Int = 10)
    {
        self.delta = delta
        self.clock = max(1, clock)
        self.maxBuckets = min(max(1, maxBuckets), 1024)
        self.minWindowLength = minWindowLength
        self.gracePeriod = gracePeriod
        bucketTotals = Array(repeating: 0, count: self.maxBuckets + 1)
        bucketVariances = Array(repeating: 0, count: self.maxBuckets + 1)
        rowCounts = [0]
    }

    /// Values in the current window.
    public var width: Int { Int(windowWidth) }

    /// The mean of the current window; 0 when it is empty.
    public var estimation: Double { windowWidth == 0 ? 0 : total / windowWidth }

    /// Adds one value; true when a change is detected (the window then restarts empty with the next value).
    public mutating func update(_ x: Double) -> Bool {
        guard !x.isNaN else { return false }
        if detected { self = ADWIN(delta: delta, clock: clock, maxBuckets: maxBuckets, minWindowLength: minWindowLength, gracePeriod: gracePeriod) }
        insert(x)
        detected = detectChange()
        return detected
    }

    // MARK: - Buckets

    private var slots: Int { maxBuckets + 1 }

    @inline(__always)
    private static func bucketSize(_ row: Int) -> Double { Double(sign: .plus, exponent: row, significand: 1) }

    private mutating func insertBucket(row: Int, total: Double, variance: Double) {
        let slot = row * slots + rowCounts[row]
        bucketTotals[slot] = total
        bucketVariances[slot] = variance
        rowCounts[row] += 1
    }

    /// Drops the first `n` buckets of a row, shifting the others left (River's `Bucket.compress`).
    private mutating func dropBuckets(row: Int, _ n: Int) {
        let base = row * slots
        for i in n..<slots {
            bucketTotals[base + i - n] = bucketTotals[base + i]
            bucketVariances[base + i - n] = bucketVariances[base + i]
        }
        for i in (slots - n)..<slots {
            bucketTotals[base + i] = 0
            bucketVariances[base + i] = 0
        }
        rowCounts[row] -= n
    }

    private mutating func appendRow() {
        bucketTotals.append(contentsOf: repeatElement(0, count: slots))
        bucketVariances.append(contentsOf: repeatElement(0, count: slots))
        rowCounts.append(0)
    }

    private mutating func insert(_ value: Double) {
        insertBucket(row: 0, total: value, variance: 0)
        windowWidth += 1
        var incrementalVariance = 0.0
        if windowWidth > 1.0 {
            incrementalVariance = (windowWidth - 1.0) * (value - total / (windowWidth - 1.0))
                * (value - total / (windowWidth - 1.0)) / windowWidth
        }
        variance += incrementalVariance
        total += value
        compressBuckets()
    }

    private mutating func compressBuckets() {
        var row = 0
        while row < rowCounts.count {
            guard rowCounts[row] == maxBuckets + 1 else { break }
            if row + 1 == rowCounts.count { appendRow() }
            let base = row * slots
            let n1 = Self.bucketSize(row)
            let n2 = Self.bucketSize(row)
            let mu1 = bucketTotals[base] / n1
            let mu2 = bucketTotals[base + 1] / n2
            let total12 = bucketTotals[base] + bucketTotals[base + 1]
            let temp = n1 * n2 * (mu1 - mu2) * (mu1 - mu2) / (n1 + n2)
            let variance12 = bucketVariances[base] + bucketVariances[base + 1] + temp
            insertBucket(row: row + 1, total: total12, variance: variance12)
            dropBuckets(row: row, 2)
            if rowCounts[row + 1] <= maxBuckets { break }
            row += 1
        }
    }

    /// Removes the oldest bucket and returns its size.
    private mutating func deleteOldest() -> Double {
        let row = rowCounts.count - 1
        let base = row * slots
        let n = Self.bucketSize(row)
        let u = bucketTotals[base]
        let mu = u / n
        let v = bucketVariances[base]
        windowWidth -= n
        total -= u
        let muWindow = total / windowWidth
        let incrementalVariance = v + n * windowWidth * (mu - muWindow) * (mu - muWindow) / (n + windowWidth)
        variance -= incrementalVariance
        dropBuckets(row: row, 1)
        if rowCounts[row] == 0 && rowCounts.count > 1 {
            rowCounts.removeLast()
            bucketTotals.removeLast(slots)
            bucketVariances.removeLast(slots)
        }
        return n
    }

    private mutating func detectChange() -> Bool {
        var changeDetected = false
        tick &+= 1
        guard tick % clock == 0 && windowWidth > Double(gracePeriod) else { return false }
        let minimum = Double(minWindowLength)
        var reduceWidth = true
        while reduceWidth {
            reduceWidth = false
            var n0 = 0.0
            var n1 = windowWidth
            var u0 = 0.0
            var u1 = total
            // River also updates the sub-windows' variances here; they are never read (the cut uses the whole
            // window's variance), so they are left out.
            rows: for row in stride(from: rowCounts.count - 1, through: 0, by: -1) {
                let base = row * slots
                let size = Self.bucketSize(row)
                let end = rowCounts[row] - 1  // River's `range(bucket.current_idx - 1)`: the last bucket is skipped
                var k = 0
                while k < end {
                    n0 += size
                    n1 -= size
                    u0 += bucketTotals[base + k]
                    u1 -= bucketTotals[base + k]
                    let deltaMean = (u0 / n0) - (u1 / n1)
                    if n1 >= minimum && n0 >= minimum && evaluateCut(n0: n0, n1: n1, deltaMean: deltaMean) {
                        reduceWidth = true
                        changeDetected = true
                        if windowWidth > 0 {
                            n0 -= deleteOldest()
                            break rows
                        }
                    }
                    k += 1
                }
            }
        }
        return changeDetected
    }

    private func evaluateCut(n0: Double, n1: Double, deltaMean: Double) -> Bool {
        let deltaPrime = log(2.0 * log(windowWidth) / delta)
        let mRecip = (1.0 / (n0 - Double(minWindowLength) + 1.0)) + (1.0 / (n1 - Double(minWindowLength) + 1.0))
        let varianceInWindow = variance / windowWidth
        let epsilon = (2.0 * mRecip * varianceInWindow * deltaPrime).squareRoot() + (2.0 / 3.0) * deltaPrime * mRecip
        return abs(deltaMean) > epsilon
    }
}

extension ADWIN {
    /// Appends the state encoding: format byte `0x41`, the parameters, the window's sums, then each row's buckets
    /// (little-endian doubles).
    public func encode(into out: inout [UInt8]) {
        out.append(StateFormat.adwin)
        out.appendDouble(delta)
        out.appendSignedVarint(clock)
        out.appendSignedVarint(maxBuckets)
        out.appendSignedVarint(minWindowLength)
        out.appendSignedVarint(gracePeriod)
        out.appendDouble(total)
        out.appendDouble(variance)
        out.appendDouble(windowWidth)
        out.appendSignedVarint(tick)
        out.appendBool(detected)
        out.appendVarint(UInt64(rowCounts.count))
        for row in rowCounts.indices {
            out.appendVarint(UInt64(rowCounts[row]))
            for k in 0..<rowCounts[row] {
                out.appendDouble(bucketTotals[row * slots + k])
                out.appendDouble(bucketVariances[row * slots + k])
            }
        }
    }

    /// Decodes what ``encode(into:)`` wrote; throws on short, corrupt or foreign input.
    public init(decoding bytes: ArraySlice<UInt8>) throws(MonitorError) {
        var reader = StateReader(bytes, typeName: "ADWIN")
        try reader.expectFormat(StateFormat.adwin)
        try self.init(from: &reader)
        try reader.expectEnd()
    }

    init(from reader: inout StateReader) throws(MonitorError) {
        let delta = try reader.double("delta")
        let clock = try reader.signedVarint("clock")
        let maxBuckets = try reader.signedVarint("max buckets")
        guard clock >= 1, (1...1024).contains(maxBuckets) else {
            throw reader.error(.corrupt, "clock \(clock) or max buckets \(maxBuckets) out of range")
        }
        self.init(
            delta: delta, clock: clock, maxBuckets: maxBuckets,
            minWindowLength: try reader.signedVarint("min window length"),
            gracePeriod: try reader.signedVarint("grace period"))
        total = try reader.double("total")
        variance = try reader.double("variance")
        windowWidth = try reader.double("width")
        guard windowWidth >= 0, windowWidth < 0x1p62 else { throw reader.error(.corrupt, "width \(windowWidth)") }
        tick = try reader.signedVarint("tick")
        detected = try reader.bool("detected flag")
        let rows = try reader.count("row count", minimumBytes: 1, maximum: 64)
        guard rows >= 1 else { throw reader.error(.corrupt, "no bucket row") }
        rowCounts = []
        bucketTotals = []
        bucketVariances = []
        var covered = 0.0
        for row in 0..<rows {
            appendRow()
            // Between updates a row holds at most `maxBuckets` buckets (a full row is merged at once).
            let buckets = try reader.count("bucket count of row \(row)", minimumBytes: 16, maximum: maxBuckets)
            guard buckets > 0 || row < rows - 1 || rows == 1 else { throw reader.error(.corrupt, "empty last bucket row") }
            for _ in 0..<buckets {
                insertBucket(row: row, total: try reader.double("bucket total"), variance: try reader.double("bucket variance"))
            }
            covered += Double(buckets) * Self.bucketSize(row)
        }
        guard covered == windowWidth else {
            throw reader.error(.corrupt, "buckets cover \(covered) values, the width is \(windowWidth)")
        }
    }
}
