import VigilCore
import VigilState
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state of one partition task: its keys' feature state, the timers of their open windows, the partition's
/// stream time and the input offset they all cover, in one RocksDB database, with a write-back cache of hot keys.
///
/// Layout (docs/decisions/0002-state-layout.md, 0003-feature-engine.md):
/// `0x00 "offset"` → next input offset (i64 LE); `0x00 "time"` → stream time (i64 LE); `0x00 "stage"` → what the
/// state is keyed by; `0x01 <key utf8>` → `KeyState` encoding; `0x02 <timer, order-preserving i64 BE> <key utf8>` →
/// empty (the timer index of open windows). State mutations, timers, stream time and the offset they reach are
/// written in one `WriteBatch` by `commit` (invariant 2).
///
/// Not thread-safe: owned by one task on one stream thread.
final class PartitionStore {
    static let offsetKey: [UInt8] = [0x00] + Array("offset".utf8)
    static let timeKey: [UInt8] = [0x00] + Array("time".utf8)
    static let fingerprintKey: [UInt8] = [0x00] + Array("stage".utf8)
    static let keyPrefix: UInt8 = 0x01
    static let timerPrefix: UInt8 = 0x02
    /// `0x03 <key utf8>` → the key's latest per-event feature values (`LatestValues`), when `queryable`.
    static let latestPrefix: UInt8 = 0x03

    /// Whether each key's latest per-event feature values are kept (for interactive queries).
    var queryable = false
    /// The latest values of keys applied since the last commit, encoded.
    private var latestDirty: [String: [UInt8]] = [:]

    let store: Store
    let engine: FeatureEngine
    /// Drops idle keys in compactions: their newest event is older than `watermark − retention` and they have no
    /// open window (the `KeyState` header carries both).
    let expiry: ExpiryFilter
    /// Bytes of cached state above which clean entries are dropped after a commit.
    let cacheLimitBytes: Int

    private struct Entry {
        var state: KeyState
        var dirty: Bool
        /// The timer written to the index for this key at the last commit (Int64.max: none).
        var committedTimer: Int64
        /// The size counted in `cachedBytes`.
        var bytes: Int
    }

    private var cache: [StateKey: Entry] = [:]
    private var dirtyKeys: [StateKey] = []
    private var cachedBytes = 0
    private var keyBuffer: [UInt8] = []
    private var valueBuffer: [UInt8] = []
    private let batch = WriteBatch()
    /// The timer index changes of the commit being built: (timer, key, put or delete).
    private var timerChanges: [(timer: Int64, key: StateKey, isPut: Bool)] = []
    private static let empty: [UInt8] = []

    /// The next input offset to process, as committed with the state (nil: the store is new).
    private(set) var committedOffset: Int64?
    /// The partition's stream time (newest applied event time) as committed (Int64.min: none yet).
    private(set) var committedStreamTime: Int64 = .min
    /// Key states written at commits, and their encoded bytes, over the store's life in this process.
    private(set) var keysWritten = 0
    private(set) var bytesWritten = 0

    /// Opens (or creates) the store at `path`. Throws if the directory holds state keyed by something else.
    init(path: String, fingerprint: String, engine: FeatureEngine, options: StoreOptions, cacheLimitBytes: Int) throws {
        var options = options
        let expiry = ExpiryFilter(prefix: Self.keyPrefix)
        options.expiry = expiry
        self.expiry = expiry
        store = try Store(path: path, options: options)
        self.engine = engine
        self.cacheLimitBytes = cacheLimitBytes
        do {
            committedOffset = try Self.readInt64(store, Self.offsetKey, path: path)
            committedStreamTime = try Self.readInt64(store, Self.timeKey, path: path) ?? .min
            let wanted = Array(fingerprint.utf8)
            if let existing = try store.get(Self.fingerprintKey) {
                guard existing == wanted else {
                    throw RuntimeError.incompatibleState(
                        path: path, found: String(decoding: existing, as: UTF8.self), expected: fingerprint)
                }
            } else {
                try store.put(Self.fingerprintKey, wanted)
            }
        } catch {
            store.close()
            throw error
        }
    }

    private static func readInt64(_ store: Store, _ key: [UInt8], path: String) throws -> Int64? {
        guard let bytes = try store.get(key) else { return nil }
        var reader = ByteReader(bytes)
        guard bytes.count == 8, let v = reader.read(Int64.self) else {
            throw RuntimeError.corruptState(path: path, key: String(decoding: key.dropFirst(), as: UTF8.self))
        }
        return v
    }

    /// Reads the state of `key` for update: the closure's changes are kept in the cache and written at the next
    /// commit.
    func withState<R>(of name: String, _ body: (inout KeyState) throws -> R) throws -> R {
        let key = StateKey(name)
        var index = cache.index(forKey: key)
        if index == nil {
            try load(key)
            index = cache.index(forKey: key)
        }
        // One in-place access to the entry: reading it through a getter would copy (and retain) its buffers.
        let (result, wasClean) = try Self.update(&cache.values[index!], body)
        if wasClean { dirtyKeys.append(key) }
        return result
    }

    private func load(_ key: StateKey) throws {
        setKeyBuffer(key.string)
        var state = KeyState()
        var timer = Int64.max
        if let bytes = try store.get(keyBuffer) {
            do {
                state = try KeyState(decoding: bytes, engine: engine)
            } catch {
                throw RuntimeError.corruptState(path: store.path, key: key.string)
            }
            timer = state.nextTimer
        }
        let bytes = Self.cachedSize(key: key.string, state: state)
        cache[key] = Entry(state: state, dirty: false, committedTimer: timer, bytes: bytes)
        cachedBytes += bytes
    }

    private static func update<R>(
        _ entry: inout Entry, _ body: (inout KeyState) throws -> R
    ) throws -> (result: R, wasClean: Bool) {
        let result = try body(&entry.state)
        let wasClean = !entry.dirty
        entry.dirty = true
        return (result, wasClean)
    }

    /// Writes every changed key, the timer index changes, the stream time and the next input offset in one atomic
    /// batch. Keys with nothing left that a future event could see (`FeatureEngine.isExpired`) are deleted.
    ///
    /// The keys go into the batch in key order, then the timer changes in index order: RocksDB's memtable skip list
    /// inserts a key near the previous one cheaply, while a random order recomputes the whole search path for every
    /// key. The order of operations on distinct keys within one batch does not change what the batch writes.
    func commit(nextOffset: Int64, streamTime: Int64, watermark: Int64) throws {
        batch.clear()
        var expired: [StateKey] = []
        timerChanges.removeAll(keepingCapacity: true)
        dirtyKeys.sort()
        for key in dirtyKeys {
            guard let index = cache.index(forKey: key) else { continue }
            setKeyBuffer(key.string)
            // In place (a modify access): reading the entry through a getter would copy and retain its buffers.
            let (isExpired, delta, oldTimer, newTimer) = Self.write(
                &cache.values[index], key: key.string, engine: engine, watermark: watermark, into: &valueBuffer)
            cachedBytes += delta
            if isExpired {
                batch.delete(keyBuffer)
                expired.append(key)
            } else {
                batch.put(keyBuffer, valueBuffer)
                keysWritten += 1
                bytesWritten += valueBuffer.count
            }
            if oldTimer != newTimer {
                if oldTimer != .max { timerChanges.append((oldTimer, key, false)) }
                if newTimer != .max { timerChanges.append((newTimer, key, true)) }
            }
        }
        // In index order too: by timer, then key bytes (the byte order of the index keys).
        timerChanges.sort { $0.timer != $1.timer ? $0.timer < $1.timer : $0.key < $1.key }
        for change in timerChanges {
            setTimerKeyBuffer(change.timer, change.key.string)
            if change.isPut { batch.put(keyBuffer, Self.empty) } else { batch.delete(keyBuffer) }
        }
        if !latestDirty.isEmpty {
            let expiredKeys = Set(expired.map(\.string))
            for (key, bytes) in latestDirty {
                let storeKey = [Self.latestPrefix] + Array(key.utf8)
                if expiredKeys.contains(key) { batch.delete(storeKey) } else { batch.put(storeKey, bytes) }
            }
            latestDirty.removeAll(keepingCapacity: true)
        }
        valueBuffer.removeAll(keepingCapacity: true)
        valueBuffer.appendLittleEndian(streamTime)
        batch.put(Self.timeKey, valueBuffer)
        valueBuffer.removeAll(keepingCapacity: true)
        valueBuffer.appendLittleEndian(nextOffset)
        batch.put(Self.offsetKey, valueBuffer)
        try store.write(batch)
        // Only now are the cached changes durable: a failed write leaves them dirty, for `discardUncommitted`.
        for key in dirtyKeys {
            guard let index = cache.index(forKey: key) else { continue }
            Self.markCommitted(&cache.values[index])
        }
        for key in expired {
            if let entry = cache.removeValue(forKey: key) { cachedBytes -= entry.bytes }
        }
        dirtyKeys.removeAll(keepingCapacity: true)
        committedOffset = nextOffset
        committedStreamTime = streamTime
        if watermark != .min { expiry.advanceCutoff(to: watermark &- engine.retentionMillis) }
        if cachedBytes > cacheLimitBytes {
            cache.removeAll()
            cachedBytes = 0
            StateMemory.releaseFreePages()
        }
    }

    /// Encodes `entry`'s state into `out` unless it has expired, and brings its counted size up to date (here
    /// rather than at every event). Returns whether it expired, the change of its size, and its committed and new
    /// timers.
    private static func write(
        _ entry: inout Entry, key: String, engine: FeatureEngine, watermark: Int64, into out: inout [UInt8]
    ) -> (expired: Bool, delta: Int, oldTimer: Int64, newTimer: Int64) {
        let expired = engine.isExpired(entry.state, watermark: watermark)
        if !expired {
            out.removeAll(keepingCapacity: true)
            entry.state.encode(into: &out)
        }
        let bytes = cachedSize(key: key, state: entry.state)
        let delta = bytes - entry.bytes
        entry.bytes = bytes
        return (expired, delta, entry.committedTimer, entry.state.nextTimer)
    }

    private static func markCommitted(_ entry: inout Entry) {
        entry.dirty = false
        entry.committedTimer = entry.state.nextTimer
    }

    /// Remembers `values` as the latest per-event features of `key` (at event time `timestamp`), written at the next
    /// commit.
    func recordLatest(key: String, timestamp: Int64, values: [FeatureValue]) {
        latestDirty[key] = LatestValues.encode(timestamp: timestamp, values: values)
    }

    /// Drops uncommitted changes (after a failed flush, the batch is reprocessed from the committed offset).
    func discardUncommitted() {
        for key in dirtyKeys {
            if let entry = cache.removeValue(forKey: key) { cachedBytes -= entry.bytes }
        }
        dirtyKeys.removeAll()
        latestDirty.removeAll()
    }

    /// The committed timer index: every (timer, key) of an open window, in timer order.
    func committedTimers() throws -> [(timer: Int64, key: String)] {
        var result: [(Int64, String)] = []
        let iterator = try store.iterator(prefix: [Self.timerPrefix])
        for (k, _) in iterator {
            guard k.count >= 9 else { throw RuntimeError.corruptState(path: store.path, key: "(timer index)") }
            var bits: UInt64 = 0
            for i in 1..<9 { bits = bits << 8 | UInt64(k[i]) }
            let timer = Int64(bitPattern: bits ^ (1 << 63))
            result.append((timer, String(decoding: k[9...], as: UTF8.self)))
        }
        try iterator.status()
        return result
    }

    /// Every committed key state, in key order (inspection and tests).
    func allCommittedStates() throws -> [(key: String, state: KeyState)] {
        var result: [(String, KeyState)] = []
        let iterator = try store.iterator(prefix: [Self.keyPrefix])
        for (k, v) in iterator {
            let key = String(decoding: k.dropFirst(), as: UTF8.self)
            do {
                result.append((key, try KeyState(decoding: v, engine: engine)))
            } catch {
                throw RuntimeError.corruptState(path: store.path, key: key)
            }
        }
        try iterator.status()
        return result
    }

    /// Compacts the whole store (idle keys past the expiry cutoff are dropped on the way).
    func compact() throws {
        try store.compactRange(from: nil, to: nil)
    }

    func close() {
        store.close()
    }

    /// What a cached key costs in memory. `KeyState.approximateBytes` counts its columns' elements; the heap holds
    /// about 1.8 times that (array capacity beyond count, array headers, malloc rounding: 113 MiB of resident memory
    /// for 64 MiB of approximate bytes over 17k flagship card states, measured), plus the dictionary entry and key.
    static func cachedSize(key: String, state: KeyState) -> Int {
        160 + key.utf8.count + 2 * state.approximateBytes
    }

    private func setKeyBuffer(_ key: String) {
        keyBuffer.removeAll(keepingCapacity: true)
        keyBuffer.append(Self.keyPrefix)
        keyBuffer.append(contentsOf: key.utf8)
    }

    private func setTimerKeyBuffer(_ timer: Int64, _ key: String) {
        keyBuffer.removeAll(keepingCapacity: true)
        keyBuffer.append(Self.timerPrefix)
        keyBuffer.appendBigEndian(UInt64(bitPattern: timer) ^ (1 << 63))
        keyBuffer.append(contentsOf: key.utf8)
    }

    /// `0x02`, the timer as a big-endian integer whose byte order is its numeric order, then the key.
    static func timerKey(_ timer: Int64, _ key: String) -> [UInt8] {
        var bytes: [UInt8] = [timerPrefix]
        bytes.appendBigEndian(UInt64(bitPattern: timer) ^ (1 << 63))
        bytes.append(contentsOf: key.utf8)
        return bytes
    }
}

/// A state key as RocksDB sees it: two keys are equal when their UTF-8 bytes are. (Swift's `String ==` compares by
/// Unicode canonical equivalence — "é" equals "e\u{301}" — which would let two different RocksDB keys share one
/// cached state.) Ordered by bytes, as RocksDB orders them.
///
/// Compared, hashed and ordered through the string's contiguous UTF-8 storage (`memcmp`), not element by element
/// through `String.UTF8View`: these run for every event (cache lookups) and every changed key at commit (sorting).
/// The first 8 bytes, kept as a big-endian integer, decide most comparisons without touching the string.
struct StateKey: Hashable, Comparable {
    let string: String
    /// The first 8 UTF-8 bytes as a big-endian integer, zero-padded: ordering these orders the keys' first 8 bytes.
    let prefix: UInt64

    init(_ string: String) {
        var s = string
        s.makeContiguousUTF8()
        self.string = s
        prefix = s.utf8.withContiguousStorageIfAvailable { Self.prefix(of: UnsafeRawBufferPointer($0)) }
            ?? Array(s.utf8).withUnsafeBytes { Self.prefix(of: $0) }
    }

    @inline(__always)
    private static func prefix(of bytes: UnsafeRawBufferPointer) -> UInt64 {
        var p: UInt64 = 0
        for i in 0..<8 { p = p << 8 | UInt64(i < bytes.count ? bytes[i] : 0) }
        return p
    }

    /// Runs `body` over the key's UTF-8 bytes, borrowed (no copy unless the storage is not contiguous).
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        if let r = string.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
        return Array(string.utf8).withUnsafeBytes(body)
    }

    static func == (a: StateKey, b: StateKey) -> Bool {
        guard a.prefix == b.prefix else { return false }
        return a.withBytes { x in
            b.withBytes { y in
                x.count == y.count && (x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0)
            }
        }
    }

    func hash(into hasher: inout Hasher) {
        withBytes { hasher.combine(bytes: $0) }
    }

    static func < (a: StateKey, b: StateKey) -> Bool {
        // Different prefixes differ within the first 8 bytes (a shorter key's padding is 0, below any byte but 0).
        if a.prefix != b.prefix { return a.prefix < b.prefix }
        return a.withBytes { x in
            b.withBytes { y in
                let n = Swift.min(x.count, y.count)
                if n > 0 {
                    let c = memcmp(x.baseAddress!, y.baseAddress!, n)
                    if c != 0 { return c < 0 }
                }
                return x.count < y.count
            }
        }
    }
}
