/// How a `Store` is opened: cache and buffer sizes, compression, durability and the merge operator.
///
/// The same options apply to every column family of the store.
public struct StoreOptions: Sendable {
    /// Create the database directory if it does not exist.
    public var createIfMissing = true
    /// Capacity of the LRU block cache, in bytes.
    public var blockCacheBytes = 64 << 20
    /// Size of one memtable before it is flushed, in bytes.
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
    /// The merge operator used by `merge` calls (nil: merges fail with an error).
    public var mergeOperator: MergeOperator? = nil
    /// Maximum number of open SST files (-1: unlimited).
    public var maxOpenFiles: Int32 = -1

    /// Default options.
    public init() {}
}
