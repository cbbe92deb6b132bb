/// A bounds-checked little-endian reader over a borrowed byte buffer; every read returns nil past the end.
struct StateReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let end: Int

    init(_ bytes: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        position = start
        self.end = end ?? bytes.count
    }

    var remaining: Int { end - position }

    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard size <= remaining else { return nil }
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        position += size
        return v
    }

    /// Reads an unsigned LEB128 varint (at most 10 bytes).
    @inline(__always)
    mutating func readVarint() -> UInt64? {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while position < end, shift < 64 {
            let b = bytes[position]
            position &+= 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift &+= 7
        }
        return nil
    }

    /// Reads a zigzag varint.
    @inline(__always)
    mutating func readSigned() -> Int64? {
        guard let u = readVarint() else { return nil }
        return StateCoding.unzigzag(u)
    }

    /// Reads a zigzag LEB128 Int128 (at most 19 bytes).
    mutating func readSigned128() -> Int128? {
        var v: UInt128 = 0
        var shift: UInt128 = 0
        while position < end, shift < 128 {
            let b = bytes[position]
            position &+= 1
            v |= UInt128(b & 0x7F) << shift
            if b < 0x80 { return Int128(bitPattern: v >> 1) ^ -Int128(bitPattern: v & 1) }
            shift &+= 7
        }
        return nil
    }

    /// Reads a count or length: a u32 in format 1, a varint after; nil when it does not fit in the bytes left
    /// (`unit` bytes per element at least).
    @inline(__always)
    mutating func readCount(_ version: UInt8, unit: Int = 1) -> Int? {
        let n: UInt64
        if version == 1 {
            guard let v = read(UInt32.self) else { return nil }
            n = UInt64(v)
        } else {
            guard let v = readVarint() else { return nil }
            n = v
        }
        guard n <= UInt64(remaining / Swift.max(1, unit)) else { return nil }
        return Int(n)
    }

    /// Reads a section's or column's id: in format 1 the id of its stored name, after a u32 id.
    @inline(__always)
    mutating func readID(_ version: UInt8) -> UInt32? {
        if version == 1 {
            guard let name = readName() else { return nil }
            return StateNames.id(UnsafeRawBufferPointer(rebasing: bytes[name]))
        }
        return read(UInt32.self)
    }

    /// Reads `count` zigzag varint differences (the first to `base`) into an array.
    mutating func readDeltas(count: Int, base: Int64 = 0) -> [Int64]? {
        guard count >= 0, count <= remaining else { return nil }
        var result = [Int64]()
        result.reserveCapacity(count)
        var previous = base
        for _ in 0..<count {
            guard let d = readSigned() else { return nil }
            previous = previous &+ d
            result.append(previous)
        }
        return result
    }

    /// Reads a length-prefixed name, returning its byte range.
    mutating func readName() -> Range<Int>? {
        guard let n = read(UInt16.self), Int(n) <= remaining else { return nil }
        let range = position..<(position + Int(n))
        position += Int(n)
        return range
    }

    /// Whether the bytes in `range` are `name`.
    @inline(__always)
    func matches(_ range: Range<Int>, _ name: [UInt8]) -> Bool {
        guard range.count == name.count else { return false }
        return name.withUnsafeBytes { n in UnsafeRawBufferPointer(rebasing: bytes[range]).elementsEqual(n) }
    }

    /// The text of the bytes in `range`.
    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Reads `count` little-endian integers in one copy.
    mutating func readArray<T: FixedWidthInteger>(_: T.Type, count: Int) -> [T]? {
        let size = MemoryLayout<T>.stride
        guard count >= 0, count <= remaining / size else { return nil }
        let start = position
        let a = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + count * size)]))
            #if !_endian(little)
            for i in 0..<count { buffer[i] = T(littleEndian: buffer[i]) }
            #endif
            initialized = count
        }
        position += count * size
        return a
    }

    mutating func readSketch(_ version: UInt8) -> DistinctSketch? {
        guard let mode = read(UInt8.self) else { return nil }
        switch mode {
        case 0:
            guard let n = readCount(version, unit: 8), let hashes = readArray(UInt64.self, count: n) else { return nil }
            // Keep the invariant the rest of the engine relies on: ascending, non-zero, unique.
            for i in hashes.indices where hashes[i] == 0 || (i > 0 && hashes[i - 1] >= hashes[i]) { return nil }
            return DistinctSketch(hashes: hashes, registers: [])
        case 1:
            guard let r = readArray(UInt8.self, count: HyperLogLog.registerCount) else { return nil }
            for v in r where v > 64 { return nil }
            return DistinctSketch(hashes: [], registers: r)
        default:
            return nil
        }
    }

    mutating func skip(_ count: Int) -> Bool {
        guard count >= 0, count <= remaining else { return false }
        position += count
        return true
    }
}

/// A column read from a section: its id, the byte range of its data, and its kind.
struct StoredColumn {
    var id: UInt32
    var kind: UInt8
    var start: Int
    var length: Int
}
