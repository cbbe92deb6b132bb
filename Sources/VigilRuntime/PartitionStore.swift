import VigilCore
import VigilState

/// The state of one partition task: its keys' window states and the input offset they cover, in one RocksDB
/// database, with a write-back cache of hot keys.
///
/// Layout (docs/decisions/0002-state-layout.md): `0x00 "offset"` → next input offset (i64 LE);
/// `0x00 "stage"` → the stage fingerprint; `0x01 <key utf8>` → `KeyWindowState` encoding. State mutations and the
/// offset they reach are written in one `WriteBatch` by `commit(nextOffset:)` (invariant 2).
///
/// Not thread-safe: owned by one task on one stream thread.
final class PartitionStore {
    static let offsetKey: [UInt8] = [0x00] + Array("offset".utf8)
    static let fingerprintKey: [UInt8] = [0x00] + Array("stage".utf8)
    static let keyPrefix: UInt8 = 0x01

    let store: Store
    /// Bytes of cached state above which clean entries are dropped after a commit.
    let cacheLimitBytes: Int

    private struct Entry {
        var state: KeyWindowState
        var dirty: Bool
    }

    private var cache: [String: Entry] = [:]
    private var dirtyKeys: [String] = []
    private var cachedBytes = 0
    private var keyBuffer: [UInt8] = []
    private var valueBuffer: [UInt8] = []
    private let batch = WriteBatch()

    /// The next input offset to process, as committed with the state (nil: the store is new).
    private(set) var committedOffset: Int64?

    /// Opens (or creates) the store at `path`. Throws if the directory holds state of a different stage definition.
    init(path: String, fingerprint: String, options: StoreOptions, cacheLimitBytes: Int) throws {
        store = try Store(path: path, options: options)
        self.cacheLimitBytes = cacheLimitBytes
        if let bytes = try store.get(Self.offsetKey) {
            guard bytes.count == 8 else {
                store.close()
                throw RuntimeError.corruptState(path: path, key: "(stored offset)")
            }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[i]) << (8 * UInt64(i)) }
            committedOffset = Int64(bitPattern: v)
        }
        let wanted = Array(fingerprint.utf8)
        if let existing = try store.get(Self.fingerprintKey) {
            guard existing == wanted else {
                store.close()
                throw RuntimeError.incompatibleState(
                    path: path, found: String(decoding: existing, as: UTF8.self), expected: fingerprint)
            }
        } else {
            try store.put(Self.fingerprintKey, wanted)
        }
    }

    /// Reads the state of `key` for update: the returned closure's changes are kept in the cache and written at the
    /// next commit.
    func withState<R>(of key: String, _ body: (inout KeyWindowState) -> R) throws -> R {
        var index = cache.index(forKey: key)
        if index == nil {
            keyBuffer.removeAll(keepingCapacity: true)
            keyBuffer.append(Self.keyPrefix)
            keyBuffer.append(contentsOf: key.utf8)
            var state = KeyWindowState()
            if let bytes = try store.get(keyBuffer) {
                guard let decoded = KeyWindowState(decoding: bytes) else {
                    throw RuntimeError.corruptState(path: store.path, key: key)
                }
                state = decoded
            }
            cache[key] = Entry(state: state, dirty: false)
            cachedBytes += Self.approximateSize(key: key, state: state)
            index = cache.index(forKey: key)
        }
        // One in-place access to the entry: reading it through a getter would copy (and retain) its arrays.
        let (result, grown, wasClean) = Self.update(&cache.values[index!], body)
        cachedBytes += grown * 16
        if wasClean { dirtyKeys.append(key) }
        return result
    }

    private static func update<R>(
        _ entry: inout Entry, _ body: (inout KeyWindowState) -> R
    ) -> (result: R, grown: Int, wasClean: Bool) {
        let before = entry.state.count
        let result = body(&entry.state)
        let wasClean = !entry.dirty
        entry.dirty = true
        return (result, entry.state.count - before, wasClean)
    }

    /// Writes every changed key and the next input offset in one atomic batch.
    func commit(nextOffset: Int64) throws {
        batch.clear()
        for key in dirtyKeys {
            guard let index = cache.index(forKey: key) else { continue }
            keyBuffer.removeAll(keepingCapacity: true)
            keyBuffer.append(Self.keyPrefix)
            keyBuffer.append(contentsOf: key.utf8)
            valueBuffer.removeAll(keepingCapacity: true)
            cache.values[index].state.encode(into: &valueBuffer)
            batch.put(keyBuffer, valueBuffer)
        }
        valueBuffer.removeAll(keepingCapacity: true)
        valueBuffer.appendLittleEndian(UInt64(bitPattern: nextOffset))
        batch.put(Self.offsetKey, valueBuffer)
        try store.write(batch)
        // Only now are the cached changes durable: a failed write leaves them dirty, for `discardUncommitted`.
        for key in dirtyKeys {
            if let index = cache.index(forKey: key) { cache.values[index].dirty = false }
        }
        dirtyKeys.removeAll(keepingCapacity: true)
        committedOffset = nextOffset
        if cachedBytes > cacheLimitBytes {
            cache.removeAll(keepingCapacity: true)
            cachedBytes = 0
        }
    }

    /// Drops uncommitted changes (after a failed flush, the batch is reprocessed from the committed offset).
    func discardUncommitted() {
        for key in dirtyKeys { cache[key] = nil }
        dirtyKeys.removeAll()
        cachedBytes = cache.reduce(0) { $0 + Self.approximateSize(key: $1.key, state: $1.value.state) }
    }

    /// Every committed key state, in key order (inspection and tests).
    func allCommittedStates() throws -> [(key: String, state: KeyWindowState)] {
        var result: [(String, KeyWindowState)] = []
        let iterator = try store.iterator(prefix: [Self.keyPrefix])
        for (k, v) in iterator {
            guard let state = KeyWindowState(decoding: v) else {
                throw RuntimeError.corruptState(path: store.path, key: String(decoding: k.dropFirst(), as: UTF8.self))
            }
            result.append((String(decoding: k.dropFirst(), as: UTF8.self), state))
        }
        try iterator.status()
        return result
    }

    func close() {
        store.close()
    }

    private static func approximateSize(key: String, state: KeyWindowState) -> Int {
        96 + key.utf8.count + 16 * state.count
    }
}
