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
    public func encode(into out: inout [UInt8]) {
        out.append(Self.formatVersion)
        out.appendLittleEndian(newestTimestamp)
        out.appendLittleEndian(nextTimer)
        let countAt = out.count
        out.appendLittleEndian(UInt16(0))
        guard let core = layout else { return }
        var sections: UInt16 = 0
        if eventCount > 0 {
            let at = StateCoding.beginSection(StateNames.eventCount, &out)
            StateCoding.appendSigned(eventCount, to: &out)
            StateCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        let plan = core.plan
        let names = core.names
        if plan.usesBuffer && (buffer.count > 0 || buffer.latestPruned != .min) {
            let at = StateCoding.beginSection(StateNames.events, &out)
            encodeBuffer(plan, names, into: &out)
            StateCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        for g in plan.tileGroups.indices where g < tiles.count && tiles[g].count > 0 {
            let at = StateCoding.beginSection(names.tileSections[g], &out)
            encodeTiles(plan.tileGroups[g], names, g, into: &out)
            StateCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        for i in plan.seen.indices where i < seen.count && seen[i].table.count > 0 {
            let at = StateCoding.beginSection(names.seenSections[i], &out)
            encodeSeen(seen[i], into: &out)
            StateCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        for i in plan.windowed.indices where i < windowed.count && !windowed[i].windows.isEmpty {
            let at = StateCoding.beginSection(names.windowSections[i], &out)
            out.appendLittleEndian(plan.windowed[i].fingerprint)
            StateCoding.appendVarint(UInt64(windowed[i].windows.count), to: &out)
            for window in windowed[i].windows { Self.encodeWindow(window, into: &out) }
            StateCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        out[countAt] = UInt8(truncatingIfNeeded: sections)
        out[countAt + 1] = UInt8(truncatingIfNeeded: sections >> 8)
    }

    /// One open window: bounds as differences, then only the accumulator fields that differ from an empty one.
    private static func encodeWindow(_ window: WindowedState.Window, into out: inout [UInt8]) {
        let a = window.accumulator
        let e = Accumulator()
        StateCoding.appendSigned(window.start, to: &out)
        StateCoding.appendSigned(window.end &- window.start, to: &out)
        StateCoding.appendSigned(window.closeTime &- window.end, to: &out)
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
        out.appendLittleEndian(mask)
        if mask & (1 << 0) != 0 { StateCoding.appendSigned(a.count, to: &out) }
        if mask & (1 << 1) != 0 { StateCoding.appendSigned(a.n, to: &out) }
        if mask & (1 << 2) != 0 { StateCoding.appendSigned(a.sum, to: &out) }
        if mask & (1 << 3) != 0 { StateCoding.appendVarints([a.squares], to: &out) }
        if mask & (1 << 4) != 0 { StateCoding.appendSigned(a.min, to: &out) }
        if mask & (1 << 5) != 0 { StateCoding.appendSigned(a.max, to: &out) }
        if mask & (1 << 6) != 0 { StateCoding.appendSigned(a.firstTime, to: &out) }
        if mask & (1 << 7) != 0 { StateCoding.appendSigned(a.first, to: &out) }
        if mask & (1 << 8) != 0 { StateCoding.appendSigned(a.lastTime, to: &out) }
        if mask & (1 << 9) != 0 { StateCoding.appendSigned(a.last, to: &out) }
        StateCoding.appendSketch(window.distinct, to: &out)
    }

    private func encodeBuffer(_ plan: EnginePlan, _ names: StateNames, into out: inout [UInt8]) {
        let h = buffer.head
        out.appendLittleEndian(buffer.latestPruned)
        StateCoding.appendVarint(UInt64(buffer.count), to: &out)
        StateCoding.appendVarint(UInt64(1 + plan.bufferNumeric.count + plan.bufferHashed.count), to: &out)
        StateCoding.appendDeltaColumn(StateNames.timestamps, buffer.timestamps[h...], to: &out)
        for c in plan.bufferNumeric.indices {
            StateCoding.appendDeltaColumn(names.bufferNumeric[c], buffer.numeric[c].values[h...], to: &out)
        }
        for c in plan.bufferHashed.indices {
            StateCoding.appendColumn(names.bufferHashed[c], kind: StateCoding.uint64, buffer.hashed[c][h...], to: &out)
        }
    }

    private func encodeTiles(_ group: EnginePlan.TileGroup, _ names: StateNames, _ g: Int, into out: inout [UInt8]) {
        let h = tiles[g].head
        var columns = 2 + group.hashed.count
        for c in group.numeric.indices {
            let p = group.numeric[c]
            let moments = p.moments || p.squares
            columns += (moments ? 2 : 0) + (p.squares ? 1 : 0) + (p.min ? 1 : 0) + (p.max ? 1 : 0)
            columns += (p.first ? 2 : 0) + (p.last ? 2 : 0)
        }
        StateCoding.appendVarint(UInt64(tiles[g].count), to: &out)
        StateCoding.appendVarint(UInt64(columns), to: &out)
        StateCoding.appendDeltaColumn(StateNames.tileIndex, tiles[g].index[h...], to: &out)
        StateCoding.appendDeltaColumn(StateNames.tileCount, tiles[g].counts[h...], to: &out)
        for c in group.numeric.indices {
            let ids = names.tileNumeric[g][c]
            let n = tiles[g].numeric[c]
            if n.keepsMoments {
                StateCoding.appendDeltaColumn(ids.n, n.n[h...], to: &out)
                StateCoding.appendDeltaColumn(ids.sum, n.sum[h...], to: &out)
            }
            if n.keepsSquares { StateCoding.appendVarintColumn(ids.squares, n.squares[h...], to: &out) }
            if n.keepsMin { StateCoding.appendDeltaColumn(ids.min, n.min[h...], to: &out) }
            if n.keepsMax { StateCoding.appendDeltaColumn(ids.max, n.max[h...], to: &out) }
            if n.keepsFirst {
                StateCoding.appendDeltaColumn(ids.first, n.first[h...], to: &out)
                StateCoding.appendDeltaColumn(ids.firstTime, n.firstTime[h...], to: &out)
            }
            if n.keepsLast {
                StateCoding.appendDeltaColumn(ids.last, n.last[h...], to: &out)
                StateCoding.appendDeltaColumn(ids.lastTime, n.lastTime[h...], to: &out)
            }
        }
        for c in group.hashed.indices {
            let at = StateCoding.beginColumn(names.tileHashed[g][c], kind: StateCoding.sketches, &out)
            tiles[g].distinct[c].withUnsafeBufferPointer { sketches in
                for i in h..<sketches.count { StateCoding.appendSketch(sketches[i], to: &out) }
            }
            StateCoding.patchLength(at: at, in: &out)
        }
    }

    /// `[cutoff i64][n varint][n hashes][n times as deltas from the cutoff]`, live entries only.
    private func encodeSeen(_ map: SeenMap, into out: inout [UInt8]) {
        out.appendLittleEndian(map.cutoff)
        let cutoff = map.cutoff
        var n = 0
        map.table.keys.withUnsafeBufferPointer { keys in
            map.table.values.withUnsafeBufferPointer { times in
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff { n &+= 1 }
                StateCoding.appendVarint(UInt64(n), to: &out)
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff { out.appendLittleEndian(keys[i]) }
                var previous = cutoff
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff {
                    StateCoding.appendSigned(times[i] &- previous, to: &out)
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
