/// The binary form of a key's state (little-endian, versioned):
///
/// ```text
/// [version u8 = 1][newestTimestamp i64][nextTimer i64][section count u16]
/// section: [name length u16][name UTF-8][payload length u32][payload]
/// ```
///
/// The first 17 bytes are fixed so that a compaction filter can read them without decoding (``header(of:)``).
/// Sections are named by what they store, so adding or removing a feature never invalidates the others' state:
///
/// - `count` — the key's total applied events, i64 (an audit figure: never pruned);
/// - `events` — the exact event buffer: `[latestPruned i64][rows u32][columns u16]` then columns `@ts`, one per
///   numeric field (its name; fixed-point units, `Int64.min` = missing) and one per hashed field (`name#hash`;
///   value hashes, 0 = missing);
/// - `tiles/<width ms>` — the tiles of one width: `[rows u32][columns u16]` then columns `@tile`, `@count` and per
///   field `f.n`, `f.sum`, `f.sumsq` (i128), `f.min`, `f.max`, `f.first`, `f.first@ts`, `f.last`, `f.last@ts`,
///   `f#distinct` (sketches), as the features need;
/// - `seen/<field>` — a latest-seen map: `[cutoff i64][n u32][n hashes u64][n times i64]`;
/// - `window/<feature id>` — one windowed feature's open windows, with a fingerprint of its definition:
///   `[fingerprint u64][n u32]` then per window its bounds, aggregate and distinct sketch.
///
/// A column is `[name length u16][name][kind u8][byte length u32][bytes]`. Decoding ignores sections and columns the
/// engine no longer needs (they vanish at the next encode); a column it needs but cannot find reads as missing
/// values for the stored entries; a windowed section whose fingerprint differs (the feature's definition changed)
/// is discarded.
extension KeyState {
    /// The format version in byte 0.
    public static let formatVersion: UInt8 = 1
    /// Bytes of the fixed header read by ``header(of:)``.
    public static let headerSize = 17

    /// Reads `newestTimestamp` and `nextTimer` from the first 17 bytes of an encoded state, without decoding it;
    /// nil when the bytes are too short or of another version.
    public static func header(of bytes: UnsafeRawBufferPointer) -> (newest: Int64, nextTimer: Int64)? {
        guard bytes.count >= headerSize, bytes[0] == formatVersion else { return nil }
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
            out.appendLittleEndian(eventCount)
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
            out.appendLittleEndian(UInt32(truncatingIfNeeded: windowed[i].windows.count))
            for window in windowed[i].windows {
                let a = window.accumulator
                out.appendLittleEndian(window.start)
                out.appendLittleEndian(window.end)
                out.appendLittleEndian(window.closeTime)
                out.appendLittleEndian(a.count)
                out.appendLittleEndian(a.n)
                out.appendLittleEndian(a.sum)
                out.appendLittleEndian(a.squares)
                out.appendLittleEndian(a.min)
                out.appendLittleEndian(a.max)
                out.appendLittleEndian(a.firstTime)
                out.appendLittleEndian(a.first)
                out.appendLittleEndian(a.lastTime)
                out.appendLittleEndian(a.last)
                StateCoding.appendSketch(window.distinct, to: &out)
            }
            StateCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        out[countAt] = UInt8(truncatingIfNeeded: sections)
        out[countAt + 1] = UInt8(truncatingIfNeeded: sections >> 8)
    }

    private func encodeBuffer(_ plan: EnginePlan, _ names: StateNames, into out: inout [UInt8]) {
        let h = buffer.head
        out.appendLittleEndian(buffer.latestPruned)
        out.appendLittleEndian(UInt32(truncatingIfNeeded: buffer.count))
        out.appendLittleEndian(UInt16(truncatingIfNeeded: 1 + plan.bufferNumeric.count + plan.bufferHashed.count))
        StateCoding.appendColumn(StateNames.timestamps, kind: StateCoding.int64, buffer.timestamps[h...], to: &out)
        for c in plan.bufferNumeric.indices {
            StateCoding.appendColumn(
                names.bufferNumeric[c], kind: StateCoding.int64, buffer.numeric[c].values[h...], to: &out)
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
        out.appendLittleEndian(UInt32(truncatingIfNeeded: tiles[g].count))
        out.appendLittleEndian(UInt16(truncatingIfNeeded: columns))
        StateCoding.appendColumn(StateNames.tileIndex, kind: StateCoding.int64, tiles[g].index[h...], to: &out)
        StateCoding.appendColumn(StateNames.tileCount, kind: StateCoding.int64, tiles[g].counts[h...], to: &out)
        let i64 = StateCoding.int64
        for c in group.numeric.indices {
            if tiles[g].numeric[c].keepsMoments {
                StateCoding.appendColumn(names.tileNumeric[g][c].n, kind: i64, tiles[g].numeric[c].n[h...], to: &out)
                StateCoding.appendColumn(names.tileNumeric[g][c].sum, kind: i64, tiles[g].numeric[c].sum[h...], to: &out)
            }
            if tiles[g].numeric[c].keepsSquares {
                StateCoding.appendColumn(
                    names.tileNumeric[g][c].squares, kind: StateCoding.int128, tiles[g].numeric[c].squares[h...],
                    to: &out)
            }
            if tiles[g].numeric[c].keepsMin {
                StateCoding.appendColumn(names.tileNumeric[g][c].min, kind: i64, tiles[g].numeric[c].min[h...], to: &out)
            }
            if tiles[g].numeric[c].keepsMax {
                StateCoding.appendColumn(names.tileNumeric[g][c].max, kind: i64, tiles[g].numeric[c].max[h...], to: &out)
            }
            if tiles[g].numeric[c].keepsFirst {
                StateCoding.appendColumn(
                    names.tileNumeric[g][c].first, kind: i64, tiles[g].numeric[c].first[h...], to: &out)
                StateCoding.appendColumn(
                    names.tileNumeric[g][c].firstTime, kind: i64, tiles[g].numeric[c].firstTime[h...], to: &out)
            }
            if tiles[g].numeric[c].keepsLast {
                StateCoding.appendColumn(names.tileNumeric[g][c].last, kind: i64, tiles[g].numeric[c].last[h...], to: &out)
                StateCoding.appendColumn(
                    names.tileNumeric[g][c].lastTime, kind: i64, tiles[g].numeric[c].lastTime[h...], to: &out)
            }
        }
        for c in group.hashed.indices {
            StateCoding.appendName(names.tileHashed[g][c], to: &out)
            out.append(StateCoding.sketches)
            let at = out.count
            out.appendLittleEndian(UInt32(0))
            tiles[g].distinct[c].withUnsafeBufferPointer { sketches in
                for i in h..<sketches.count { StateCoding.appendSketch(sketches[i], to: &out) }
            }
            StateCoding.patchLength(at: at, in: &out)
        }
    }

    /// `[cutoff i64][n u32][n hashes][n times]`, live entries only.
    private func encodeSeen(_ map: SeenMap, into out: inout [UInt8]) {
        out.appendLittleEndian(map.cutoff)
        let countAt = out.count
        out.appendLittleEndian(UInt32(0))
        var n: UInt32 = 0
        let cutoff = map.cutoff
        map.table.keys.withUnsafeBufferPointer { keys in
            map.table.values.withUnsafeBufferPointer { times in
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff {
                    out.appendLittleEndian(keys[i])
                    n &+= 1
                }
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff { out.appendLittleEndian(times[i]) }
            }
        }
        StateCoding.patch(n, at: countAt, in: &out)
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
