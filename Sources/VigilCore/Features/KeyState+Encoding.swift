/// The binary form of a key's state (little-endian, versioned):
///
/// ```text
/// [version u8 = 2][newestTimestamp i64][nextTimer i64][section count u16]
/// section: [id u32][payload length varint][payload]
/// ```
///
/// The first 17 bytes are fixed so that a compaction filter can read them without decoding (``header(of:)``).
/// Sections and columns are identified by the 32-bit FNV-1a hash of their name (``StateNames``), so adding or
/// removing a feature never invalidates the others' state. The sections:
///
/// - `count` — the key's total applied events, a zigzag varint (an audit figure: never pruned);
/// - `events` — the exact event buffer: `[latestPruned i64][rows varint][columns varint]` then columns `@ts`, one
///   per numeric field (its name; fixed-point units, `Int64.min` = missing) and one per hashed field (`name#hash`;
///   value hashes, 0 = missing);
/// - `tiles/<width ms>` — the tiles of one width: `[rows varint][columns varint]` then columns `@tile`, `@count`
///   and per field `f.n`, `f.sum`, `f.sumsq` (i128), `f.min`, `f.max`, `f.first`, `f.first@ts`, `f.last`,
///   `f.last@ts`, `f#distinct` (sketches), as the features need;
/// - `seen/<field>` — a latest-seen map: `[cutoff i64][n varint][n hashes u64][n times, deltas from the cutoff]`;
/// - `window/<feature id>` — one windowed feature's open windows, with a fingerprint of its definition:
///   `[fingerprint u64][n varint]` then per window `[start][end − start][close − end]` (zigzag varints), a u16
///   mask of the accumulator fields that differ from an empty accumulator, those fields (zigzag varints, in
///   declaration order) and the distinct sketch.
///
/// A column is `[id u32][kind u8][byte length varint][bytes]`: Int64 columns are zigzag varints of the differences
/// between consecutive values (``StateCoding/int64Delta``), sums of squares zigzag varints, hashes fixed 8 bytes.
/// A sketch is `[0][n varint][n hashes u64]` (exact) or `[1][registers]`.
///
/// Decoding ignores sections and columns the engine no longer needs (they vanish at the next encode); a column it
/// needs but cannot find reads as missing values for the stored entries; a windowed section whose fingerprint
/// differs (the feature's definition changed) is discarded. Format 1 (names instead of ids, fixed-width lengths,
/// counts and columns) is still read.
extension KeyState {
    /// The format version in byte 0 of what ``encode(into:)`` writes.
    public static let formatVersion: UInt8 = 2
    /// The oldest format version still decoded.
    public static let oldestFormatVersion: UInt8 = 1
    /// Bytes of the fixed header read by ``header(of:)``.
    public static let headerSize = 17

    /// Reads `newestTimestamp` and `nextTimer` from the first 17 bytes of an encoded state, without decoding it;
    /// nil when the bytes are too short or of an unknown version.
    public static func header(of bytes: UnsafeRawBufferPointer) -> (newest: Int64, nextTimer: Int64)? {
        guard bytes.count >= headerSize, bytes[0] >= oldestFormatVersion, bytes[0] <= formatVersion else {
            return nil
        }
        let newest = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: Int64.self))
        let timer = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 9, as: Int64.self))
        return (newest, timer)
    }

    /// Appends the binary form of the state to `out`.
    ///
    /// Sized first (``encodedSizeBound``), then written through a pointer into scratch memory (on the stack when
    /// small) and appended in one copy: one `Array.append` per column, varint and length cost more than the
    /// encoding itself.
    public func encode(into out: inout [UInt8]) {
        let bound = encodedSizeBound
        withUnsafeTemporaryAllocation(byteCount: bound, alignment: 8) { scratch in
            var w = UnsafeByteWriter(scratch.baseAddress!)
            write(to: &w)
            precondition(w.count <= bound, "the key state's size bound is too small")
            out.append(contentsOf: UnsafeRawBufferPointer(start: scratch.baseAddress, count: w.count))
        }
    }

    /// The most bytes ``encode(into:)`` can write for this state: every varint and length at its longest.
    var encodedSizeBound: Int {
        let header = 1 + 8 + 8 + 2
        guard let core = layout else { return header }
        let section = 4 + 10
        let column = 4 + 1 + 10
        var n = header + section + 10
        let plan = core.plan
        if plan.usesBuffer {
            let columns = 1 + plan.bufferNumeric.count + plan.bufferHashed.count
            n += section + 8 + 10 + 10 + columns * column + buffer.count * (10 * columns)
        }
        for g in plan.tileGroups.indices where g < tiles.count && tiles[g].count > 0 {
            let rows = tiles[g].count
            let group = plan.tileGroups[g]
            n += section + 10 + 10 + 2 * (column + rows * 10)
            n += group.numeric.count * 9 * (column + rows * 19)
            for c in group.hashed.indices where c < tiles[g].distinct.count {
                n += column
                tiles[g].distinct[c].withUnsafeBufferPointer { sketches in
                    for i in tiles[g].head..<sketches.count { n += Self.sketchBound(sketches[i]) }
                }
            }
        }
        for i in plan.seen.indices where i < seen.count {
            n += section + 8 + 10 + seen[i].table.count * (8 + 10)
        }
        for i in plan.windowed.indices where i < windowed.count {
            n += section + 8 + 10
            for window in windowed[i].windows { n += 3 * 10 + 2 + 9 * 10 + 19 + Self.sketchBound(window.distinct) }
        }
        return n
    }

    @inline(__always)
    private static func sketchBound(_ s: DistinctSketch) -> Int {
        s.isExact ? 1 + 10 + 8 * s.hashes.count : 1 + s.registers.count
    }

    /// Writes the binary form (at most ``encodedSizeBound`` bytes).
    private func write(to w: inout UnsafeByteWriter) {
        w.byte(Self.formatVersion)
        w.littleEndian(newestTimestamp)
        w.littleEndian(nextTimer)
        let countAt = w.count
        w.littleEndian(UInt16(0))
        guard let core = layout else { return }
        var sections: UInt16 = 0
        if eventCount > 0 {
            let at = w.beginSection(StateNames.eventCount)
            w.signed(eventCount)
            w.patchLength(at: at)
            sections += 1
        }
        if core.plan.usesBuffer && (buffer.count > 0 || buffer.latestPruned != .min) {
            let at = w.beginSection(StateNames.events)
            writeBuffer(core, to: &w)
            w.patchLength(at: at)
            sections += 1
        }
        for g in core.plan.tileGroups.indices where g < tiles.count && tiles[g].count > 0 {
            let at = w.beginSection(core.names.tileSections[g])
            writeTiles(core, g, to: &w)
            w.patchLength(at: at)
            sections += 1
        }
        for i in core.plan.seen.indices where i < seen.count && seen[i].table.count > 0 {
            let at = w.beginSection(core.names.seenSections[i])
            Self.writeSeen(seen[i], to: &w)
            w.patchLength(at: at)
            sections += 1
        }
        for i in core.plan.windowed.indices where i < windowed.count && !windowed[i].windows.isEmpty {
            let at = w.beginSection(core.names.windowSections[i])
            w.littleEndian(core.plan.windowed[i].fingerprint)
            w.varint(UInt64(windowed[i].windows.count))
            windowed[i].windows.withUnsafeBufferPointer { windows in
                for window in windows { Self.writeWindow(window, to: &w) }
            }
            w.patchLength(at: at)
            sections += 1
        }
        w.base.storeBytes(of: sections.littleEndian, toByteOffset: countAt, as: UInt16.self)
    }

    /// One open window: bounds as differences, then only the accumulator fields that differ from an empty one.
    private static func writeWindow(_ window: WindowedState.Window, to w: inout UnsafeByteWriter) {
        let a = window.accumulator
        let e = Accumulator()
        w.signed(window.start)
        w.signed(window.end &- window.start)
        w.signed(window.closeTime &- window.end)
        var mask: UInt16 = 0
        if a.count != e.count { mask |= 1 << 0 }
        if a.n != e.n { mask |= 1 << 1 }
        if a.sum != e.sum { mask |= 1 << 2 }
        if a.squares != e.squares { mask |= 1 << 3 }
        if a.min != e.min { mask |= 1 << 4 }
        if a.max != e.max { mask |= 1 << 5 }
        if a.firstTime != e.firstTime { mask |= 1 << 6 }
        if a.first != e.first { mask |= 1 << 7 }
        if a.lastTime != e.lastTime { mask |= 1 << 8 }
        if a.last != e.last { mask |= 1 << 9 }
        w.littleEndian(mask)
        if mask & (1 << 0) != 0 { w.signed(a.count) }
        if mask & (1 << 1) != 0 { w.signed(a.n) }
        if mask & (1 << 2) != 0 { w.signed(a.sum) }
        if mask & (1 << 3) != 0 { w.signed128(a.squares) }
        if mask & (1 << 4) != 0 { w.signed(a.min) }
        if mask & (1 << 5) != 0 { w.signed(a.max) }
        if mask & (1 << 6) != 0 { w.signed(a.firstTime) }
        if mask & (1 << 7) != 0 { w.signed(a.first) }
        if mask & (1 << 8) != 0 { w.signed(a.lastTime) }
        if mask & (1 << 9) != 0 { w.signed(a.last) }
        w.sketch(window.distinct)
    }

    private func writeBuffer(_ core: EngineCore, to w: inout UnsafeByteWriter) {
        let h = buffer.head
        w.littleEndian(buffer.latestPruned)
        w.varint(UInt64(buffer.count))
        w.varint(UInt64(1 + core.plan.bufferNumeric.count + core.plan.bufferHashed.count))
        w.deltaColumn(StateNames.timestamps, buffer.timestamps, from: h)
        for c in core.plan.bufferNumeric.indices {
            w.deltaColumn(core.names.bufferNumeric[c], buffer.numeric[c].values, from: h)
        }
        for c in core.plan.bufferHashed.indices {
            w.column(core.names.bufferHashed[c], kind: StateCoding.uint64, buffer.hashed[c], from: h)
        }
    }

    private func writeTiles(_ core: EngineCore, _ g: Int, to w: inout UnsafeByteWriter) {
        let h = tiles[g].head
        let numericCount = core.plan.tileGroups[g].numeric.count
        let hashedCount = core.plan.tileGroups[g].hashed.count
        var columns = 2 + hashedCount
        for c in 0..<numericCount {
            let p = core.plan.tileGroups[g].numeric[c]
            let moments = p.moments || p.squares
            columns += (moments ? 2 : 0) + (p.squares ? 1 : 0) + (p.min ? 1 : 0) + (p.max ? 1 : 0)
            columns += (p.first ? 2 : 0) + (p.last ? 2 : 0)
        }
        w.varint(UInt64(tiles[g].count))
        w.varint(UInt64(columns))
        w.deltaColumn(StateNames.tileIndex, tiles[g].index, from: h)
        w.deltaColumn(StateNames.tileCount, tiles[g].counts, from: h)
        for c in 0..<numericCount {
            let ids = core.names.tileNumeric[g][c]
            // Each column read in place: binding the whole `Numeric` would retain and release its 12 arrays.
            if tiles[g].numeric[c].keepsMoments {
                w.deltaColumn(ids.n, tiles[g].numeric[c].n, from: h)
                w.deltaColumn(ids.sum, tiles[g].numeric[c].sum, from: h)
            }
            if tiles[g].numeric[c].keepsSquares { w.varintColumn(ids.squares, tiles[g].numeric[c].squares, from: h) }
            if tiles[g].numeric[c].keepsMin { w.deltaColumn(ids.min, tiles[g].numeric[c].min, from: h) }
            if tiles[g].numeric[c].keepsMax { w.deltaColumn(ids.max, tiles[g].numeric[c].max, from: h) }
            if tiles[g].numeric[c].keepsFirst {
                w.deltaColumn(ids.first, tiles[g].numeric[c].first, from: h)
                w.deltaColumn(ids.firstTime, tiles[g].numeric[c].firstTime, from: h)
            }
            if tiles[g].numeric[c].keepsLast {
                w.deltaColumn(ids.last, tiles[g].numeric[c].last, from: h)
                w.deltaColumn(ids.lastTime, tiles[g].numeric[c].lastTime, from: h)
            }
        }
        for c in 0..<hashedCount {
            let at = w.beginColumn(core.names.tileHashed[g][c], kind: StateCoding.sketches)
            tiles[g].distinct[c].withUnsafeBufferPointer { sketches in
                for i in h..<sketches.count { w.sketch(sketches[i]) }
            }
            w.patchLength(at: at)
        }
    }

    /// `[cutoff i64][n varint][n hashes][n times as deltas from the cutoff]`, live entries only.
    private static func writeSeen(_ map: SeenMap, to w: inout UnsafeByteWriter) {
        w.littleEndian(map.cutoff)
        let cutoff = map.cutoff
        var n = 0
        map.table.keys.withUnsafeBufferPointer { keys in
            map.table.values.withUnsafeBufferPointer { times in
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff { n &+= 1 }
                w.varint(UInt64(n))
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff { w.littleEndian(keys[i]) }
                var previous = cutoff
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff {
                    w.signed(times[i] &- previous)
                    previous = times[i]
                }
            }
        }
    }

    /// The encoded state, as a new array.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    /// Decodes a state stored by ``encode(into:)``, keeping what `engine`'s features use.
    ///
    /// - Throws: ``FeatureEngineError/Code/corruptState`` when the bytes are truncated, of another version or
    ///   malformed.
    public init(decoding bytes: [UInt8], engine: FeatureEngine) throws(FeatureEngineError) {
        let decoded: KeyState? = bytes.withUnsafeBytes { raw in StateDecoder(engine: engine, bytes: raw).decode() }
        guard let decoded else {
            throw FeatureEngineError(
                code: .corruptState, message: "stored key state is malformed (\(bytes.count) bytes)")
        }
        self = decoded
    }
}
