/// A sliding distinct count for one distinct-count window of one key: the multiset of value hashes currently in the
/// window, kept up to date as events arrive, the window moves and old entries are pruned, so a distinct count costs
/// amortised O(1) per event instead of a scan of the window.
///
/// Transient: it is neither encoded nor compared; a decoded state starts ``Mode/invalid`` and the first query
/// rebuilds it. Over an exact window it covers the buffer entries with times in `(lower, upper]` (hash → number of
/// entries). Over a tiled window it covers the tiles `lower...upper` (hash → number of tiles whose exact set holds
/// it) while every tile is exact and the union within the limit; otherwise it keeps the union's HyperLogLog
/// registers (extended as tiles are added at the end; rebuilt when the window's start moves).
struct DistinctCache: Sendable {
    enum Mode: Sendable { case invalid, exact, approximate }

    var mode = Mode.invalid
    var lower: Int64 = 0
    var upper: Int64 = 0
    var counts = HashTable()
    var hll = HyperLogLogState()

    /// Heap bytes held.
    var approximateBytes: Int { counts.approximateBytes + hll.registers.count }

    /// The value for a query: the number of distinct hashes, plus `extra` if new.
    @inline(__always)
    func exactValue(adding extra: UInt64) -> Int {
        counts.count &+ (extra != 0 && counts.slot(of: extra) == nil ? 1 : 0)
    }

    // MARK: - Exact windows

    /// Adds (delta 1) or removes (-1) the buffer entries at positions `from..<to` of hash column `c`.
    @inline(__always)
    mutating func apply(_ buffer: EventBuffer, column c: Int, _ from: Int, _ to: Int, adding: Bool) {
        guard from < to else { return }
        buffer.hashed[c].withUnsafeBufferPointer { b in
            for i in from..<to where b[i] != 0 {
                if adding { counts.increment(b[i]) } else { counts.decrement(b[i]) }
            }
        }
    }

    /// The distinct count of the buffer entries with times in `(newLower, newUpper]`, plus `extra`.
    mutating func exactWindowCount(
        _ buffer: EventBuffer, column c: Int, lower newLower: Int64, upper newUpper: Int64, extra: UInt64
    ) -> Int64 {
        if mode != .exact || newLower >= upper || newUpper <= lower {
            counts.removeAll()
            apply(buffer, column: c, buffer.upperBound(newLower), buffer.upperBound(newUpper), adding: true)
            mode = .exact
        } else {
            if newUpper > upper {
                apply(buffer, column: c, buffer.upperBound(upper), buffer.upperBound(newUpper), adding: true)
            } else if newUpper < upper {
                apply(buffer, column: c, buffer.upperBound(newUpper), buffer.upperBound(upper), adding: false)
            }
            if newLower > lower {
                apply(buffer, column: c, buffer.upperBound(lower), buffer.upperBound(newLower), adding: false)
            } else if newLower < lower {
                apply(buffer, column: c, buffer.upperBound(newLower), buffer.upperBound(lower), adding: true)
            }
        }
        lower = newLower
        upper = newUpper
        return Int64(exactValue(adding: extra))
    }

    /// An event with `hash` at `time` was inserted into the buffer.
    @inline(__always)
    mutating func bufferInserted(time: Int64, hash: UInt64) {
        if mode == .exact && hash != 0 && time > lower && time <= upper { counts.increment(hash) }
    }

    /// The buffer is about to drop its entries with times <= `cutoff`: forget them first.
    mutating func bufferPruning(_ buffer: EventBuffer, column c: Int, cutoff: Int64) {
        guard mode == .exact, cutoff > lower else { return }
        if cutoff >= upper {
            counts.removeAll()
            lower = cutoff
            upper = cutoff
            return
        }
        apply(buffer, column: c, buffer.upperBound(lower), buffer.upperBound(cutoff), adding: false)
        lower = cutoff
    }

    // MARK: - Tiled windows

    /// Adds or removes the exact sets of the tiles at positions `from..<to`; false if one of them is approximate.
    @inline(__always)
    mutating func apply(_ sketches: [DistinctSketch], _ from: Int, _ to: Int, adding: Bool) -> Bool {
        guard from < to else { return true }
        return sketches.withUnsafeBufferPointer { sk in
            for i in from..<to {
                guard sk[i].isExact else { return false }
                sk[i].hashes.withUnsafeBufferPointer { hashes in
                    for h in hashes {
                        if adding { counts.increment(h) } else { counts.decrement(h) }
                    }
                }
            }
            return true
        }
    }

    /// The distinct count over tiles `first...last` of hash column `c` plus `extra`: exact while every tile is exact
    /// and the union has at most `limit` values, else the HyperLogLog estimate of the union.
    mutating func tiledCount(
        _ tiles: TileSet, column c: Int, first: Int64, last: Int64, extra: UInt64, limit: Int
    ) -> Int64 {
        let sketches = tiles.distinct[c]
        switch mode {
        case .exact where first <= upper && last >= lower:
            var ok = true
            if last > upper {
                ok = apply(sketches, tiles.lowerBound(upper &+ 1), tiles.lowerBound(last &+ 1), adding: true)
            } else if last < upper {
                ok = apply(sketches, tiles.lowerBound(last &+ 1), tiles.lowerBound(upper &+ 1), adding: false)
            }
            if ok {
                if first > lower {
                    ok = apply(sketches, tiles.lowerBound(lower), tiles.lowerBound(first), adding: false)
                } else if first < lower {
                    ok = apply(sketches, tiles.lowerBound(first), tiles.lowerBound(lower), adding: true)
                }
            }
            if ok && counts.count <= limit {
                lower = first
                upper = last
            } else {
                rebuild(tiles, column: c, first: first, last: last, limit: limit)
            }
        case .approximate where first == lower && last >= upper:
            if last > upper {
                addApproximate(sketches, tiles.lowerBound(upper &+ 1), tiles.lowerBound(last &+ 1))
                upper = last
            }
        default:
            rebuild(tiles, column: c, first: first, last: last, limit: limit)
        }
        if mode == .approximate { return hll.estimate(adding: extra) }
        let n = exactValue(adding: extra)
        if n <= limit { return Int64(n) }
        // Exactly at the limit and `extra` is new: the estimate of the union.
        var registers = HyperLogLogState()
        registers.reset()
        counts.forEach { h, _ in registers.add(h) }
        return registers.estimate(adding: extra)
    }

    /// Recomputes the cache for tiles `first...last`: exact if possible, else approximate.
    mutating func rebuild(_ tiles: TileSet, column c: Int, first: Int64, last: Int64, limit: Int) {
        let sketches = tiles.distinct[c]
        let from = tiles.lowerBound(first)
        let to = tiles.lowerBound(last &+ 1)
        lower = first
        upper = last
        counts.removeAll()
        if apply(sketches, from, to, adding: true) && counts.count <= limit {
            mode = .exact
            return
        }
        counts = HashTable()
        mode = .approximate
        hll.reset()
        addApproximate(sketches, from, to)
    }

    mutating func addApproximate(_ sketches: [DistinctSketch], _ from: Int, _ to: Int) {
        for i in from..<to {
            if sketches[i].isExact {
                for h in sketches[i].hashes { hll.add(h) }
            } else {
                hll.merge(sketches[i].registers)
            }
        }
    }

    /// Tile `tile`'s sketch is about to receive `hash`; `grows` says whether its exact set gains it, `converts`
    /// whether the sketch becomes approximate.
    @inline(__always)
    mutating func tileAdding(tile: Int64, hash: UInt64, grows: Bool, converts: Bool, limit: Int) {
        guard tile >= lower && tile <= upper else { return }
        switch mode {
        case .exact:
            if converts {
                mode = .invalid
            } else if grows {
                counts.increment(hash)
                if counts.count > limit { mode = .invalid }
            }
        case .approximate:
            hll.add(hash)
        case .invalid:
            break
        }
    }

    /// The tile set is about to drop tiles with index < `bound`.
    mutating func tilesPruning(_ tiles: TileSet, column c: Int, below bound: Int64) {
        guard mode != .invalid, lower < bound else { return }
        guard mode == .exact, bound <= upper else {
            mode = .invalid
            return
        }
        _ = apply(tiles.distinct[c], tiles.lowerBound(lower), tiles.lowerBound(bound), adding: false)
        lower = bound
    }
}
