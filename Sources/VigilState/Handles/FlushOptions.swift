internal import CRocksDB

/// Flush options that wait for the flush to complete.
///
/// - Important: owns its `rocksdb_flushoptions_t`, destroyed in `deinit`. Used by one call at a time.
final class FlushOptions {
    let pointer: OpaquePointer

    init() throws(StateError) {
        guard let pointer = rocksdb_flushoptions_create() else {
            throw StateError(code: .other, message: "rocksdb_flushoptions_create failed")
        }
        self.pointer = pointer
        rocksdb_flushoptions_set_wait(pointer, 1)
    }

    deinit { rocksdb_flushoptions_destroy(pointer) }
}
