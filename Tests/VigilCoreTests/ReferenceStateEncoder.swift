@testable import VigilCore

// The key-state encoder as it was before it wrote through a pointer (one `append` per piece): the reference the
// production encoder must match byte for byte (EngineStateTests, "the encoder writes the reference bytes").

enum RefCoding {
    static let int64Delta = StateCoding.int64Delta
    static let int128Varint = StateCoding.int128Varint
    static let uint64 = StateCoding.uint64
    static let sketches = StateCoding.sketches

    /// Appends `values` as little-endian integers in one copy.
    @inline(__always)
    static func append<T: FixedWidthInteger>(_ values: ArraySlice<T>, to out: inout [UInt8]) {
        #if _endian(little)
        values.withUnsafeBytes { out.append(contentsOf: $0) }
        #else
        for v in values { out.appendLittleEndian(v) }
        #endif
    }

    /// Zigzag: small magnitudes of either sign become small unsigned numbers.
    @inline(__always)
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    @inline(__always)
    static func unzigzag(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }

    /// Appends `v` as an unsigned LEB128 varint (1–10 bytes).
    @inline(__always)
    static func appendVarint(_ v: UInt64, to out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends `v` as a zigzag varint.
    @inline(__always)
    static func appendSigned(_ v: Int64, to out: inout [UInt8]) { appendVarint(zigzag(v), to: &out) }

    /// Appends `values` as zigzag varints of their differences (the first to `base`), into memory reserved in one
    /// step.
    static func appendDeltas(_ values: ArraySlice<Int64>, base: Int64 = 0, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: values.count &* 10))
        var used = 0
        out.withUnsafeMutableBufferPointer { buffer in
            let p = buffer.baseAddress! + start
            var previous = base
            values.withUnsafeBufferPointer { vs in
                for v in vs {
                    var u = zigzag(v &- previous)
                    previous = v
                    while u >= 0x80 {
                        p[used] = UInt8(truncatingIfNeeded: u) | 0x80
                        used &+= 1
                        u >>= 7
                    }
                    p[used] = UInt8(truncatingIfNeeded: u)
                    used &+= 1
                }
            }
        }
        out.removeLast(values.count &* 10 &- used)
    }

    /// Appends `values` as zigzag LEB128 varints (1–19 bytes each).
    static func appendVarints(_ values: ArraySlice<Int128>, to out: inout [UInt8]) {
        for v in values {
            var u = UInt128(bitPattern: (v << 1) ^ (v >> 127))
            while u >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: u) | 0x80)
                u >>= 7
            }
            out.append(UInt8(truncatingIfNeeded: u))
        }
    }

    /// Appends a section header (its id and a placeholder length); returns where to patch the length
    /// (``patchLength(at:in:)``).
    @inline(__always)
    static func beginSection(_ id: UInt32, _ out: inout [UInt8]) -> Int {
        out.appendLittleEndian(id)
        out.append(0)
        return out.count &- 1
    }

    /// Begins a column: its id, kind and a placeholder length; returns where to patch the length.
    @inline(__always)
    static func beginColumn(_ id: UInt32, kind: UInt8, _ out: inout [UInt8]) -> Int {
        out.appendLittleEndian(id)
        out.append(kind)
        out.append(0)
        return out.count &- 1
    }

    /// Appends a fixed-width column: id, kind, byte length and the values in one copy.
    @inline(__always)
    static func appendColumn<T: FixedWidthInteger>(
        _ id: UInt32, kind: UInt8, _ values: ArraySlice<T>, to out: inout [UInt8]
    ) {
        out.appendLittleEndian(id)
        out.append(kind)
        appendVarint(UInt64(values.count &* MemoryLayout<T>.stride), to: &out)
        append(values, to: &out)
    }

    /// Appends an Int64 column as deltas (``int64Delta``).
    @inline(__always)
    static func appendDeltaColumn(_ id: UInt32, _ values: ArraySlice<Int64>, to out: inout [UInt8]) {
        let at = beginColumn(id, kind: int64Delta, &out)
        appendDeltas(values, to: &out)
        patchLength(at: at, in: &out)
    }

    /// Appends an Int128 column as varints (``int128Varint``).
    @inline(__always)
    static func appendVarintColumn(_ id: UInt32, _ values: ArraySlice<Int128>, to out: inout [UInt8]) {
        let at = beginColumn(id, kind: int128Varint, &out)
        appendVarints(values, to: &out)
        patchLength(at: at, in: &out)
    }

    /// Writes the number of bytes after the one-byte placeholder at `position` into it as a varint, moving them
    /// when the length needs more than one byte.
    @inline(__always)
    static func patchLength(at position: Int, in out: inout [UInt8]) {
        let length = out.count &- position &- 1
        if length < 0x80 {
            out[position] = UInt8(truncatingIfNeeded: length)
            return
        }
        var varint: [UInt8] = []
        appendVarint(UInt64(length), to: &varint)
        out.replaceSubrange(position..<(position &+ 1), with: varint)
    }

    /// Overwrites the u32 at `position`.
    @inline(__always)
    static func patch(_ value: UInt32, at position: Int, in out: inout [UInt8]) {
        let v = value.littleEndian
        out[position] = UInt8(truncatingIfNeeded: v)
        out[position + 1] = UInt8(truncatingIfNeeded: v >> 8)
        out[position + 2] = UInt8(truncatingIfNeeded: v >> 16)
        out[position + 3] = UInt8(truncatingIfNeeded: v >> 24)
    }

    /// Appends one sketch: `[0][n varint][n hashes]` when exact, `[1][registers]` when approximate (format 1 wrote
    /// the count as a u32).
    @inline(__always)
    static func appendSketch(_ s: DistinctSketch, to out: inout [UInt8]) {
        if s.isExact {
            out.append(0)
            appendVarint(UInt64(s.hashes.count), to: &out)
            append(s.hashes[...], to: &out)
        } else {
            out.append(1)
            out.append(contentsOf: s.registers)
        }
    }
}

extension KeyState {
    /// The binary form as the straightforward array encoder writes it.
    func referenceEncoded() -> [UInt8] {
        var out: [UInt8] = []
        referenceEncode(into: &out)
        return out
    }

    func referenceEncode(into out: inout [UInt8]) {
        out.append(Self.formatVersion)
        out.appendLittleEndian(newestTimestamp)
        out.appendLittleEndian(nextTimer)
        let countAt = out.count
        out.appendLittleEndian(UInt16(0))
        guard let core = layout else { return }
        var sections: UInt16 = 0
        if eventCount > 0 {
            let at = RefCoding.beginSection(StateNames.eventCount, &out)
            RefCoding.appendSigned(eventCount, to: &out)
            RefCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        let plan = core.plan
        let names = core.names
        if plan.usesBuffer && (buffer.count > 0 || buffer.latestPruned != .min) {
            let at = RefCoding.beginSection(StateNames.events, &out)
            ref_encodeBuffer(plan, names, into: &out)
            RefCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        for g in plan.tileGroups.indices where g < tiles.count && tiles[g].count > 0 {
            let at = RefCoding.beginSection(names.tileSections[g], &out)
            ref_encodeTiles(plan.tileGroups[g], names, g, into: &out)
            RefCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        for i in plan.seen.indices where i < seen.count && seen[i].table.count > 0 {
            let at = RefCoding.beginSection(names.seenSections[i], &out)
            ref_encodeSeen(seen[i], into: &out)
            RefCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        for i in plan.windowed.indices where i < windowed.count && !windowed[i].windows.isEmpty {
            let at = RefCoding.beginSection(names.windowSections[i], &out)
            out.appendLittleEndian(plan.windowed[i].fingerprint)
            RefCoding.appendVarint(UInt64(windowed[i].windows.count), to: &out)
            for window in windowed[i].windows { Self.ref_encodeWindow(window, into: &out) }
            RefCoding.patchLength(at: at, in: &out)
            sections += 1
        }
        out[countAt] = UInt8(truncatingIfNeeded: sections)
        out[countAt + 1] = UInt8(truncatingIfNeeded: sections >> 8)
    }

    /// One open window: bounds as differences, then only the accumulator fields that differ from an empty one.
    private static func ref_encodeWindow(_ window: WindowedState.Window, into out: inout [UInt8]) {
        let a = window.accumulator
        let e = Accumulator()
        RefCoding.appendSigned(window.start, to: &out)
        RefCoding.appendSigned(window.end &- window.start, to: &out)
        RefCoding.appendSigned(window.closeTime &- window.end, to: &out)
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
        if mask & (1 << 0) != 0 { RefCoding.appendSigned(a.count, to: &out) }
        if mask & (1 << 1) != 0 { RefCoding.appendSigned(a.n, to: &out) }
        if mask & (1 << 2) != 0 { RefCoding.appendSigned(a.sum, to: &out) }
        if mask & (1 << 3) != 0 { RefCoding.appendVarints([a.squares], to: &out) }
        if mask & (1 << 4) != 0 { RefCoding.appendSigned(a.min, to: &out) }
        if mask & (1 << 5) != 0 { RefCoding.appendSigned(a.max, to: &out) }
        if mask & (1 << 6) != 0 { RefCoding.appendSigned(a.firstTime, to: &out) }
        if mask & (1 << 7) != 0 { RefCoding.appendSigned(a.first, to: &out) }
        if mask & (1 << 8) != 0 { RefCoding.appendSigned(a.lastTime, to: &out) }
        if mask & (1 << 9) != 0 { RefCoding.appendSigned(a.last, to: &out) }
        RefCoding.appendSketch(window.distinct, to: &out)
    }

    private func ref_encodeBuffer(_ plan: EnginePlan, _ names: StateNames, into out: inout [UInt8]) {
        let h = buffer.head
        out.appendLittleEndian(buffer.latestPruned)
        RefCoding.appendVarint(UInt64(buffer.count), to: &out)
        RefCoding.appendVarint(UInt64(1 + plan.bufferNumeric.count + plan.bufferHashed.count), to: &out)
        RefCoding.appendDeltaColumn(StateNames.timestamps, buffer.timestamps[h...], to: &out)
        for c in plan.bufferNumeric.indices {
            RefCoding.appendDeltaColumn(names.bufferNumeric[c], buffer.numeric[c].values[h...], to: &out)
        }
        for c in plan.bufferHashed.indices {
            RefCoding.appendColumn(names.bufferHashed[c], kind: RefCoding.uint64, buffer.hashed[c][h...], to: &out)
        }
    }

    private func ref_encodeTiles(_ group: EnginePlan.TileGroup, _ names: StateNames, _ g: Int, into out: inout [UInt8]) {
        let h = tiles[g].head
        var columns = 2 + group.hashed.count
        for c in group.numeric.indices {
            let p = group.numeric[c]
            let moments = p.moments || p.squares
            columns += (moments ? 2 : 0) + (p.squares ? 1 : 0) + (p.min ? 1 : 0) + (p.max ? 1 : 0)
            columns += (p.first ? 2 : 0) + (p.last ? 2 : 0)
        }
        RefCoding.appendVarint(UInt64(tiles[g].count), to: &out)
        RefCoding.appendVarint(UInt64(columns), to: &out)
        RefCoding.appendDeltaColumn(StateNames.tileIndex, tiles[g].index[h...], to: &out)
        RefCoding.appendDeltaColumn(StateNames.tileCount, tiles[g].counts[h...], to: &out)
        for c in group.numeric.indices {
            let ids = names.tileNumeric[g][c]
            let n = tiles[g].numeric[c]
            if n.keepsMoments {
                RefCoding.appendDeltaColumn(ids.n, n.n[h...], to: &out)
                RefCoding.appendDeltaColumn(ids.sum, n.sum[h...], to: &out)
            }
            if n.keepsSquares { RefCoding.appendVarintColumn(ids.squares, n.squares[h...], to: &out) }
            if n.keepsMin { RefCoding.appendDeltaColumn(ids.min, n.min[h...], to: &out) }
            if n.keepsMax { RefCoding.appendDeltaColumn(ids.max, n.max[h...], to: &out) }
            if n.keepsFirst {
                RefCoding.appendDeltaColumn(ids.first, n.first[h...], to: &out)
                RefCoding.appendDeltaColumn(ids.firstTime, n.firstTime[h...], to: &out)
            }
            if n.keepsLast {
                RefCoding.appendDeltaColumn(ids.last, n.last[h...], to: &out)
                RefCoding.appendDeltaColumn(ids.lastTime, n.lastTime[h...], to: &out)
            }
        }
        for c in group.hashed.indices {
            let at = RefCoding.beginColumn(names.tileHashed[g][c], kind: RefCoding.sketches, &out)
            tiles[g].distinct[c].withUnsafeBufferPointer { sketches in
                for i in h..<sketches.count { RefCoding.appendSketch(sketches[i], to: &out) }
            }
            RefCoding.patchLength(at: at, in: &out)
        }
    }

    /// `[cutoff i64][n varint][n hashes][n times as deltas from the cutoff]`, live entries only.
    private func ref_encodeSeen(_ map: SeenMap, into out: inout [UInt8]) {
        out.appendLittleEndian(map.cutoff)
        let cutoff = map.cutoff
        var n = 0
        map.table.keys.withUnsafeBufferPointer { keys in
            map.table.values.withUnsafeBufferPointer { times in
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff { n &+= 1 }
                RefCoding.appendVarint(UInt64(n), to: &out)
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff { out.appendLittleEndian(keys[i]) }
                var previous = cutoff
                for i in 0..<keys.count where keys[i] != 0 && times[i] > cutoff {
                    RefCoding.appendSigned(times[i] &- previous, to: &out)
                    previous = times[i]
                }
            }
        }
    }

}
