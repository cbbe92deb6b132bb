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
/// - Important: owns the `rocksdb_t`, every `rocksdb_column_family_handle_t`, and (strongly) the options, cache
///   and shared read/write options. The C objects are released by `teardown()`, which runs exactly once: when the
///   store is closed and the last lease is returned. Column-family handles are destroyed before `rocksdb_close`.
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

    /// Bit 0: closed. Bits 1…: number of leases held (each lease adds 2).
    private let gate = Atomic<Int>(0)
    /// Set once teardown has released the C objects.
    private let tornDown = Mutex<Bool>(false)

    /// Opens (creating if allowed) the database at `path` with every existing column family plus `requested`.
    init(path: String, options storeOptions: StoreOptions, requested: [String]) throws(StateError) {
        self.path = path
        let cache = try BlockCache(capacity: storeOptions.blockCacheBytes)
        let options = try RocksOptions(storeOptions, cache: cache)
        let readOptions = try ReadOptions()
        let writeOptions = try WriteOptions(walEnabled: storeOptions.walEnabled, sync: storeOptions.syncWrites)

        var names = ["default"]
        for name in Self.listFamilies(options: options, path: path) + requested where !names.contains(name) {
            names.append(name)
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
        try StateError.check(err, "open", path: path)
        guard let opened, handles.allSatisfy({ $0 != nil }) else {
            if let opened {
                for case let handle? in handles { rocksdb_column_family_handle_destroy(handle) }
                rocksdb_close(opened)
            }
            throw StateError(code: .other, message: "open \(path): RocksDB returned no database handle")
        }
        self.cache = cache
        self.options = options
        self.readOptions = readOptions
        self.writeOptions = writeOptions
        familyNames = names
        db = opened
        familyHandles = handles.map { $0! }
        defaultFamily = familyHandles[0]
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
