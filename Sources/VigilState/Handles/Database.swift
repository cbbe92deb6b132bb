internal import CRocksDB
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open RocksDB database with all its column-family handles, and the gate that keeps it open while calls,
/// iterators or batch edits use it.
///
/// - Important: owns the `rocksdb_t`, every `rocksdb_column_family_handle_t`, and (strongly) the options, cache,
///   compaction filter, shared resources and shared read/write options. The C database is released by
///   `teardown()`, which runs exactly once: when the store is closed and the last lease is returned. Column-family
///   handles are destroyed before `rocksdb_close`; the compaction filter (only pointed to by RocksDB) after it,
///   when this object is deinitialised.
///
/// Thread-safety: RocksDB's `DB` and column-family handles are thread-safe; the gate is an atomic, so any thread
/// may take a lease and call into RocksDB concurrently. Teardown cannot race a call, because it only runs when no
/// lease is held and no lease can be taken once closed.
final class Database: @unchecked Sendable {
    let path: String
    let db: OpaquePointer
    /// Column-family names in open order ("default" first) and their handles.
    let familyNames: [String]
    let familyHandles: [OpaquePointer]
    let defaultFamily: OpaquePointer
    let cache: BlockCache
    let readOptions: ReadOptions
    let writeOptions: WriteOptions
    private let options: RocksOptions
    private let filter: CompactionFilter?
    /// The shared budget this database is counted in, and its registration there.
    private let resources: StateResources?
    private let membership: UInt64

    /// Bit 0: closed. Bits 1…: number of leases held (each lease adds 2).
    private let gate = Atomic<Int>(0)
    /// Set once teardown has released the C objects.
    private let tornDown = Mutex<Bool>(false)

    /// Opens (creating if allowed) the database at `path` with every existing column family plus `requested`.
    init(path: String, options storeOptions: StoreOptions, requested: [String]) throws(StateError) {
        self.path = path
        let resources = storeOptions.resources
        let cache: BlockCache
        if let resources {
            cache = resources.cache
        } else {
            cache = try BlockCache(capacity: storeOptions.blockCacheBytes)
        }
        var filter: CompactionFilter? = nil
        if let expiry = storeOptions.expiry { filter = try CompactionFilter(expiry) }
        let options = try RocksOptions(storeOptions, cache: cache, filter: filter)
        let readOptions = try ReadOptions()
        let writeOptions = try WriteOptions(walEnabled: storeOptions.walEnabled, sync: storeOptions.syncWrites)

        var names = ["default"]
        for name in Self.listFamilies(options: options, path: path) + requested where !names.contains(name) {
            names.append(name)
        }

        // Counted in the shared budget before opening, so stores opening concurrently see each other.
        var membership: UInt64 = 0
        if let resources {
            let reserved = resources.reserve(families: names.count, cap: storeOptions.writeBufferBytes)
            membership = reserved.id
            options.setWriteBufferSize(reserved.writeBufferSize)
        }

        var handles = [OpaquePointer?](repeating: nil, count: names.count)
        var err: UnsafeMutablePointer<CChar>? = nil
        let familyOptions = [OpaquePointer?](repeating: options.pointer, count: names.count)
        let opened: OpaquePointer? = withCStrings(names) { cNames in
            familyOptions.withUnsafeBufferPointer { familyOptions in
                handles.withUnsafeMutableBufferPointer { handles in
                    rocksdb_open_column_families(
                        options.pointer, path, Int32(names.count), cNames, familyOptions.baseAddress,
                        handles.baseAddress, &err)
                }
            }
        }
        do throws(StateError) {
            try StateError.check(err, "open", path: path)
            guard let opened, handles.allSatisfy({ $0 != nil }) else {
                if let opened {
                    for case let handle? in handles { rocksdb_column_family_handle_destroy(handle) }
                    rocksdb_close(opened)
                }
                throw StateError(code: .other, message: "open \(path): RocksDB returned no database handle")
            }
            db = opened
        } catch {
            resources?.detach(membership)
            throw error
        }
        self.cache = cache
        self.options = options
        self.filter = filter
        self.resources = resources
        self.membership = membership
        self.readOptions = readOptions
        self.writeOptions = writeOptions
        familyNames = names
        familyHandles = handles.map { $0! }
        defaultFamily = familyHandles[0]
        resources?.attach(membership, database: self)
    }

    /// The existing column families, or [] if there is no database yet (open then reports any real problem).
    private static func listFamilies(options: RocksOptions, path: String) -> [String] {
        var err: UnsafeMutablePointer<CChar>? = nil
        var count = 0
        let list = rocksdb_list_column_families(options.pointer, path, &count, &err)
        // Even on error RocksDB returns a malloc(0)'ed array, which must be freed too.
        defer { if let list { rocksdb_list_column_families_destroy(list, count) } }
        if let err {
            rocksdb_free(err)
            return []
        }
        guard let list else { return [] }
        return (0..<count).compactMap { list[$0].map { String(cString: $0) } }
    }

    /// Takes a lease: the C objects stay valid until the matching `release()`. Returns false if closed.
    @inline(__always)
    func acquire() -> Bool {
        var current = gate.load(ordering: .relaxed)
        while current & 1 == 0 {
            let (exchanged, original) = gate.compareExchange(
                expected: current, desired: current + 2, ordering: .acquiring)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Returns a lease; the last one after `close()` tears the database down.
    @inline(__always)
    func release() {
        let (_, now) = gate.wrappingSubtract(2, ordering: .acquiringAndReleasing)
        if now == 1 { teardown() }
    }

    /// Whether `close()` has been called.
    var isClosed: Bool { gate.load(ordering: .acquiring) & 1 != 0 }

    /// Refuses new leases; tears down now if none is held, else when the last one is returned. Idempotent.
    func close() {
        let (before, now) = gate.bitwiseOr(1, ordering: .acquiringAndReleasing)
        if before & 1 == 0 && now == 1 { teardown() }
    }

    /// Runs `body` under a lease, or throws `.closed`.
    @inline(__always)
    func withLease<R>(_ operation: StaticString, _ body: () throws(StateError) -> R) throws(StateError) -> R {
        guard acquire() else { throw StateError.closed(operation, path: path) }
        defer { release() }
        return try body()
    }

    private func teardown() {
        let first = tornDown.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        for handle in familyHandles { rocksdb_column_family_handle_destroy(handle) }
        rocksdb_close(db)
        resources?.detach(membership)
    }

    // MARK: Under a lease

    /// An integer property of `family` (`rocksdb_property_int_cf`), or nil if unknown or not an integer.
    /// The caller holds a lease.
    func intProperty(_ name: String, family: OpaquePointer) -> Int? {
        var value: UInt64 = 0
        guard rocksdb_property_int_cf(db, family, name, &value) == 0 else { return nil }
        return Int(clamping: value)
    }

    /// Sets `write_buffer_size` of every column family live (`SetOptions`); false if RocksDB refused. The caller
    /// holds a lease.
    func setWriteBufferSize(_ bytes: Int) -> Bool {
        var ok = true
        withCStrings(["write_buffer_size", String(bytes)]) { strings in
            for family in familyHandles {
                var err: UnsafeMutablePointer<CChar>? = nil
                var key = strings[0]
                var value = strings[1]
                rocksdb_set_options_cf(db, family, 1, &key, &value, &err)
                if let err {
                    rocksdb_free(err)
                    ok = false
                }
            }
        }
        return ok
    }

    deinit {
        // Store.deinit closes; this only matters if a lease-holder leaked, which cannot outlive us.
        close()
    }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings`, valid only during the call.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    let constCopies = copies.map { $0.map { UnsafePointer($0) } }
    return constCopies.withUnsafeBufferPointer { body($0.baseAddress!) }
}
