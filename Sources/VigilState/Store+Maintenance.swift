internal import CRocksDB

extension Store {
    /// Compacts the keys in `[from, to)` of `cf` (nil bounds: from the first / to the last key) down to the last
    /// level, waiting for completion. Memtables overlapping the range are flushed first, and the store's
    /// `ExpiryFilter` (if any) drops expired entries on the way, including in the last level.
    ///
    /// Compaction works on whole files, so entries just outside the range may be rewritten (and expired) too.
    public func compactRange(from: [UInt8]?, to: [UInt8]?, in cf: ColumnFamily? = nil) throws(StateError) {
        let family = try handle(cf, "compactRange")
        try database.withLease("compactRange") { () throws(StateError) in
            // RocksDB reads a NULL bound as unbounded; an empty lower bound means the same, and an empty upper bound
            // is an empty range.
            if let to, to.isEmpty { return }
            withOptionalBytes(from) { start in
                withOptionalBytes(to) { limit in
                    rocksdb_compact_range_cf(
                        database.db, family, start?.cchars, start?.count ?? 0, limit?.cchars, limit?.count ?? 0)
                }
            }
        }
    }

    /// A RocksDB property of `cf` as text (e.g. `"rocksdb.stats"`, `"rocksdb.estimate-num-keys"`), or nil if the
    /// name is unknown, the store is closed or `cf` belongs to another store.
    public func property(_ name: String, in cf: ColumnFamily? = nil) -> String? {
        guard let family = try? handle(cf, "property"), database.acquire() else { return nil }
        defer { database.release() }
        guard let value = rocksdb_property_value_cf(database.db, family, name) else { return nil }
        defer { rocksdb_free(value) }
        return String(cString: value)
    }

    /// An integer RocksDB property of `cf` (e.g. `"rocksdb.estimate-live-data-size"`,
    /// `"rocksdb.total-sst-files-size"`, `"rocksdb.estimate-num-keys"`, `"rocksdb.cur-size-all-mem-tables"`), or nil
    /// if the name is unknown or not an integer property, the store is closed or `cf` belongs to another store.
    public func intProperty(_ name: String, in cf: ColumnFamily? = nil) -> Int? {
        guard let family = try? handle(cf, "property"), database.acquire() else { return nil }
        defer { database.release() }
        return database.intProperty(name, family: family)
    }

    /// The sum of an integer property over every column family, or nil if the store is closed or the property is
    /// unknown.
    public func intPropertyTotal(_ name: String) -> Int? {
        guard database.acquire() else { return nil }
        defer { database.release() }
        var total = 0
        for family in database.familyHandles {
            guard let value = database.intProperty(name, family: family) else { return nil }
            total &+= value
        }
        return total
    }

    /// Bytes of the store's SST files on disk, all column families (`rocksdb.total-sst-files-size`, which includes
    /// files still held by open iterators). The WAL, MANIFEST and OPTIONS files are not counted, nor are memtables
    /// not flushed yet. nil if the store is closed.
    public var approximateDiskBytes: Int? { intPropertyTotal("rocksdb.total-sst-files-size") }
}

/// Calls `body` with the bytes of `bytes`, or with nil when it is nil.
private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
