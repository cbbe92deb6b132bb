/// The tiles of one key for one tile width R: tile i aggregates the key's events with times in `[iR, (i+1)R)`.
///
/// Only tiles that received events exist; they are kept sorted by index as columns (event count, per numeric field
/// the aggregates the plan needs, per hashed field a ``DistinctSketch``), with prefix sums over the count and the
/// moments so that count, sum, mean, variance and stddev over any range of tiles cost two binary searches. Pruned
/// tiles are dropped lazily from the front (``head``).
struct TileSet: Sendable {
    /// Per-tile aggregates of one numeric field; arrays the plan does not need stay empty.
    struct Numeric: Sendable {
        var keepsMoments: Bool
        var keepsSquares: Bool
        var keepsMin: Bool
        var keepsMax: Bool
        var keepsFirst: Bool
        var keepsLast: Bool
        var n: [Int64] = []
        var sum: [Int64] = []
        var squares: [Int128] = []
        var min: [Int64] = []
        var max: [Int64] = []
        var firstTime: [Int64] = []
        var first: [Int64] = []
        var lastTime: [Int64] = []
        var last: [Int64] = []
        var prefixN: [Int64]
        var prefixSum: [Int64]
        var prefixSquares: [Int128]

        init(_ plan: EnginePlan.TileNumeric) {
            keepsMoments = plan.moments || plan.squares
            keepsSquares = plan.squares
            keepsMin = plan.min
            keepsMax = plan.max
            keepsFirst = plan.first
            keepsLast = plan.last
            prefixN = keepsMoments ? [0] : []
            prefixSum = keepsMoments ? [0] : []
            prefixSquares = keepsSquares ? [0] : []
        }
    }

    var head = 0
    /// Tile indices, ascending.
    var index: [Int64] = []
    /// Events per tile.
    var counts: [Int64] = []
    var prefixCounts: [Int64] = [0]
    var numeric: [Numeric] = []
    /// Per hashed field, one sketch per tile.
    var distinct: [[DistinctSketch]] = []

    init() {}

    init(plan: EnginePlan.TileGroup) {
        numeric = plan.numeric.map(Numeric.init)
        distinct = Array(filledWith: [], count: plan.hashed.count)
    }

    /// Number of live tiles.
    @inline(__always) var count: Int { index.count &- head }

    /// The first position in `head..<end` whose tile index is >= `tile`.
    @inline(__always)
    func lowerBound(_ tile: Int64) -> Int {
        var lo = head
        var hi = index.count
        if hi > lo && index[hi &- 1] < tile { return hi }
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if index[mid] < tile { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// Adds an event at `time` (in tile `tile`) to the count and numeric columns; `units[c]` is its value for numeric
    /// column c. Returns the tile's position; the caller adds the value hashes to ``distinct``.
    @discardableResult
    mutating func add(tile: Int64, time: Int64, units: UnsafeBufferPointer<Int64>) -> Int {
        let p = lowerBound(tile)
        if p == index.count || index[p] != tile { insertTile(tile, at: p) }
        counts[p] &+= 1
        Self.addToPrefix(&prefixCounts, from: p &+ 1, 1)
        for c in numeric.indices {
            let v = units[c]
            guard v != Accumulator.none else { continue }
            if numeric[c].keepsMoments {
                numeric[c].n[p] &+= 1
                numeric[c].sum[p] &+= v
                Self.addToPrefix(&numeric[c].prefixN, from: p &+ 1, 1)
                Self.addToPrefix(&numeric[c].prefixSum, from: p &+ 1, v)
            }
            if numeric[c].keepsSquares {
                let sq = Int128(v) &* Int128(v)
                numeric[c].squares[p] &+= sq
                numeric[c].prefixSquares.withUnsafeMutableBufferPointer { b in
                    for i in (p &+ 1)..<b.count { b[i] &+= sq }
                }
            }
            if numeric[c].keepsMin {
                let m = numeric[c].min[p]
                if m == Accumulator.none || v < m { numeric[c].min[p] = v }
            }
            if numeric[c].keepsMax && v > numeric[c].max[p] { numeric[c].max[p] = v }
            if numeric[c].keepsFirst && (numeric[c].first[p] == Accumulator.none || time < numeric[c].firstTime[p]) {
                numeric[c].first[p] = v
                numeric[c].firstTime[p] = time
            }
            if numeric[c].keepsLast && (numeric[c].last[p] == Accumulator.none || time >= numeric[c].lastTime[p]) {
                numeric[c].last[p] = v
                numeric[c].lastTime[p] = time
            }
        }
        return p
    }

    @inline(__always)
    static func addToPrefix(_ prefix: inout [Int64], from start: Int, _ delta: Int64) {
        prefix.withUnsafeMutableBufferPointer { b in
            for i in start..<b.count { b[i] &+= delta }
        }
    }

    /// Inserts an empty tile at position `p`.
    private mutating func insertTile(_ tile: Int64, at p: Int) {
        index.insert(tile, at: p)
        counts.insert(0, at: p)
        prefixCounts.insert(prefixCounts[p], at: p &+ 1)
        for c in numeric.indices {
            if numeric[c].keepsMoments {
                numeric[c].n.insert(0, at: p)
                numeric[c].sum.insert(0, at: p)
                numeric[c].prefixN.insert(numeric[c].prefixN[p], at: p &+ 1)
                numeric[c].prefixSum.insert(numeric[c].prefixSum[p], at: p &+ 1)
            }
            if numeric[c].keepsSquares {
                numeric[c].squares.insert(0, at: p)
                numeric[c].prefixSquares.insert(numeric[c].prefixSquares[p], at: p &+ 1)
            }
            if numeric[c].keepsMin { numeric[c].min.insert(Accumulator.none, at: p) }
            if numeric[c].keepsMax { numeric[c].max.insert(Accumulator.none, at: p) }
            if numeric[c].keepsFirst {
                numeric[c].first.insert(Accumulator.none, at: p)
                numeric[c].firstTime.insert(.max, at: p)
            }
            if numeric[c].keepsLast {
                numeric[c].last.insert(Accumulator.none, at: p)
                numeric[c].lastTime.insert(.min, at: p)
            }
        }
        for c in distinct.indices { distinct[c].insert(DistinctSketch(), at: p) }
    }

    /// Drops the tiles with index < `tile`.
    mutating func prune(below tile: Int64) {
        guard head < index.count, index[head] < tile else { return }
        head = lowerBound(tile)
        if head >= 16 && head &* 2 >= index.count { compact() }
    }

    /// Physically removes the tiles before ``head``.
    mutating func compact() {
        guard head > 0 else { return }
        let h = head
        index.removeFirst(h)
        counts.removeFirst(h)
        prefixCounts.removeFirst(h)
        for c in numeric.indices {
            if numeric[c].keepsMoments {
                numeric[c].n.removeFirst(h)
                numeric[c].sum.removeFirst(h)
                numeric[c].prefixN.removeFirst(h)
                numeric[c].prefixSum.removeFirst(h)
            }
            if numeric[c].keepsSquares {
                numeric[c].squares.removeFirst(h)
                numeric[c].prefixSquares.removeFirst(h)
            }
            if numeric[c].keepsMin { numeric[c].min.removeFirst(h) }
            if numeric[c].keepsMax { numeric[c].max.removeFirst(h) }
            if numeric[c].keepsFirst {
                numeric[c].first.removeFirst(h)
                numeric[c].firstTime.removeFirst(h)
            }
            if numeric[c].keepsLast {
                numeric[c].last.removeFirst(h)
                numeric[c].lastTime.removeFirst(h)
            }
        }
        for c in distinct.indices { distinct[c].removeFirst(h) }
        head = 0
    }

    /// Rebuilds the prefix sums from the per-tile columns (after decoding).
    mutating func rebuildPrefixes() {
        prefixCounts = Self.prefix(counts)
        for c in numeric.indices {
            if numeric[c].keepsMoments {
                numeric[c].prefixN = Self.prefix(numeric[c].n)
                numeric[c].prefixSum = Self.prefix(numeric[c].sum)
            }
            if numeric[c].keepsSquares {
                var p = [Int128](filledWith: 0, count: numeric[c].squares.count &+ 1)
                for i in numeric[c].squares.indices { p[i &+ 1] = p[i] &+ numeric[c].squares[i] }
                numeric[c].prefixSquares = p
            }
        }
    }

    static func prefix(_ values: [Int64]) -> [Int64] {
        var p = [Int64](filledWith: 0, count: values.count &+ 1)
        for i in values.indices { p[i &+ 1] = p[i] &+ values[i] }
        return p
    }

    /// Heap bytes held.
    var approximateBytes: Int {
        var b = index.count * 24
        for c in numeric {
            b += (c.n.count + c.sum.count + c.min.count + c.max.count) * 8
            b += (c.first.count + c.last.count) * 16 + c.squares.count * 32 + (c.prefixN.count + c.prefixSum.count) * 8
        }
        for column in distinct {
            for s in column { b += 48 + s.approximateBytes }
        }
        return b
    }

    /// Whether the live tiles are equal (prefix sums and physical layout aside).
    func sameTiles(as other: TileSet) -> Bool {
        guard count == other.count else { return false }
        if count == 0 { return true }
        guard numeric.count == other.numeric.count, distinct.count == other.distinct.count else { return false }
        let a = head
        let b = other.head
        guard index[a...] == other.index[b...], counts[a...] == other.counts[b...] else { return false }
        for c in numeric.indices {
            let x = numeric[c]
            let y = other.numeric[c]
            guard x.keepsMoments == y.keepsMoments, x.keepsSquares == y.keepsSquares, x.keepsMin == y.keepsMin,
                x.keepsMax == y.keepsMax, x.keepsFirst == y.keepsFirst, x.keepsLast == y.keepsLast
            else { return false }
            if x.keepsMoments && (x.n[a...] != y.n[b...] || x.sum[a...] != y.sum[b...]) { return false }
            if x.keepsSquares && x.squares[a...] != y.squares[b...] { return false }
            if x.keepsMin && x.min[a...] != y.min[b...] { return false }
            if x.keepsMax && x.max[a...] != y.max[b...] { return false }
            if x.keepsFirst && (x.first[a...] != y.first[b...] || x.firstTime[a...] != y.firstTime[b...]) {
                return false
            }
            if x.keepsLast && (x.last[a...] != y.last[b...] || x.lastTime[a...] != y.lastTime[b...]) { return false }
        }
        for c in distinct.indices where distinct[c][a...] != other.distinct[c][b...] { return false }
        return true
    }
}
