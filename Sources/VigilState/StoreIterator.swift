internal import CRocksDB

/// An ordered scan over a store's keys within optional bounds; yields `(key, value)` copies.
///
/// Created by `Store.iterator(in:prefix:)` or `Store.iterator(in:from:to:)`. The scan starts at the lower bound;
/// `seek(to:)` repositions it. When `next()` returns nil, call `status()` to tell the end of the range from a read
/// error.
///
/// - Important: owns its `rocksdb_iterator_t` (destroyed in `deinit`) and the read options holding the bound bytes
///   RocksDB points into, and keeps the store (and a lease on its database) alive until it is released, so the
///   database is never closed under it. Not thread-safe: use from one thread.
public final class StoreIterator: Sequence, IteratorProtocol {
    public typealias Element = (key: [UInt8], value: [UInt8])

    private let store: Store
    private let readOptions: ReadOptions
    private let pointer: OpaquePointer
    private let lower: [UInt8]?

    init(store: Store, family: OpaquePointer, lower: [UInt8]?, upper: [UInt8]?) throws(StateError) {
        let readOptions = try ReadOptions(lower: lower, upper: upper)
        let database = store.database
        guard database.acquire() else { throw StateError.closed("iterator", path: database.path) }
        guard let pointer = rocksdb_create_iterator_cf(database.db, readOptions.pointer, family) else {
            database.release()
            throw StateError(code: .other, message: "iterator \(database.path): RocksDB returned no iterator")
        }
        self.store = store
        self.readOptions = readOptions
        self.pointer = pointer
        self.lower = lower
        rocksdb_iter_seek_to_first(pointer)  // honours the lower bound
    }

    deinit {
        rocksdb_iter_destroy(pointer)
        store.database.release()  // may close the database if the store was closed meanwhile
    }

    /// The next entry in key order, or nil at the end of the range (or on an error: see `status()`).
    public func next() -> (key: [UInt8], value: [UInt8])? {
        guard rocksdb_iter_valid(pointer) != 0 else { return nil }
        var keyLength = 0
        var valueLength = 0
        let key = rocksdb_iter_key(pointer, &keyLength)
        let value = rocksdb_iter_value(pointer, &valueLength)
        let entry = (
            key: Array(UnsafeRawBufferPointer(start: key, count: keyLength)),
            value: Array(UnsafeRawBufferPointer(start: value, count: valueLength))
        )
        rocksdb_iter_next(pointer)
        return entry
    }

    /// Positions the iterator at the first key ≥ `key` (clamped to the lower bound).
    public func seek(to key: [UInt8]) {
        let target = lower.map { key.lexicographicallyPrecedes($0) ? $0 : key } ?? key
        target.withUnsafeBytes { rocksdb_iter_seek(pointer, $0.cchars, $0.count) }
    }

    /// Throws the error that ended the iteration early, if any.
    public func status() throws(StateError) {
        var err: UnsafeMutablePointer<CChar>? = nil
        rocksdb_iter_get_error(pointer, &err)
        try StateError.check(err, "iterate", path: store.path)
    }
}
