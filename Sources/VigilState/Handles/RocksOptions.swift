internal import CRocksDB

/// RocksDB DB/column-family options built from `StoreOptions` (table factory with block cache and bloom filter,
/// compression, write buffer, merge operator, compaction filter).
///
/// - Important: owns its `rocksdb_options_t`, destroyed in `deinit`. The filter policy and the merge operator are
///   owned by the options (RocksDB takes them); the block cache is shared with `BlockCache` and the compaction
///   filter is only pointed to, so the caller (`Database`) keeps both alive while the database is open. Not
///   thread-safe; used only while opening.
final class RocksOptions {
    let pointer: OpaquePointer

    /// - Parameters:
    ///   - cache: the block cache (the store's own, or the shared one of `StateResources`).
    ///   - filter: the compaction filter, which must outlive the database opened with these options.
    init(_ options: StoreOptions, cache: BlockCache, filter: CompactionFilter?) throws(StateError) {
        guard let pointer = rocksdb_options_create() else {
            throw StateError(code: .other, message: "rocksdb_options_create failed")
        }
        self.pointer = pointer
        rocksdb_options_set_create_if_missing(pointer, options.createIfMissing ? 1 : 0)
        rocksdb_options_set_create_missing_column_families(pointer, 1)
        setWriteBufferSize(options.writeBufferBytes)
        rocksdb_options_set_compression(pointer, options.compression.rocksValue)
        rocksdb_options_set_max_open_files(pointer, options.maxOpenFiles)
        let bounded = options.resources != nil
        if bounded {
            rocksdb_options_set_max_write_buffer_number(pointer, Int32(StateResources.writeBuffersPerFamily))
        }

        if let table = rocksdb_block_based_options_create() {
            rocksdb_block_based_options_set_block_cache(table, cache.pointer)
            if bounded {
                // Index and filter blocks live in the (bounded) cache instead of growing with every open table;
                // L0's stay pinned there, as they are read on every lookup.
                rocksdb_block_based_options_set_cache_index_and_filter_blocks(table, 1)
                rocksdb_block_based_options_set_cache_index_and_filter_blocks_with_high_priority(table, 1)
                rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(table, 1)
            }
            if options.bloomFilterBitsPerKey > 0 {
                // The table options take ownership of the policy.
                rocksdb_block_based_options_set_filter_policy(
                    table, rocksdb_filterpolicy_create_bloom_full(options.bloomFilterBitsPerKey))
            }
            // The factory copies the table options (and shares the cache and policy), so they can go now.
            rocksdb_options_set_block_based_table_factory(pointer, table)
            rocksdb_block_based_options_destroy(table)
        }
        if options.memtableBloomRatio > 0 {
            rocksdb_options_set_memtable_prefix_bloom_size_ratio(pointer, options.memtableBloomRatio)
            rocksdb_options_set_memtable_whole_key_filtering(pointer, 1)
        }
        if let merge = options.mergeOperator {
            rocksdb_options_set_merge_operator(pointer, merge.makeRocksOperator())
        }
        if let filter {
            rocksdb_options_set_compaction_filter(pointer, filter.pointer)
        }
    }

    /// Sets the size of one memtable (at least 64 KiB).
    func setWriteBufferSize(_ bytes: Int) {
        rocksdb_options_set_write_buffer_size(pointer, max(bytes, StateResources.minimumWriteBufferSize))
    }

    deinit { rocksdb_options_destroy(pointer) }
}

/// An LRU block cache.
///
/// - Important: owns its `rocksdb_cache_t` wrapper, destroyed in `deinit` (table factories hold their own
///   reference to the cache itself). Thread-safe (RocksDB's cache is internally synchronised).
final class BlockCache: @unchecked Sendable {
    let pointer: OpaquePointer

    init(capacity: Int) throws(StateError) {
        guard let pointer = rocksdb_cache_create_lru(max(capacity, 0)) else {
            throw StateError(code: .other, message: "rocksdb_cache_create_lru failed")
        }
        self.pointer = pointer
    }

    deinit { rocksdb_cache_destroy(pointer) }
}

/// Write options shared by every write of one store.
///
/// - Important: owns its `rocksdb_writeoptions_t`, destroyed in `deinit`. Immutable after init, and RocksDB only
///   reads it, so concurrent writes may share it.
final class WriteOptions: @unchecked Sendable {
    let pointer: OpaquePointer

    init(walEnabled: Bool, sync: Bool) throws(StateError) {
        guard let pointer = rocksdb_writeoptions_create() else {
            throw StateError(code: .other, message: "rocksdb_writeoptions_create failed")
        }
        self.pointer = pointer
        rocksdb_writeoptions_disable_WAL(pointer, walEnabled ? 0 : 1)
        rocksdb_writeoptions_set_sync(pointer, sync ? 1 : 0)
    }

    deinit { rocksdb_writeoptions_destroy(pointer) }
}

/// Read options, optionally with iterate bounds whose bytes it owns.
///
/// - Important: owns its `rocksdb_readoptions_t` and the bound buffers, all freed in `deinit`. RocksDB keeps raw
///   pointers to the bounds, so whoever uses these options (an iterator) must hold this object at least as long.
///   Immutable after init; RocksDB only reads it, so concurrent gets may share it.
final class ReadOptions: @unchecked Sendable {
    let pointer: OpaquePointer
    private let lower: UnsafeMutableRawBufferPointer?
    private let upper: UnsafeMutableRawBufferPointer?

    init(lower: [UInt8]? = nil, upper: [UInt8]? = nil) throws(StateError) {
        guard let pointer = rocksdb_readoptions_create() else {
            throw StateError(code: .other, message: "rocksdb_readoptions_create failed")
        }
        self.pointer = pointer
        self.lower = lower.map(Self.copy)
        self.upper = upper.map(Self.copy)
        if let lower = self.lower {
            rocksdb_readoptions_set_iterate_lower_bound(
                pointer, lower.baseAddress?.assumingMemoryBound(to: CChar.self), lower.count)
        }
        if let upper = self.upper {
            rocksdb_readoptions_set_iterate_upper_bound(
                pointer, upper.baseAddress?.assumingMemoryBound(to: CChar.self), upper.count)
        }
    }

    private static func copy(_ bytes: [UInt8]) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        buffer.copyBytes(from: bytes)
        return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
    }

    deinit {
        rocksdb_readoptions_destroy(pointer)
        lower?.deallocate()
        upper?.deallocate()
    }
}
