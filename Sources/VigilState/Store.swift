internal import CRocksDB

/// A RocksDB database: point reads and writes, atomic batches, ordered iteration, column families, checkpoints.
///
/// Thread-safety: `@unchecked Sendable` because RocksDB's `DB` is thread-safe and everything else the store holds
/// (column-family handles, one shared read-options and one write-options object that RocksDB only reads) is
/// immutable after `init`. `close()` may be called from any thread at any time: calls take an atomic lease on the
/// database, a closed store refuses new leases (`StateError.closed`), and the C objects are released only when
/// the last lease is returned — so `close()` never frees anything under a running call.
///
/// - Important: owns the database (through an internal `Database`): column-family handles are destroyed before
///   `rocksdb_close`. Iterators hold the store strongly and keep the database open until they are released; if one
///   is alive when `close()` is called, the files (and the directory lock) are released when it is deinitialised.
public final class Store: @unchecked Sendable {
    let database: Database
    private let families: [String: ColumnFamily]

    /// Opens the database at `path`, with every column family it already has plus `columnFamilies` (created if
    /// missing).
    ///
    /// Throws a `StateError` carrying RocksDB's message, e.g. `.busy` if the database is already open (in this or
    /// another process), `.io` if `path` is a regular file.
    public init(path: String, options: StoreOptions = .init(), columnFamilies: [String] = []) throws(StateError) {
        let database = try Database(path: path, options: options, requested: columnFamilies)
        self.database = database
        var families: [String: ColumnFamily] = [:]
        for (name, handle) in zip(database.familyNames, database.familyHandles) {
            families[name] = ColumnFamily(name: name, handle: handle, database: database)
        }
        self.families = families
    }

    deinit { database.close() }

    /// The database directory.
    public var path: String { database.path }

    /// Names of the open column families, `"default"` first.
    public var columnFamilyNames: [String] { database.familyNames }

    /// Whether `close()` has been called.
    public var isClosed: Bool { database.isClosed }

    /// The open column family called `name` (`"default"` included). Unknown names throw `.unknownColumnFamily`.
    public func columnFamily(_ name: String) throws(StateError) -> ColumnFamily {
        guard !database.isClosed else { throw StateError.closed("columnFamily", path: path) }
        guard let family = families[name] else {
            throw StateError(
                code: .unknownColumnFamily,
                message: "columnFamily \(path): no column family named '\(name)' (open: \(database.familyNames))")
        }
        return family
    }

    /// The C handle for `cf` (the default family for nil), after checking it belongs to this store.
    @inline(__always)
    func handle(_ cf: ColumnFamily?, _ operation: StaticString) throws(StateError) -> OpaquePointer {
        guard let cf else { return database.defaultFamily }
        guard cf.database === database else {
            throw StateError(
                code: .invalidArgument,
                message: "\(operation) \(path): column family '\(cf.name)' belongs to the store at \(cf.database.path)")
        }
        return cf.handle
    }

    // MARK: Reads

    /// The value of `key`, or nil if absent.
    public func get(_ key: [UInt8], in cf: ColumnFamily? = nil) throws(StateError) -> [UInt8]? {
        try read(key, cf) { $0.map(Array.init) }
    }

    /// The value of `key`, or nil if absent (slices and borrowed buffers, without copying the key).
    public func get(_ key: some StateBytes, in cf: ColumnFamily? = nil) throws(StateError) -> [UInt8]? {
        try read(key, cf) { $0.map(Array.init) }
    }

    /// Reads `key` into `buffer` (replacing its contents, reusing its capacity). Returns false if absent.
    public func get(
        _ key: some StateBytes, into buffer: inout [UInt8], in cf: ColumnFamily? = nil
    ) throws(StateError) -> Bool {
        try read(key, cf) { value in
            buffer.removeAll(keepingCapacity: true)
            guard let value else { return false }
            buffer.append(contentsOf: value)
            return true
        }
    }

    /// Calls `body` with the value of `key` pinned in RocksDB's memory (nil if absent), without copying it.
    /// The buffer is valid only during the call.
    public func withValue<R>(
        of key: some StateBytes, in cf: ColumnFamily? = nil, _ body: (UnsafeRawBufferPointer?) -> R
    ) throws(StateError) -> R {
        try read(key, cf, body)
    }

    /// A pinned point read under a lease (rocksdb_get_pinned: no malloc'ed copy of the value).
    @inline(__always)
    private func read<R>(
        _ key: some StateBytes, _ cf: ColumnFamily?, _ body: (UnsafeRawBufferPointer?) -> R
    ) throws(StateError) -> R {
        let family = try handle(cf, "get")
        return try database.withLease("get") { () throws(StateError) -> R in
            var err: UnsafeMutablePointer<CChar>? = nil
            let slice = key.withStateBytes { key in
                rocksdb_get_pinned_cf(
                    database.db, database.readOptions.pointer, family, key.cchars, key.count, &err)
            }
            try StateError.check(err, "get", path: path)
            guard let slice else { return body(nil) }
            defer { rocksdb_pinnableslice_destroy(slice) }
            var length = 0
            let value = rocksdb_pinnableslice_value(slice, &length)
            return body(UnsafeRawBufferPointer(start: value, count: length))
        }
    }

    // MARK: Writes

    /// Sets `key` to `value`.
    public func put(_ key: [UInt8], _ value: [UInt8], in cf: ColumnFamily? = nil) throws(StateError) {
        try write("put", key, value, cf, rocksdb_put_cf)
    }

    /// Sets `key` to `value` (slices and borrowed buffers, without copying).
    public func put(_ key: some StateBytes, _ value: some StateBytes, in cf: ColumnFamily? = nil) throws(StateError) {
        try write("put", key, value, cf, rocksdb_put_cf)
    }

    /// Removes `key` (no error if absent).
    public func delete(_ key: [UInt8], in cf: ColumnFamily? = nil) throws(StateError) {
        try remove(key, cf)
    }

    /// Removes `key` (no error if absent).
    public func delete(_ key: some StateBytes, in cf: ColumnFamily? = nil) throws(StateError) {
        try remove(key, cf)
    }

    @inline(__always)
    private func remove(_ key: some StateBytes, _ cf: ColumnFamily?) throws(StateError) {
        let family = try handle(cf, "delete")
        try database.withLease("delete") { () throws(StateError) in
            var err: UnsafeMutablePointer<CChar>? = nil
            key.withStateBytes { key in
                rocksdb_delete_cf(database.db, database.writeOptions.pointer, family, key.cchars, key.count, &err)
            }
            try StateError.check(err, "delete", path: path)
        }
    }

    /// Queues `value` as a merge operand of `key`, combined by `StoreOptions.mergeOperator`.
    public func merge(_ key: [UInt8], _ value: [UInt8], in cf: ColumnFamily? = nil) throws(StateError) {
        try write("merge", key, value, cf, rocksdb_merge_cf)
    }

    /// Queues `value` as a merge operand of `key`, combined by `StoreOptions.mergeOperator`.
    public func merge(_ key: some StateBytes, _ value: some StateBytes, in cf: ColumnFamily? = nil) throws(StateError) {
        try write("merge", key, value, cf, rocksdb_merge_cf)
    }

    /// Removes every key in `[from, to)`.
    public func deleteRange(from: [UInt8], to: [UInt8], in cf: ColumnFamily? = nil) throws(StateError) {
        try write("deleteRange", from, to, cf, rocksdb_delete_range_cf)
    }

    /// Applies every operation of `batch` atomically.
    public func write(_ batch: WriteBatch) throws(StateError) {
        if let error = batch.invalid {
            throw StateError(code: error.code, message: "write \(path): \(error.message)")
        }
        if let bound = batch.boundDatabase, bound !== database {
            throw StateError(
                code: .invalidArgument,
                message: "write \(path): the batch uses column families of the store at \(bound.path)")
        }
        try database.withLease("write") { () throws(StateError) in
            var err: UnsafeMutablePointer<CChar>? = nil
            rocksdb_write(database.db, database.writeOptions.pointer, batch.pointer, &err)
            try StateError.check(err, "write", path: path)
        }
    }

    private typealias KeyValueWrite = (
        OpaquePointer?, OpaquePointer?, OpaquePointer?, UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, Int,
        UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> Void

    @inline(__always)
    private func write(
        _ operation: StaticString, _ key: some StateBytes, _ value: some StateBytes, _ cf: ColumnFamily?,
        _ call: KeyValueWrite
    ) throws(StateError) {
        let family = try handle(cf, operation)
        try database.withLease(operation) { () throws(StateError) in
            var err: UnsafeMutablePointer<CChar>? = nil
            key.withStateBytes { key in
                value.withStateBytes { value in
                    call(
                        database.db, database.writeOptions.pointer, family, key.cchars, key.count, value.cchars,
                        value.count, &err)
                }
            }
            try StateError.check(err, operation, path: path)
        }
    }

    // MARK: Iteration

    /// Iterates, in key order, over exactly the keys that start with `prefix`.
    public func iterator(in cf: ColumnFamily? = nil, prefix: [UInt8]) throws(StateError) -> StoreIterator {
        try iterator(in: cf, from: prefix, to: Self.prefixSuccessor(prefix))
    }

    /// Iterates, in key order, over the keys in `[lower, upper)` (nil: unbounded on that side).
    public func iterator(
        in cf: ColumnFamily? = nil, from lower: [UInt8]?, to upper: [UInt8]?
    ) throws(StateError) -> StoreIterator {
        let family = try handle(cf, "iterator")
        return try StoreIterator(store: self, family: family, lower: lower, upper: upper)
    }

    /// The smallest key greater than every key starting with `prefix`, or nil if there is none (empty or all-0xFF
    /// prefix: every key ≥ the prefix starts with it).
    static func prefixSuccessor(_ prefix: [UInt8]) -> [UInt8]? {
        var bound = prefix
        while let last = bound.last, last == 0xFF { bound.removeLast() }
        guard !bound.isEmpty else { return nil }
        bound[bound.count - 1] += 1
        return bound
    }

    // MARK: Maintenance

    /// Flushes the memtables of every column family to SST files, waiting for completion.
    public func flush() throws(StateError) {
        try database.withLease("flush") { () throws(StateError) in
            let options = try FlushOptions()
            for family in database.familyHandles {
                var err: UnsafeMutablePointer<CChar>? = nil
                rocksdb_flush_cf(database.db, options.pointer, family, &err)
                try StateError.check(err, "flush", path: path)
            }
        }
    }

    /// Writes a consistent, openable copy of the database to `path` (a directory that must not exist yet; SST files
    /// are hard-linked when on the same file system).
    public func checkpoint(to path: String) throws(StateError) {
        try database.withLease("checkpoint") { () throws(StateError) in
            let checkpoint = try Checkpoint(database: database)
            try checkpoint.create(at: path)
        }
    }

    /// Approximate bytes used by memtables, table readers and the block cache, or nil if unavailable.
    /// An integer property of the database (RocksDB's `rocksdb_property_int`), e.g.
    /// `rocksdb.estimate-live-data-size`, `rocksdb.cur-size-all-mem-tables`, `rocksdb.total-sst-files-size`; nil
    /// when unknown or the store is closed. Thread-safe.
    public func integerProperty(_ name: String) -> UInt64? {
        guard database.acquire() else { return nil }
        defer { database.release() }
        var value: UInt64 = 0
        let status = name.withCString { rocksdb_property_int(database.db, $0, &value) }
        return status == 0 ? value : nil
    }

    public func approximateMemoryUsage() -> Int? {
        guard database.acquire() else { return nil }
        defer { database.release() }
        guard let consumers = rocksdb_memory_consumers_create() else { return nil }
        defer { rocksdb_memory_consumers_destroy(consumers) }
        rocksdb_memory_consumers_add_db(consumers, database.db)
        rocksdb_memory_consumers_add_cache(consumers, database.cache.pointer)
        var err: UnsafeMutablePointer<CChar>? = nil
        let usage = rocksdb_approximate_memory_usage_create(consumers, &err)
        if let err {
            rocksdb_free(err)
            return nil
        }
        guard let usage else { return nil }
        defer { rocksdb_approximate_memory_usage_destroy(usage) }
        let total =
            rocksdb_approximate_memory_usage_get_mem_table_total(usage)
            &+ rocksdb_approximate_memory_usage_get_mem_table_readers_total(usage)
            &+ rocksdb_approximate_memory_usage_get_cache_total(usage)
        return Int(clamping: total)
    }

    /// Closes the store. Idempotent; every later call throws `.closed`. Calls running on other threads finish
    /// first; the database is released as soon as the last of them (or the last live iterator) is done.
    public func close() {
        database.close()
    }
}
