/// The state one key keeps for its trailing windows: the recent events' timestamps and values, in event-time order.
///
/// Entries are kept sorted by timestamp; an event whose timestamp equals existing entries goes after them, so ties
/// keep input-log order. Entries older than the retention (longest window + grace) behind the newest timestamp seen
/// are dropped, which bounds the state of a key.
public struct KeyWindowState: Sendable, Equatable {
    /// Timestamps (epoch ms) of retained events, non-decreasing.
    public private(set) var timestamps: [Int64]
    /// Values (fixed-point units) of retained events, parallel to `timestamps`.
    public private(set) var values: [Int64]
    /// The newest event timestamp this key has seen (`Int64.min` when none).
    public private(set) var maxTimestamp: Int64
    /// How many events this key has seen in total (never pruned): handy to audit exactly-once counting.
    public private(set) var eventCount: Int64

    /// An empty state: a key with no history.
    public init() {
        timestamps = []
        values = []
        maxTimestamp = .min
        eventCount = 0
    }

    /// The number of retained entries.
    @inlinable
    public var count: Int { timestamps.count }

    /// Index of the first entry whose timestamp is greater than `t` (entries are sorted).
    @inlinable
    func firstIndex(after t: Int64) -> Int {
        var lo = 0
        var hi = timestamps.count
        while lo < hi {
            let mid = (lo &+ hi) >> 1
            if timestamps[mid] <= t { lo = mid &+ 1 } else { hi = mid }
        }
        return lo
    }

    /// Count and sum of the entries with timestamp in `(lower, upper]`.
    @inlinable
    public func aggregate(after lower: Int64, upTo upper: Int64) -> (count: Int64, sum: Int64) {
        let start = firstIndex(after: lower)
        let end = firstIndex(after: upper)
        guard start < end else { return (0, 0) }
        var sum: Int64 = 0
        for i in start..<end { sum &+= values[i] }
        return (Int64(end - start), sum)
    }

    /// Adds an event after every retained entry with the same or an earlier timestamp, then drops entries at or
    /// before `newest − retention`.
    public mutating func insert(timestamp: Int64, value: Int64, retentionMillis: Int64) {
        let position = firstIndex(after: timestamp)
        if position == timestamps.count {
            timestamps.append(timestamp)
            values.append(value)
        } else {
            timestamps.insert(timestamp, at: position)
            values.insert(value, at: position)
        }
        eventCount &+= 1
        if timestamp > maxTimestamp { maxTimestamp = timestamp }
        let horizon = maxTimestamp &- retentionMillis
        let expired = firstIndex(after: horizon)
        if expired > 0 {
            timestamps.removeFirst(expired)
            values.removeFirst(expired)
        }
    }
}

// MARK: - Encoding

extension KeyWindowState {
    /// Format version of the encoding below; bump it when the layout changes.
    static let formatVersion: UInt8 = 1
    static let headerSize = 21

    /// Appends the state's binary encoding: `[version u8][maxTimestamp i64][eventCount i64][n u32]`, then the n
    /// timestamps, then the n values (i64 each), all little-endian. Columns, so both arrays copy in bulk.
    public func encode(into buffer: inout [UInt8]) {
        buffer.reserveCapacity(buffer.count + Self.headerSize + 16 * timestamps.count)
        buffer.append(Self.formatVersion)
        buffer.appendLittleEndian(UInt64(bitPattern: maxTimestamp))
        buffer.appendLittleEndian(UInt64(bitPattern: eventCount))
        buffer.appendLittleEndian(UInt32(timestamps.count))
        Self.appendColumn(timestamps, to: &buffer)
        Self.appendColumn(values, to: &buffer)
    }

    /// Decodes a state written by `encode(into:)`; nil if the bytes are not such an encoding.
    public init?(decoding bytes: [UInt8]) {
        guard bytes.count >= Self.headerSize, bytes[0] == Self.formatVersion else { return nil }
        var reader = LittleEndianReader(bytes: bytes, position: 1)
        let maxTs = Int64(bitPattern: reader.readUInt64())
        let total = Int64(bitPattern: reader.readUInt64())
        let n = Int(reader.readUInt32())
        guard bytes.count == Self.headerSize + 16 * n else { return nil }
        self.timestamps = Self.readColumn(bytes, at: Self.headerSize, count: n)
        self.values = Self.readColumn(bytes, at: Self.headerSize + 8 * n, count: n)
        self.maxTimestamp = maxTs
        self.eventCount = total
    }

    private static func appendColumn(_ column: [Int64], to buffer: inout [UInt8]) {
        #if _endian(little)
        column.withUnsafeBytes { buffer.append(contentsOf: $0) }
        #else
        for v in column { buffer.appendLittleEndian(UInt64(bitPattern: v)) }
        #endif
    }

    private static func readColumn(_ bytes: [UInt8], at offset: Int, count: Int) -> [Int64] {
        [Int64](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { raw in
                for i in 0..<count {
                    out[i] = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8 * i, as: Int64.self))
                }
            }
            initialized = count
        }
    }
}

extension [UInt8] {
    /// Appends `value` as little-endian bytes.
    @inlinable
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }

    /// Appends `value` as big-endian bytes (sortable keys).
    @inlinable
    public mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        var v = value.bigEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}

/// Reads little-endian integers from a byte array whose length the caller has checked.
struct LittleEndianReader {
    let bytes: [UInt8]
    var position: Int

    mutating func readUInt64() -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[position + i]) << (8 * UInt64(i)) }
        position += 8
        return v
    }

    mutating func readUInt32() -> UInt32 {
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[position + i]) << (8 * UInt32(i)) }
        position += 4
        return v
    }
}
