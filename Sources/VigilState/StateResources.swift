internal import CRocksDB
import Synchronization

/// One memory budget shared by every `Store` of a process: an LRU block cache and a memtable budget, both sized
/// from a single setting.
///
/// Pass the same object in `StoreOptions.resources` to every store. Two thirds of `memoryBytes` become the block
/// cache (which then also holds index and filter blocks, so table readers do not grow outside it) and one third the
/// write-buffer (memtable) budget.
///
/// RocksDB 7.8.3's C API has no `WriteBufferManager` (no `rocksdb_write_buffer_manager_*`; the C++ class exists
/// but cannot be attached through `rocksdb/c.h`), so memtables cannot be charged to the cache. They are bounded
/// instead by sizing them: every open column family of every store gets `max_write_buffer_number = 2` and
/// `write_buffer_size = writeBufferBudget / (2 × open column families)`, rounded down to a power of two, at least
/// 64 KiB, and at most that store's `StoreOptions.writeBufferBytes`. When a store opens or closes the share of
/// every open store is recomputed and applied live (`SetOptions`), so the sum of all memtables stays within the
/// budget — up to RocksDB's arena overshoot (a memtable may pass its size by one arena block, 1/8 of it) — as
/// long as the budget gives each family at least 2 × 64 KiB; beyond that many families the floor wins and the
/// bound is `open column families × 2 × 64 KiB`. Shrinking a live store takes effect as its current memtables fill
/// up and are flushed, not instantly.
///
/// Thread-safety: `Sendable`. Stores on different threads open, close and report through it concurrently; the
/// cache is internally synchronised and the membership is under a mutex.
///
/// - Important: owns the block cache (through `BlockCache`); each store's database keeps this object alive, so the
///   cache outlives every store that uses it.
public final class StateResources: Sendable {
    /// The whole budget, in bytes.
    public let memoryBytes: Int
    /// The block cache's capacity: two thirds of the budget.
    public let blockCacheBytes: Int
    /// The budget for all memtables of all stores: the rest of the budget.
    public let writeBufferBudget: Int

    /// Memtables per column family (`max_write_buffer_number`): one being written, one being flushed.
    static let writeBuffersPerFamily = 2
    /// The smallest per-family write buffer RocksDB is given.
    static let minimumWriteBufferSize = 64 << 10

    let cache: BlockCache
    private let members = Mutex(Members())

    /// Creates the cache and the budget. `memoryBytes` below 1 MiB is raised to 1 MiB.
    public init(memoryBytes: Int) throws(StateError) {
        let total = max(memoryBytes, 1 << 20)
        self.memoryBytes = total
        self.blockCacheBytes = total / 3 * 2
        self.writeBufferBudget = total - total / 3 * 2
        self.cache = try BlockCache(capacity: blockCacheBytes)
    }

    /// A snapshot of what the shared resources currently hold.
    public struct Usage: Sendable, Equatable {
        /// Bytes held in the block cache (`rocksdb_cache_get_usage`).
        public var blockCacheBytes: Int
        /// Bytes of cache entries pinned by readers, not evictable now (`rocksdb_cache_get_pinned_usage`).
        public var pinnedBlockCacheBytes: Int
        /// The block cache's capacity.
        public var blockCacheCapacity: Int
        /// Bytes in the memtables of all open stores (sum of `rocksdb.cur-size-all-mem-tables` over their families).
        public var memTableBytes: Int
        /// Stores open with these resources.
        public var openStores: Int
        /// Column families of those stores.
        public var openColumnFamilies: Int
        /// The write-buffer size each column family currently gets (before a store's own cap).
        public var writeBufferBytesPerFamily: Int
    }

    /// Reads the cache counters and the memtable sizes of every open store.
    public func usage() -> Usage {
        var leased: [Database] = []
        var families = 0
        var stores = 0
        var perFamily = 0
        members.withLock { m in
            for member in m.all {
                if let database = member.database, database.acquire() { leased.append(database) }
            }
            families = m.families
            stores = m.all.count
            perFamily = share(families: m.families)
        }
        var memTables = 0
        for database in leased {
            for family in database.familyHandles {
                memTables &+= database.intProperty("rocksdb.cur-size-all-mem-tables", family: family) ?? 0
            }
            database.release()
        }
        return Usage(
            blockCacheBytes: rocksdb_cache_get_usage(cache.pointer),
            pinnedBlockCacheBytes: rocksdb_cache_get_pinned_usage(cache.pointer),
            blockCacheCapacity: rocksdb_cache_get_capacity(cache.pointer),
            memTableBytes: memTables, openStores: stores, openColumnFamilies: families,
            writeBufferBytesPerFamily: perFamily)
    }

    // MARK: Membership

    /// One store's registration.
    struct Member {
        let id: UInt64
        let families: Int
        /// The store's own `writeBufferBytes`, the most it gets.
        let cap: Int
        /// Nil until the database has opened.
        weak var database: Database?
        /// The write-buffer size last applied to (or opened with) the store.
        var applied: Int
    }

    struct Members {
        var all: [Member] = []
        var families = 0
        var nextID: UInt64 = 0
    }

    /// The per-family share of the budget with `families` open families (at least one is assumed).
    func share(families: Int) -> Int {
        let raw = writeBufferBudget / (max(families, 1) * Self.writeBuffersPerFamily)
        guard raw > Self.minimumWriteBufferSize else { return Self.minimumWriteBufferSize }
        // Round down to a power of two, so that opening one more store rarely changes every store's options.
        return 1 << (Int.bitWidth - 1 - raw.leadingZeroBitCount)
    }

    /// The write-buffer size for a store of `families` families capped at `cap`.
    private static func size(share: Int, cap: Int) -> Int {
        max(min(share, cap), minimumWriteBufferSize)
    }

    /// Counts a store about to open; returns its registration id and the write-buffer size to open it with.
    func reserve(families: Int, cap: Int) -> (id: UInt64, writeBufferSize: Int) {
        members.withLock { m in
            m.nextID += 1
            m.families += families
            let size = Self.size(share: share(families: m.families), cap: cap)
            m.all.append(Member(id: m.nextID, families: families, cap: cap, database: nil, applied: size))
            return (m.nextID, size)
        }
    }

    /// Records that the reserved store has opened, and shrinks the others to the new share.
    func attach(_ id: UInt64, database: Database) {
        members.withLock { m in
            if let i = m.all.firstIndex(where: { $0.id == id }) { m.all[i].database = database }
        }
        rebalance()
    }

    /// Forgets a store (it failed to open, or it has been closed) and gives the others the larger share.
    func detach(_ id: UInt64) {
        let removed = members.withLock { m -> Bool in
            guard let i = m.all.firstIndex(where: { $0.id == id }) else { return false }
            m.families -= m.all[i].families
            m.all.remove(at: i)
            return true
        }
        if removed { rebalance() }
    }

    /// Applies the current share to every open store whose write buffer differs from it.
    ///
    /// The options are set under the mutex, so concurrent rebalances apply in order and the last one wins with the
    /// current share; the leases taken meanwhile are returned after unlocking, because returning the last lease of
    /// a closed store tears it down, which detaches it (and takes the mutex).
    private func rebalance() {
        var leased: [Database] = []
        members.withLock { m in
            let share = share(families: m.families)
            for i in m.all.indices {
                let target = Self.size(share: share, cap: m.all[i].cap)
                guard m.all[i].applied != target, let database = m.all[i].database, database.acquire() else {
                    continue
                }
                leased.append(database)
                if database.setWriteBufferSize(target) { m.all[i].applied = target }
            }
        }
        for database in leased { database.release() }
    }
}
