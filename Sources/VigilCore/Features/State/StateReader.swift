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

    mutating func readSketch() -> DistinctSketch? {
        guard let mode = read(UInt8.self) else { return nil }
        switch mode {
        case 0:
            guard let n = read(UInt32.self), let hashes = readArray(UInt64.self, count: Int(n)) else { return nil }
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

/// A column read from a section: the byte ranges of its name and data, and its kind.
struct StoredColumn {
    var name: Range<Int>
    var kind: UInt8
    var start: Int
    var length: Int
}
