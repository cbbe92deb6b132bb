/// The exact event buffer of one key: the recent events, sorted by event time (ties in log order), as columns —
/// the timestamps, the fixed-point units of each numeric field and the value hash of each hashed field — with prefix
/// sums so that count, sum and sum of squares over any time range cost two binary searches.
///
/// Pruned entries are dropped from the front lazily (a head index, compacted when it passes half the buffer), so
/// steady traffic costs amortised O(1) per event. Everything below ``head`` is logically gone.
struct EventBuffer: Sendable {
    /// A numeric column and its prefix sums (`prefix[i]` = aggregate of entries `0..<i`, wrapping).
    struct Numeric: Sendable {
        /// Units, ``Accumulator/none`` when missing.
        var values: [Int64] = []
        var prefixCount: [Int64] = [0]
        var prefixSum: [Int64] = [0]
        /// Empty when the plan needs no squares.
        var prefixSquares: [Int128]

        init(squares: Bool) { prefixSquares = squares ? [0] : [] }

        @inline(__always) var squares: Bool { !prefixSquares.isEmpty }
    }

    /// First live entry.
    var head = 0
    /// Event times, non-decreasing.
    var timestamps: [Int64] = []
    var numeric: [Numeric] = []
    /// Value hashes, 0 when missing.
    var hashed: [[UInt64]] = []
    /// The newest event time of the entries pruned so far (`Int64.min` when none): the "latest earlier event" for
    /// `time_since_last` once the buffer itself has nothing at or before t.
    var latestPruned: Int64 = .min

    init() {}

    init(plan: EnginePlan) {
        numeric = plan.bufferNumeric.map { Numeric(squares: $0.squares) }
        hashed = Array(filledWith: [], count: plan.bufferHashed.count)
    }

    /// Number of live entries.
    @inline(__always) var count: Int { timestamps.count &- head }

    /// The first index in `head..<end` whose timestamp is greater than `t`.
    @inline(__always)
    func upperBound(_ t: Int64) -> Int {
        var lo = head
        var hi = timestamps.count
        // Fast path: in-order data queries the end.
        if hi > lo && timestamps[hi &- 1] <= t { return hi }
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if timestamps[mid] <= t { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// Inserts an event after every entry with the same or an earlier time. `units[c]` and `hashes[c]` give the
    /// event's value for numeric column c and hash column c.
    mutating func insert(time: Int64, units: UnsafeBufferPointer<Int64>, hashes: UnsafeBufferPointer<UInt64>) {
        let p = upperBound(time)
        if p == timestamps.count {
            timestamps.append(time)
            for c in numeric.indices {
                let v = units[c]
                numeric[c].values.append(v)
                let present = v != Accumulator.none
                numeric[c].prefixCount.append(numeric[c].prefixCount[p] &+ (present ? 1 : 0))
                numeric[c].prefixSum.append(numeric[c].prefixSum[p] &+ (present ? v : 0))
                if numeric[c].squares {
                    numeric[c].prefixSquares.append(numeric[c].prefixSquares[p] &+ (present ? Int128(v) &* Int128(v) : 0))
                }
            }
            for c in hashed.indices { hashed[c].append(hashes[c]) }
            return
        }
        timestamps.insert(time, at: p)
        for c in numeric.indices {
            let v = units[c]
            numeric[c].values.insert(v, at: p)
            guard v != Accumulator.none else {
                numeric[c].prefixCount.insert(numeric[c].prefixCount[p], at: p &+ 1)
                numeric[c].prefixSum.insert(numeric[c].prefixSum[p], at: p &+ 1)
                if numeric[c].squares { numeric[c].prefixSquares.insert(numeric[c].prefixSquares[p], at: p &+ 1) }
                continue
            }
            numeric[c].prefixCount.insert(numeric[c].prefixCount[p] &+ 1, at: p &+ 1)
            numeric[c].prefixSum.insert(numeric[c].prefixSum[p] &+ v, at: p &+ 1)
            numeric[c].prefixCount.withUnsafeMutableBufferPointer { b in
                for i in (p &+ 2)..<b.count { b[i] &+= 1 }
            }
            numeric[c].prefixSum.withUnsafeMutableBufferPointer { b in
                for i in (p &+ 2)..<b.count { b[i] &+= v }
            }
            if numeric[c].squares {
                let sq = Int128(v) &* Int128(v)
                numeric[c].prefixSquares.insert(numeric[c].prefixSquares[p] &+ sq, at: p &+ 1)
                numeric[c].prefixSquares.withUnsafeMutableBufferPointer { b in
                    for i in (p &+ 2)..<b.count { b[i] &+= sq }
                }
            }
        }
        for c in hashed.indices { hashed[c].insert(hashes[c], at: p) }
    }

    /// Drops the entries with time <= `cutoff`, remembering the newest of them in ``latestPruned``.
    mutating func prune(atOrBefore cutoff: Int64) {
        guard head < timestamps.count, timestamps[head] <= cutoff else { return }
        let end = upperBound(cutoff)
        latestPruned = Swift.max(latestPruned, timestamps[end &- 1])
        head = end
        if head == timestamps.count {
            removeAll()
        } else if head >= 32 && head &* 2 >= timestamps.count {
            compact()
        }
    }

    /// Physically removes the entries before ``head``.
    mutating func compact() {
        guard head > 0 else { return }
        let h = head
        timestamps.removeFirst(h)
        for c in numeric.indices {
            numeric[c].values.removeFirst(h)
            numeric[c].prefixCount.removeFirst(h)
            numeric[c].prefixSum.removeFirst(h)
            if numeric[c].squares { numeric[c].prefixSquares.removeFirst(h) }
        }
        for c in hashed.indices { hashed[c].removeFirst(h) }
        head = 0
    }

    /// Removes every entry (keeping ``latestPruned``).
    mutating func removeAll() {
        head = 0
        timestamps.removeAll(keepingCapacity: true)
        for c in numeric.indices {
            numeric[c].values.removeAll(keepingCapacity: true)
            numeric[c].prefixCount.removeAll(keepingCapacity: true)
            numeric[c].prefixCount.append(0)
            numeric[c].prefixSum.removeAll(keepingCapacity: true)
            numeric[c].prefixSum.append(0)
            if numeric[c].squares {
                numeric[c].prefixSquares.removeAll(keepingCapacity: true)
                numeric[c].prefixSquares.append(0)
            }
        }
        for c in hashed.indices { hashed[c].removeAll(keepingCapacity: true) }
    }

    /// Rebuilds the prefix sums from the values (after decoding).
    mutating func rebuildPrefixes() {
        for c in numeric.indices {
            let values = numeric[c].values
            var pc = [Int64](filledWith: 0, count: values.count &+ 1)
            var ps = [Int64](filledWith: 0, count: values.count &+ 1)
            var pq = numeric[c].squares ? [Int128](filledWith: 0, count: values.count &+ 1) : []
            var n: Int64 = 0
            var s: Int64 = 0
            var q: Int128 = 0
            for i in values.indices {
                let v = values[i]
                if v != Accumulator.none {
                    n &+= 1
                    s &+= v
                    q &+= Int128(v) &* Int128(v)
                }
                pc[i &+ 1] = n
                ps[i &+ 1] = s
                if !pq.isEmpty { pq[i &+ 1] = q }
            }
            numeric[c].prefixCount = pc
            numeric[c].prefixSum = ps
            numeric[c].prefixSquares = pq
        }
    }

    /// Heap bytes held.
    var approximateBytes: Int {
        var b = timestamps.count * 8
        for c in numeric { b += c.values.count * 24 + c.prefixSquares.count * 16 }
        for c in hashed { b += c.count * 8 }
        return b
    }

    /// Whether the live entries are equal (prefix sums and physical layout aside).
    func sameEntries(as other: EventBuffer) -> Bool {
        guard latestPruned == other.latestPruned, count == other.count else { return false }
        if count == 0 { return true }
        guard numeric.count == other.numeric.count, hashed.count == other.hashed.count else { return false }
        if timestamps[head...] != other.timestamps[other.head...] { return false }
        for c in numeric.indices where numeric[c].values[head...] != other.numeric[c].values[other.head...] {
            return false
        }
        for c in hashed.indices where hashed[c][head...] != other.hashed[c][other.head...] { return false }
        return true
    }
}
