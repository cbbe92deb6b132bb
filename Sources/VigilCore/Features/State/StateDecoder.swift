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
        guard r.read(UInt8.self) == KeyState.formatVersion, let newest = r.read(Int64.self),
            r.read(Int64.self) != nil, let sections = r.read(UInt16.self)
        else { return nil }
        var state = engine.emptyState()
        state.newestTimestamp = newest
        let names = engine.core.names
        for _ in 0..<sections {
            guard let name = r.readName(), let length = r.read(UInt32.self), Int(length) <= r.remaining else {
                return nil
            }
            let start = r.position
            let end = start + Int(length)
            var body = StateReader(bytes, from: start, to: end)
            if r.matches(name, StateNames.eventCount) {
                guard let n = body.read(Int64.self) else { return nil }
                state.eventCount = n
            } else if r.matches(name, StateNames.events) {
                if plan.usesBuffer {
                    guard let b = decodeBuffer(&body) else { return nil }
                    state.buffer = b
                }
            } else if let g = names.tileSections.firstIndex(where: { r.matches(name, $0) }) {
                guard let t = decodeTiles(&body, plan.tileGroups[g], names, g) else { return nil }
                state.tiles[g] = t
            } else if let i = names.seenSections.firstIndex(where: { r.matches(name, $0) }) {
                guard let s = decodeSeen(&body) else { return nil }
                state.seen[i] = s
            } else if let i = names.windowSections.firstIndex(where: { r.matches(name, $0) }) {
                guard let fingerprint = body.read(UInt64.self) else { return nil }
                if fingerprint == plan.windowed[i].fingerprint {
                    guard let w = decodeWindows(&body) else { return nil }
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
    func directory(_ r: inout StateReader, count: Int) -> [StoredColumn]? {
        var columns: [StoredColumn] = []
        columns.reserveCapacity(count)
        for _ in 0..<count {
            guard let name = r.readName(), let kind = r.read(UInt8.self), let length = r.read(UInt32.self) else {
                return nil
            }
            columns.append(StoredColumn(name: name, kind: kind, start: r.position, length: Int(length)))
            guard r.skip(Int(length)) else { return nil }
        }
        return columns
    }

    /// The stored column called `name`, if any.
    @inline(__always)
    func find(_ columns: [StoredColumn], _ name: [UInt8]) -> StoredColumn? {
        let r = StateReader(bytes)
        for c in columns where r.matches(c.name, name) { return c }
        return nil
    }

    /// A stored fixed-width column of `rows` entries, if present with the expected kind and size.
    func column<T: FixedWidthInteger>(
        _ columns: [StoredColumn], _ name: [UInt8], kind: UInt8, rows: Int, as: T.Type
    ) -> [T]? {
        guard let c = find(columns, name), c.kind == kind, c.length == rows * MemoryLayout<T>.stride else { return nil }
        var r = StateReader(bytes, from: c.start, to: c.start + c.length)
        return r.readArray(T.self, count: rows)
    }

    func decodeBuffer(_ r: inout StateReader) -> EventBuffer? {
        guard let latestPruned = r.read(Int64.self), let rows32 = r.read(UInt32.self),
            let count = r.read(UInt16.self), let columns = directory(&r, count: Int(count))
        else { return nil }
        let rows = Int(rows32)
        var b = EventBuffer(plan: plan)
        b.latestPruned = latestPruned
        guard let ts = column(columns, StateNames.timestamps, kind: StateCoding.int64, rows: rows, as: Int64.self) else {
            return rows == 0 ? b : nil
        }
        for i in ts.indices.dropFirst() where ts[i - 1] > ts[i] { return nil }
        b.timestamps = ts
        let names = engine.core.names
        for c in plan.bufferNumeric.indices {
            b.numeric[c].values =
                column(columns, names.bufferNumeric[c], kind: StateCoding.int64, rows: rows, as: Int64.self)
                ?? Array(repeating: Accumulator.none, count: rows)
        }
        for c in plan.bufferHashed.indices {
            b.hashed[c] =
                column(columns, names.bufferHashed[c], kind: StateCoding.uint64, rows: rows, as: UInt64.self)
                ?? Array(repeating: 0, count: rows)
        }
        b.rebuildPrefixes()
        return b
    }

    func decodeTiles(
        _ r: inout StateReader, _ group: EnginePlan.TileGroup, _ names: StateNames, _ g: Int
    ) -> TileSet? {
        guard let rows32 = r.read(UInt32.self), let count = r.read(UInt16.self),
            let columns = directory(&r, count: Int(count))
        else { return nil }
        let rows = Int(rows32)
        var set = TileSet(plan: group)
        guard let index = column(columns, StateNames.tileIndex, kind: StateCoding.int64, rows: rows, as: Int64.self),
            let counts = column(columns, StateNames.tileCount, kind: StateCoding.int64, rows: rows, as: Int64.self)
        else { return rows == 0 ? set : nil }
        for i in index.indices.dropFirst() where index[i - 1] >= index[i] { return nil }
        set.index = index
        set.counts = counts
        func int64(_ name: [UInt8], default value: Int64) -> [Int64] {
            column(columns, name, kind: StateCoding.int64, rows: rows, as: Int64.self)
                ?? Array(repeating: value, count: rows)
        }
        for c in group.numeric.indices {
            let n = names.tileNumeric[g][c]
            if set.numeric[c].keepsMoments {
                set.numeric[c].n = int64(n.n, default: 0)
                set.numeric[c].sum = int64(n.sum, default: 0)
            }
            if set.numeric[c].keepsSquares {
                set.numeric[c].squares =
                    column(columns, n.squares, kind: StateCoding.int128, rows: rows, as: Int128.self)
                    ?? Array(repeating: 0, count: rows)
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
                    guard let s = sr.readSketch() else { return nil }
                    sketches.append(s)
                }
                set.distinct[c] = sketches
            } else {
                set.distinct[c] = Array(repeating: DistinctSketch(), count: rows)
            }
        }
        set.rebuildPrefixes()
        return set
    }

    func decodeSeen(_ r: inout StateReader) -> SeenMap? {
        guard let cutoff = r.read(Int64.self), let n = r.read(UInt32.self),
            let hashes = r.readArray(UInt64.self, count: Int(n)), let times = r.readArray(Int64.self, count: Int(n))
        else { return nil }
        var map = SeenMap()
        map.cutoff = cutoff
        map.table = HashTable(minimumCapacity: hashes.count)
        for i in hashes.indices where hashes[i] != 0 && times[i] > cutoff {
            map.record(hashes[i], at: times[i])
        }
        return map
    }

    func decodeWindows(_ r: inout StateReader) -> WindowedState? {
        guard let n = r.read(UInt32.self) else { return nil }
        var state = WindowedState()
        for _ in 0..<n {
            guard let start = r.read(Int64.self), let end = r.read(Int64.self), let close = r.read(Int64.self),
                let count = r.read(Int64.self), let valueCount = r.read(Int64.self), let sum = r.read(Int64.self),
                let squares = r.read(Int128.self), let min = r.read(Int64.self), let max = r.read(Int64.self),
                let firstTime = r.read(Int64.self), let first = r.read(Int64.self), let lastTime = r.read(Int64.self),
                let last = r.read(Int64.self), let distinct = r.readSketch()
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
