/// How a `Store` is opened: cache and buffer sizes (or a shared memory budget), compression, durability, the merge
/// operator and state expiry.
///
/// The same options apply to every column family of the store.
public struct StoreOptions: Sendable {
    /// Create the database directory if it does not exist.
    public var createIfMissing = true
    /// Capacity of the store's own LRU block cache, in bytes. Ignored when `resources` is set.
    public var blockCacheBytes = 64 << 20
    /// Size of one memtable before it is flushed, in bytes. With `resources` set, the most a memtable gets: each
    /// column family then receives the smaller of this and its share of the shared budget.
    public var writeBufferBytes = 32 << 20
    /// SST block compression.
    public var compression: Compression = .lz4
    /// Write the write-ahead log. `false` sets `WriteOptions.disableWAL`: writes since the last flush are lost on
    /// a crash or a close without `flush()`.
    public var walEnabled = true
    /// fsync the WAL on every write.
    public var syncWrites = false
    /// Bits per key of the full bloom filter; 0 or less disables it.
    public var bloomFilterBitsPerKey: Double = 10
    /// The share of each memtable's size given to a bloom filter of its whole keys (0: none). A lookup of a key the
    /// memtable does not hold then skips the memtable's skip-list search; the filter is part of the memtable's
    /// memory.
    public var memtableBloomRatio: Double = 0
    /// The merge operator used by `merge` calls (nil: merges fail with an error).
    public var mergeOperator: MergeOperator? = nil
    /// Maximum number of open SST files (-1: unlimited).
    public var maxOpenFiles: Int32 = -1
    /// The process-wide memory budget to draw from (shared block cache, bounded memtables). nil: the store has its
    /// own cache of `blockCacheBytes` and memtables of `writeBufferBytes`, unbounded across stores.
    public var resources: StateResources? = nil
    /// Expires entries during compaction by the filter's rule and cutoff (see `ExpiryFilter`). nil: compactions
    /// drop nothing.
    public var expiry: ExpiryFilter? = nil

    /// Default options.
    public init() {}
}
