extension FeatureEngine {
    /// Computes every per-event feature at `record` and then adds the record to the key's state.
    ///
    /// `values` is cleared and receives one value per ``perEventFeatures`` entry, in that order, computed from
    /// `key` alone (it holds only events that came earlier in the log). The record is then added to the buffers,
    /// tiles, latest-seen maps and open windows, and everything no event at or after `watermark` can see is pruned.
    ///
    /// - Parameters:
    ///   - record: the event; the caller has checked it is not late (`record.timestamp >= watermark`).
    ///   - key: the state of the record's key for this stage.
    ///   - watermark: the partition's stream time (its largest applied event time, which may include this record)
    ///     minus the grace period. It never decreases between calls.
    ///   - upstream: the values of ``upstreamFeatureNames`` for this event (missing entries read as missing).
    ///   - values: receives the feature values.
    public func apply(
        _ record: Record, key: inout KeyState, watermark: Int64, upstream: [FeatureValue],
        into values: inout [FeatureValue]
    ) {
        if !isShaped(key) { conform(&key) }
        EngineScratch.with(core.scratchLayout) { s in
            applyShaped(record, key: &key, watermark: watermark, upstream: upstream, into: &values, scratch: &s)
        }
    }

    @inline(__always)
    func applyShaped(
        _ record: Record, key: inout KeyState, watermark: Int64, upstream: [FeatureValue],
        into values: inout [FeatureValue], scratch s: inout EngineScratch
    ) {
        let t = record.timestamp
        for (slot, field) in core.plan.hashedFields.enumerated() {
            s.hashes[slot] = field < record.values.count ? StableHash.hash(record.values[field]) : 0
        }
        values.removeAll(keepingCapacity: true)
        values.append(contentsOf: repeatElement(FeatureValue.missing, count: core.plan.steps.count))
        let bufferEnd = core.plan.usesBuffer ? key.buffer.upperBound(t) : 0
        for i in core.plan.evaluationOrder {
            switch core.plan.steps[i] {
            case .aggregate(let a):
                switch a.source {
                case .exact(let w):
                    values[i] = exactAggregate(a, window: w, record: record, end: bufferEnd, key: &key, scratch: &s)
                case .tiled(let g, let tiles, let width, _):
                    values[i] = tiledAggregate(
                        a, group: g, tiles: tiles, width: width, record: record, key: &key, scratch: &s)
                }
            case .timeSinceLast(let source):
                values[i] = timeSinceLast(t, source: source, end: bufferEnd, key: &key)
            case .firstSeen(let seen, let field, let source):
                let h = s.hashes[core.plan.hashSlot[field]]
                guard h != 0 else { break }
                var isSeen = false
                if let latest = key.seen[seen].latest(h) {
                    switch source {
                    case .exact(let w): isSeen = latest > EngineMath.sub(t, w)
                    case .tiled(_, _, let width, let w):
                        isSeen = latest >= EngineMath.tiledStart(tile: EngineMath.tile(t, width: width), width: width, window: w)
                    }
                }
                values[i] = .int(isSeen ? 0 : 1)
            case .ratio(let numerator, let denominator):
                values[i] = Self.ratio(
                    Self.operand(numerator, values, upstream), Self.operand(denominator, values, upstream))
            }
        }
        add(record, to: &key, scratch: &s)
        prune(&key, watermark: watermark)
    }

    // MARK: - Exact windows

    /// The fixed-point units of `record`'s field, or ``Accumulator/none``.
    @inline(__always)
    static func units(_ record: Record, _ field: Int) -> Int64 {
        guard field >= 0, field < record.values.count, let u = record.values[field].numericUnits else {
            return Accumulator.none
        }
        return u
    }

    func exactAggregate(
        _ a: EnginePlan.Aggregate, window w: Int64, record: Record, end hi: Int, key: inout KeyState,
        scratch s: inout EngineScratch
    ) -> FeatureValue {
        let t = record.timestamp
        let lo = key.buffer.upperBound(EngineMath.sub(t, w))
        let current = a.includeCurrent
        switch a.aggregation {
        case .count:
            return .int(Int64(hi &- lo) &+ (current ? 1 : 0))
        case .distinctCount:
            let h = current ? s.hashes[core.plan.hashSlot[a.field]] : 0
            return .int(
                key.caches[a.cache].exactWindowCount(
                    key.buffer, column: a.hashed, lower: EngineMath.sub(t, w), upper: t, extra: h))
        default:
            break
        }
        let c = a.numeric
        let x = current || a.aggregation == .zScore ? Self.units(record, a.field) : Accumulator.none
        let add = current && x != Accumulator.none
        switch a.aggregation {
        case .sum:
            let sum = key.buffer.numeric[c].prefixSum[hi] &- key.buffer.numeric[c].prefixSum[lo]
            return .decimal(units: add ? sum &+ x : sum)
        case .mean, .variance, .stddev, .zScore:
            let n = key.buffer.numeric[c].prefixCount[hi] &- key.buffer.numeric[c].prefixCount[lo]
            let sum = key.buffer.numeric[c].prefixSum[hi] &- key.buffer.numeric[c].prefixSum[lo]
            let squares: Int128 =
                key.buffer.numeric[c].squares
                ? key.buffer.numeric[c].prefixSquares[hi] &- key.buffer.numeric[c].prefixSquares[lo] : 0
            return Accumulator.moment(a.aggregation, x: x, n: n, sum: sum, squares: squares, add: add)
        case .min, .max:
            let m = key.buffer.numeric[c].values.withUnsafeBufferPointer { b in
                Self.extreme(b, lo, hi, isMin: a.aggregation == .min, start: add ? x : Accumulator.none)
            }
            return Accumulator.decimal(m)
        case .first:
            return key.buffer.numeric[c].values.withUnsafeBufferPointer { b in
                var i = lo
                while i < hi {
                    if b[i] != Accumulator.none { return .decimal(units: b[i]) }
                    i &+= 1
                }
                return Accumulator.decimal(add ? x : Accumulator.none)
            }
        case .last:
            if add { return .decimal(units: x) }
            return key.buffer.numeric[c].values.withUnsafeBufferPointer { b in
                var i = hi
                while i > lo {
                    i &-= 1
                    if b[i] != Accumulator.none { return .decimal(units: b[i]) }
                }
                return .missing
            }
        default:
            return .missing
        }
    }

    /// The minimum (or maximum) of the present values in `b[lo..<hi]` and `start` (``Accumulator/none`` when
    /// absent), or ``Accumulator/none`` when there is none.
    @inline(__always)
    static func extreme(_ b: UnsafeBufferPointer<Int64>, _ lo: Int, _ hi: Int, isMin: Bool, start: Int64) -> Int64 {
        if isMin {
            var found = start != Accumulator.none
            var m = found ? start : Int64.max
            for i in lo..<hi {
                let v = b[i]
                if v != Accumulator.none {
                    found = true
                    if v < m { m = v }
                }
            }
            return found ? m : Accumulator.none
        }
        // `none` is Int64.min, below every value: it never wins a maximum.
        var m = start
        for i in lo..<hi where b[i] > m { m = b[i] }
        return m
    }

    // MARK: - Tiled windows

    func tiledAggregate(
        _ a: EnginePlan.Aggregate, group g: Int, tiles n: Int64, width: Int64, record: Record, key: inout KeyState,
        scratch s: inout EngineScratch
    ) -> FeatureValue {
        let t = record.timestamp
        let k = EngineMath.tile(t, width: width)
        let lo = key.tiles[g].lowerBound(EngineMath.sub(k, n &- 1))
        let hi = key.tiles[g].lowerBound(EngineMath.add(k, 1))
        let current = a.includeCurrent
        switch a.aggregation {
        case .count:
            return .int(key.tiles[g].prefixCounts[hi] &- key.tiles[g].prefixCounts[lo] &+ (current ? 1 : 0))
        case .distinctCount:
            let h = current ? s.hashes[core.plan.hashSlot[a.field]] : 0
            return .int(
                key.caches[a.cache].tiledCount(
                    key.tiles[g], column: a.hashed, first: EngineMath.sub(k, n &- 1), last: k, extra: h,
                    limit: core.distinctExactLimit))
        default:
            break
        }
        let c = a.numeric
        let x = current || a.aggregation == .zScore ? Self.units(record, a.field) : Accumulator.none
        let add = current && x != Accumulator.none
        switch a.aggregation {
        case .sum:
            let sum = key.tiles[g].numeric[c].prefixSum[hi] &- key.tiles[g].numeric[c].prefixSum[lo]
            return .decimal(units: add ? sum &+ x : sum)
        case .mean, .variance, .stddev, .zScore:
            let count = key.tiles[g].numeric[c].prefixN[hi] &- key.tiles[g].numeric[c].prefixN[lo]
            let sum = key.tiles[g].numeric[c].prefixSum[hi] &- key.tiles[g].numeric[c].prefixSum[lo]
            let squares: Int128 =
                key.tiles[g].numeric[c].keepsSquares
                ? key.tiles[g].numeric[c].prefixSquares[hi] &- key.tiles[g].numeric[c].prefixSquares[lo] : 0
            return Accumulator.moment(a.aggregation, x: x, n: count, sum: sum, squares: squares, add: add)
        case .min:
            let m = key.tiles[g].numeric[c].min.withUnsafeBufferPointer { b in
                Self.extreme(b, lo, hi, isMin: true, start: add ? x : Accumulator.none)
            }
            return Accumulator.decimal(m)
        case .max:
            let m = key.tiles[g].numeric[c].max.withUnsafeBufferPointer { b in
                Self.extreme(b, lo, hi, isMin: false, start: add ? x : Accumulator.none)
            }
            return Accumulator.decimal(m)
        case .first:
            var i = lo
            while i < hi {
                let v = key.tiles[g].numeric[c].first[i]
                if v != Accumulator.none {
                    // The current event (latest in the log) is first only if strictly earlier in event time.
                    return .decimal(units: add && t < key.tiles[g].numeric[c].firstTime[i] ? x : v)
                }
                i &+= 1
            }
            return Accumulator.decimal(add ? x : Accumulator.none)
        case .last:
            var i = hi
            while i > lo {
                i &-= 1
                let v = key.tiles[g].numeric[c].last[i]
                if v != Accumulator.none {
                    return .decimal(units: add && t >= key.tiles[g].numeric[c].lastTime[i] ? x : v)
                }
            }
            return Accumulator.decimal(add ? x : Accumulator.none)
        default:
            return .missing
        }
    }

    // MARK: - time_since_last, ratio

    /// Seconds (as fixed-point units: 10 per millisecond) from the latest earlier event with time <= t inside the
    /// window to t.
    func timeSinceLast(_ t: Int64, source: EnginePlan.Source, end: Int, key: inout KeyState) -> FeatureValue {
        let latest = end > key.buffer.head ? key.buffer.timestamps[end &- 1] : key.buffer.latestPruned
        guard latest != .min else { return .missing }
        switch source {
        case .exact(let w):
            guard latest > EngineMath.sub(t, w) else { return .missing }
        case .tiled(_, _, let width, let w):
            guard latest >= EngineMath.tiledStart(tile: EngineMath.tile(t, width: width), width: width, window: w)
            else { return .missing }
        }
        return .decimal(units: EngineMath.mul(t &- latest, 10))
    }

    @inline(__always)
    static func operand(_ o: EnginePlan.Operand, _ values: [FeatureValue], _ upstream: [FeatureValue]) -> FeatureValue {
        switch o {
        case .local(let i): values[i]
        case .upstream(let i): i < upstream.count ? upstream[i] : .missing
        }
    }

    /// A feature value as a Double (decimals in whole units); nil when missing.
    @inline(__always)
    static func number(_ v: FeatureValue) -> Double? {
        switch v {
        case .missing: nil
        case .int(let i): Double(i)
        case .decimal(let units): Double(units) / Double(FixedPoint.scale)
        case .double(let d): d
        }
    }

    /// `numerator / denominator` as a Double; missing when either is missing or the denominator is 0.
    static func ratio(_ numerator: FeatureValue, _ denominator: FeatureValue) -> FeatureValue {
        guard let a = number(numerator), let b = number(denominator), b != 0 else { return .missing }
        return .double(a / b)
    }

    // MARK: - Adding and pruning

    func add(_ record: Record, to key: inout KeyState, scratch s: inout EngineScratch) {
        let t = record.timestamp
        if core.plan.usesBuffer {
            for (c, column) in core.plan.bufferNumeric.enumerated() { s.units[c] = Self.units(record, column.field) }
            for (c, column) in core.plan.bufferHashed.enumerated() { s.columnHashes[c] = s.hashes[core.plan.hashSlot[column.field]] }
            key.buffer.insert(
                time: t, units: UnsafeBufferPointer(rebasing: s.units[0..<core.plan.bufferNumeric.count]),
                hashes: UnsafeBufferPointer(rebasing: s.columnHashes[0..<core.plan.bufferHashed.count]))
            for (i, spec) in core.plan.distinctCaches.enumerated() {
                if case .exact(let c, _) = spec { key.caches[i].bufferInserted(time: t, hash: s.columnHashes[c]) }
            }
        }
        for (g, group) in core.plan.tileGroups.enumerated() {
            let unitStart = core.scratchLayout.tileUnitStart[g]
            for (c, column) in group.numeric.enumerated() { s.units[unitStart + c] = Self.units(record, column.field) }
            let tile = EngineMath.tile(t, width: group.width)
            let p = key.tiles[g].add(
                tile: tile, time: t,
                units: UnsafeBufferPointer(rebasing: s.units[unitStart..<(unitStart + group.numeric.count)]))
            for (c, column) in group.hashed.enumerated() {
                let h = s.hashes[core.plan.hashSlot[column.field]]
                guard h != 0 else { continue }
                let isExact = key.tiles[g].distinct[c][p].isExact
                let grows = isExact && !key.tiles[g].distinct[c][p].contains(h)
                let converts = grows && key.tiles[g].distinct[c][p].hashes.count >= core.distinctExactLimit
                for (i, spec) in core.plan.distinctCaches.enumerated() {
                    if case .tiled(g, c, _) = spec {
                        key.caches[i].tileAdding(tile: tile, hash: h, grows: grows, converts: converts, limit: core.distinctExactLimit)
                    }
                }
                key.tiles[g].distinct[c][p].insert(h, limit: core.distinctExactLimit)
            }
        }
        for (i, seen) in core.plan.seen.enumerated() {
            let h = s.hashes[core.plan.hashSlot[seen.field]]
            if h != 0 { key.seen[i].record(h, at: t) }
        }
        if !core.plan.windowed.isEmpty { addToWindows(record, key: &key, scratch: &s) }
        if t > key.newestTimestamp { key.newestTimestamp = t }
        key.eventCount &+= 1
    }

    /// Drops what no event at or after `watermark` can see.
    func prune(_ key: inout KeyState, watermark w: Int64) {
        if core.plan.usesBuffer {
            let cutoff = EngineMath.sub(w, core.plan.bufferHorizon)
            if key.buffer.head < key.buffer.timestamps.count && key.buffer.timestamps[key.buffer.head] <= cutoff {
                for (i, spec) in core.plan.distinctCaches.enumerated() {
                    if case .exact(let c, _) = spec { key.caches[i].bufferPruning(key.buffer, column: c, cutoff: cutoff) }
                }
                key.buffer.prune(atOrBefore: cutoff)
            }
        }
        for (g, group) in core.plan.tileGroups.enumerated() {
            let k = EngineMath.tile(w, width: group.width)
            let bound = EngineMath.add(EngineMath.sub(k, group.maxTiles), 1)
            guard key.tiles[g].head < key.tiles[g].index.count && key.tiles[g].index[key.tiles[g].head] < bound else {
                continue
            }
            for (i, spec) in core.plan.distinctCaches.enumerated() {
                if case .tiled(g, let c, _) = spec { key.caches[i].tilesPruning(key.tiles[g], column: c, below: bound) }
            }
            key.tiles[g].prune(below: bound)
        }
        for (i, seen) in core.plan.seen.enumerated() {
            key.seen[i].prune(cutoff: seenCutoff(seen, watermark: w), slack: seen.slack)
        }
    }

    /// The largest time such that no event at or after `watermark` can see a value last seen at or before it.
    func seenCutoff(_ seen: EnginePlan.Seen, watermark w: Int64) -> Int64 {
        var cutoff = Int64.max
        for window in seen.exactWindows { cutoff = Swift.min(cutoff, EngineMath.sub(w, window)) }
        for (width, window) in seen.tiledWindows {
            let start = EngineMath.tiledStart(tile: EngineMath.tile(w, width: width), width: width, window: window)
            cutoff = Swift.min(cutoff, EngineMath.sub(start, 1))
        }
        return cutoff
    }

    /// Whether `key` can be deleted: it has no open window and no event at or after `watermark` could see any of
    /// its history (its newest event is older than every window's reach).
    public func isExpired(_ key: KeyState, watermark: Int64) -> Bool {
        guard key.nextTimer == .max else { return false }
        let newest = key.newestTimestamp
        guard newest != .min else { return true }
        if core.plan.exactReach >= 0 && newest > EngineMath.sub(watermark, core.plan.exactReach) { return false }
        for (width, window) in core.plan.tiledReach
        where newest >= EngineMath.tiledStart(tile: EngineMath.tile(watermark, width: width), width: width, window: window) {
            return false
        }
        return true
    }
}
