/// Decodes ``KeyState``'s binary form into an engine's layout; nil on malformed input.
struct StateDecoder {
    let engine: FeatureEngine
    let bytes: UnsafeRawBufferPointer
    let plan: EnginePlan

    init(engine: FeatureEngine, bytes: UnsafeRawBufferPointer) {
        self.engine = engine
        self.bytes = bytes
        plan = engine.core.plan
    }

    func decode() -> KeyState? {
        var r = StateReader(bytes)
        guard let version = r.read(UInt8.self), version >= KeyState.oldestFormatVersion,
            version <= KeyState.formatVersion, let newest = r.read(Int64.self),
            r.read(Int64.self) != nil, let sections = r.read(UInt16.self)
        else { return nil }
        var state = engine.emptyState()
        state.newestTimestamp = newest
        let names = engine.core.names
        for _ in 0..<sections {
            guard let id = r.readID(version), let length = r.readCount(version) else { return nil }
            let start = r.position
            let end = start + length
            var body = StateReader(bytes, from: start, to: end)
            if id == StateNames.eventCount {
                guard let n = version == 1 ? body.read(Int64.self) : body.readSigned() else { return nil }
                state.eventCount = n
            } else if id == StateNames.events {
                if plan.usesBuffer {
                    guard let b = decodeBuffer(&body, version) else { return nil }
                    state.buffer = b
                }
            } else if let g = names.tileSections.firstIndex(of: id) {
                guard let t = decodeTiles(&body, version, plan.tileGroups[g], names, g) else { return nil }
                state.tiles[g] = t
            } else if let i = names.seenSections.firstIndex(of: id) {
                guard let s = decodeSeen(&body, version) else { return nil }
                state.seen[i] = s
            } else if let i = names.windowSections.firstIndex(of: id) {
                guard let fingerprint = body.read(UInt64.self) else { return nil }
                if fingerprint == plan.windowed[i].fingerprint {
                    guard let w = version == 1 ? decodeWindows(&body) : decodeWindows2(&body) else { return nil }
                    state.windowed[i] = w
                }
            }
            r.position = end
        }
        guard r.remaining == 0 else { return nil }
        state.nextTimer = engine.nextTimer(of: state)
        return state
    }

    /// Reads a column directory of `count` columns.
    func directory(_ r: inout StateReader, _ version: UInt8, count: Int) -> [StoredColumn]? {
        var columns: [StoredColumn] = []
        columns.reserveCapacity(count)
        for _ in 0..<count {
            guard let id = r.readID(version), let kind = r.read(UInt8.self), let length = r.readCount(version) else {
                return nil
            }
            columns.append(StoredColumn(id: id, kind: kind, start: r.position, length: length))
            guard r.skip(length) else { return nil }
        }
        return columns
    }

    /// The stored column with id `id`, if any.
    @inline(__always)
    func find(_ columns: [StoredColumn], _ id: UInt32) -> StoredColumn? {
        for c in columns where c.id == id { return c }
        return nil
    }

    /// A stored fixed-width column of `rows` entries, if present with the expected kind and size.
    func column<T: FixedWidthInteger>(
        _ columns: [StoredColumn], _ id: UInt32, kind: UInt8, rows: Int, as: T.Type
    ) -> [T]? {
        guard let c = find(columns, id), c.kind == kind, c.length == rows * MemoryLayout<T>.stride else { return nil }
        var r = StateReader(bytes, from: c.start, to: c.start + c.length)
        return r.readArray(T.self, count: rows)
    }

    /// A stored Int64 column of `rows` entries, fixed-width or as deltas, if present and of exactly that size.
    func int64Column(_ columns: [StoredColumn], _ id: UInt32, rows: Int) -> [Int64]? {
        guard let c = find(columns, id) else { return nil }
        var r = StateReader(bytes, from: c.start, to: c.start + c.length)
        switch c.kind {
        case StateCoding.int64:
            guard c.length == rows * 8 else { return nil }
            return r.readArray(Int64.self, count: rows)
        case StateCoding.int64Delta:
            guard let values = r.readDeltas(count: rows), r.remaining == 0 else { return nil }
            return values
        default:
            return nil
        }
    }

    /// A stored Int128 column of `rows` entries, fixed-width or as varints, if present and of exactly that size.
    func int128Column(_ columns: [StoredColumn], _ id: UInt32, rows: Int) -> [Int128]? {
        guard let c = find(columns, id) else { return nil }
        var r = StateReader(bytes, from: c.start, to: c.start + c.length)
        switch c.kind {
        case StateCoding.int128:
            guard c.length == rows * 16 else { return nil }
            return r.readArray(Int128.self, count: rows)
        case StateCoding.int128Varint:
            guard rows <= c.length else { return nil }
            var values = [Int128]()
            values.reserveCapacity(rows)
            for _ in 0..<rows {
                guard let v = r.readSigned128() else { return nil }
                values.append(v)
            }
            return r.remaining == 0 ? values : nil
        default:
            return nil
        }
    }

    func decodeBuffer(_ r: inout StateReader, _ version: UInt8) -> EventBuffer? {
        guard let latestPruned = r.read(Int64.self), let rows = r.readCount(version),
            let count = version == 1 ? r.read(UInt16.self).map(Int.init) : r.readCount(version),
            let columns = directory(&r, version, count: count)
        else { return nil }
        var b = EventBuffer(plan: plan)
        b.latestPruned = latestPruned
        guard let ts = int64Column(columns, StateNames.timestamps, rows: rows) else {
            return rows == 0 ? b : nil
        }
        for i in ts.indices.dropFirst() where ts[i - 1] > ts[i] { return nil }
        b.timestamps = ts
        let names = engine.core.names
        for c in plan.bufferNumeric.indices {
            b.numeric[c].values =
                int64Column(columns, names.bufferNumeric[c], rows: rows) ?? Array(filledWith: Accumulator.none, count: rows)
        }
        for c in plan.bufferHashed.indices {
            b.hashed[c] =
                column(columns, names.bufferHashed[c], kind: StateCoding.uint64, rows: rows, as: UInt64.self)
                ?? Array(filledWith: 0, count: rows)
        }
        b.rebuildPrefixes()
        return b
    }

    func decodeTiles(
        _ r: inout StateReader, _ version: UInt8, _ group: EnginePlan.TileGroup, _ names: StateNames, _ g: Int
    ) -> TileSet? {
        guard let rows = r.readCount(version),
            let count = version == 1 ? r.read(UInt16.self).map(Int.init) : r.readCount(version),
            let columns = directory(&r, version, count: count)
        else { return nil }
        var set = TileSet(plan: group)
        guard let index = int64Column(columns, StateNames.tileIndex, rows: rows),
            let counts = int64Column(columns, StateNames.tileCount, rows: rows)
        else { return rows == 0 ? set : nil }
        for i in index.indices.dropFirst() where index[i - 1] >= index[i] { return nil }
        set.index = index
        set.counts = counts
        func int64(_ id: UInt32, default value: Int64) -> [Int64] {
            int64Column(columns, id, rows: rows) ?? Array(filledWith: value, count: rows)
        }
        for c in group.numeric.indices {
            let n = names.tileNumeric[g][c]
            if set.numeric[c].keepsMoments {
                set.numeric[c].n = int64(n.n, default: 0)
                set.numeric[c].sum = int64(n.sum, default: 0)
            }
            if set.numeric[c].keepsSquares {
                set.numeric[c].squares = int128Column(columns, n.squares, rows: rows) ?? Array(filledWith: 0, count: rows)
            }
            if set.numeric[c].keepsMin { set.numeric[c].min = int64(n.min, default: Accumulator.none) }
            if set.numeric[c].keepsMax { set.numeric[c].max = int64(n.max, default: Accumulator.none) }
            if set.numeric[c].keepsFirst {
                set.numeric[c].first = int64(n.first, default: Accumulator.none)
                set.numeric[c].firstTime = int64(n.firstTime, default: .max)
            }
            if set.numeric[c].keepsLast {
                set.numeric[c].last = int64(n.last, default: Accumulator.none)
                set.numeric[c].lastTime = int64(n.lastTime, default: .min)
            }
        }
        for c in group.hashed.indices {
            if let stored = find(columns, names.tileHashed[g][c]), stored.kind == StateCoding.sketches {
                var sr = StateReader(bytes, from: stored.start, to: stored.start + stored.length)
                var sketches: [DistinctSketch] = []
                sketches.reserveCapacity(rows)
                for _ in 0..<rows {
                    guard let s = sr.readSketch(version) else { return nil }
                    sketches.append(s)
                }
                set.distinct[c] = sketches
            } else {
                set.distinct[c] = Array(filledWith: DistinctSketch(), count: rows)
            }
        }
        set.rebuildPrefixes()
        return set
    }

    func decodeSeen(_ r: inout StateReader, _ version: UInt8) -> SeenMap? {
        guard let cutoff = r.read(Int64.self), let n = r.readCount(version, unit: version == 1 ? 16 : 9),
            let hashes = r.readArray(UInt64.self, count: n),
            let times = version == 1 ? r.readArray(Int64.self, count: n) : r.readDeltas(count: n, base: cutoff)
        else { return nil }
        var map = SeenMap()
        map.cutoff = cutoff
        map.table = HashTable(minimumCapacity: hashes.count)
        for i in hashes.indices where hashes[i] != 0 && times[i] > cutoff {
            map.record(hashes[i], at: times[i])
        }
        return map
    }

    /// Format 2's windows: bounds as differences, a mask of the accumulator fields stored, the fields, the sketch.
    func decodeWindows2(_ r: inout StateReader) -> WindowedState? {
        guard let n = r.readCount(2, unit: 6) else { return nil }
        var state = WindowedState()
        for _ in 0..<n {
            guard let start = r.readSigned(), let length = r.readSigned(), let delay = r.readSigned(),
                let mask = r.read(UInt16.self), mask < 1 << 10
            else { return nil }
            var a = Accumulator()
            func field(_ bit: Int, _ value: inout Int64) -> Bool {
                guard mask & (1 << bit) != 0 else { return true }
                guard let v = r.readSigned() else { return false }
                value = v
                return true
            }
            guard field(0, &a.count), field(1, &a.n), field(2, &a.sum) else { return nil }
            if mask & (1 << 3) != 0 {
                guard let q = r.readSigned128() else { return nil }
                a.squares = q
            }
            guard field(4, &a.min), field(5, &a.max), field(6, &a.firstTime), field(7, &a.first),
                field(8, &a.lastTime), field(9, &a.last), let distinct = r.readSketch(2)
            else { return nil }
            let end = start &+ length
            state.windows.append(
                WindowedState.Window(
                    start: start, end: end, closeTime: end &+ delay, accumulator: a, distinct: distinct))
        }
        for i in state.windows.indices.dropFirst() where state.windows[i - 1].start >= state.windows[i].start {
            return nil
        }
        return state
    }

    /// Format 1's windows: fixed-width fields.
    func decodeWindows(_ r: inout StateReader) -> WindowedState? {
        guard let n = r.read(UInt32.self) else { return nil }
        var state = WindowedState()
        for _ in 0..<n {
            guard let start = r.read(Int64.self), let end = r.read(Int64.self), let close = r.read(Int64.self),
                let count = r.read(Int64.self), let valueCount = r.read(Int64.self), let sum = r.read(Int64.self),
                let squares = r.read(Int128.self), let min = r.read(Int64.self), let max = r.read(Int64.self),
                let firstTime = r.read(Int64.self), let first = r.read(Int64.self), let lastTime = r.read(Int64.self),
                let last = r.read(Int64.self), let distinct = r.readSketch(1)
            else { return nil }
            var a = Accumulator()
            a.count = count
            a.n = valueCount
            a.sum = sum
            a.squares = squares
            a.min = min
            a.max = max
            a.firstTime = firstTime
            a.first = first
            a.lastTime = lastTime
            a.last = last
            state.windows.append(
                WindowedState.Window(start: start, end: end, closeTime: close, accumulator: a, distinct: distinct))
        }
        for i in state.windows.indices.dropFirst() where state.windows[i - 1].start >= state.windows[i].start {
            return nil
        }
        return state
    }
}
