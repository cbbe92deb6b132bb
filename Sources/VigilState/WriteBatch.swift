internal import CRocksDB

/// Operations collected to be applied atomically by `Store.write(_:)`; reusable after `clear()`.
///
/// Operations on a column family check that its store is open at the time they are added (the C batch reads the
/// handle); if it is not, or column families of two stores are mixed, the batch is marked invalid and
/// `Store.write` throws (`.closed` / `.invalidArgument`) instead of writing part of it.
///
/// - Important: owns its `rocksdb_writebatch_t`, destroyed in `deinit`. Not thread-safe: use from one thread.
public final class WriteBatch {
    let pointer: OpaquePointer
    /// The database whose column-family handles the batch refers to (nil: default family only).
    private(set) var boundDatabase: Database?
    /// Why the batch must not be written, if it must not.
    private(set) var invalid: StateError?

    /// An empty batch.
    public init() {
        pointer = rocksdb_writebatch_create()  // `new`: never null
    }

    deinit { rocksdb_writebatch_destroy(pointer) }

    /// Number of operations in the batch.
    public var count: Int { Int(rocksdb_writebatch_count(pointer)) }

    /// Removes every operation (and any invalid mark), keeping the allocated memory.
    public func clear() {
        rocksdb_writebatch_clear(pointer)
        boundDatabase = nil
        invalid = nil
    }

    /// Sets `key` to `value`.
    public func put(_ key: [UInt8], _ value: [UInt8], in cf: ColumnFamily? = nil) {
        putBytes(key, value, cf)
    }

    /// Sets `key` to `value` (slices and borrowed buffers; the batch copies the bytes).
    public func put(_ key: some StateBytes, _ value: some StateBytes, in cf: ColumnFamily? = nil) {
        putBytes(key, value, cf)
    }

    /// Removes `key`.
    public func delete(_ key: [UInt8], in cf: ColumnFamily? = nil) {
        deleteBytes(key, cf)
    }

    /// Removes `key`.
    public func delete(_ key: some StateBytes, in cf: ColumnFamily? = nil) {
        deleteBytes(key, cf)
    }

    /// Queues a merge operand for `key`.
    public func merge(_ key: [UInt8], _ value: [UInt8], in cf: ColumnFamily? = nil) {
        mergeBytes(key, value, cf)
    }

    /// Queues a merge operand for `key`.
    public func merge(_ key: some StateBytes, _ value: some StateBytes, in cf: ColumnFamily? = nil) {
        mergeBytes(key, value, cf)
    }

    /// Removes every key in `[from, to)`.
    public func deleteRange(from: [UInt8], to: [UInt8], in cf: ColumnFamily? = nil) {
        from.withUnsafeBytes { from in
            to.withUnsafeBytes { to in
                withFamily(cf) { family in
                    if let family {
                        rocksdb_writebatch_delete_range_cf(
                            pointer, family, from.cchars, from.count, to.cchars, to.count)
                    } else {
                        rocksdb_writebatch_delete_range(pointer, from.cchars, from.count, to.cchars, to.count)
                    }
                }
            }
        }
    }

    @inline(__always)
    private func putBytes(_ key: some StateBytes, _ value: some StateBytes, _ cf: ColumnFamily?) {
        key.withStateBytes { key in
            value.withStateBytes { value in
                withFamily(cf) { family in
                    if let family {
                        rocksdb_writebatch_put_cf(pointer, family, key.cchars, key.count, value.cchars, value.count)
                    } else {
                        rocksdb_writebatch_put(pointer, key.cchars, key.count, value.cchars, value.count)
                    }
                }
            }
        }
    }

    @inline(__always)
    private func mergeBytes(_ key: some StateBytes, _ value: some StateBytes, _ cf: ColumnFamily?) {
        key.withStateBytes { key in
            value.withStateBytes { value in
                withFamily(cf) { family in
                    if let family {
                        rocksdb_writebatch_merge_cf(pointer, family, key.cchars, key.count, value.cchars, value.count)
                    } else {
                        rocksdb_writebatch_merge(pointer, key.cchars, key.count, value.cchars, value.count)
                    }
                }
            }
        }
    }

    @inline(__always)
    private func deleteBytes(_ key: some StateBytes, _ cf: ColumnFamily?) {
        key.withStateBytes { key in
            withFamily(cf) { family in
                if let family {
                    rocksdb_writebatch_delete_cf(pointer, family, key.cchars, key.count)
                } else {
                    rocksdb_writebatch_delete(pointer, key.cchars, key.count)
                }
            }
        }
    }

    /// Runs `body` with nil for the default family, or with `cf`'s handle while holding a lease on its database;
    /// marks the batch invalid (and skips `body`) if that database is closed or differs from earlier operations'.
    @inline(__always)
    private func withFamily(_ cf: ColumnFamily?, _ body: (OpaquePointer?) -> Void) {
        guard invalid == nil else { return }
        guard let cf else { return body(nil) }
        if let bound = boundDatabase, bound !== cf.database {
            invalid = StateError(
                code: .invalidArgument,
                message: "the batch mixes column families of the stores at \(bound.path) and \(cf.database.path)")
            return
        }
        guard cf.database.acquire() else {
            invalid = StateError(
                code: .closed, message: "column family '\(cf.name)' of \(cf.database.path) was used after close")
            return
        }
        defer { cf.database.release() }
        boundDatabase = cf.database
        body(cf.handle)
    }
}
