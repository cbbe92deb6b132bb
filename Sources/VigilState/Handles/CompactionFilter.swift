internal import CRocksDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A RocksDB compaction filter that applies an `ExpiryFilter`.
///
/// - Important: owns its `rocksdb_compactionfilter_t`, destroyed in `deinit` (which runs the destructor callback
///   and releases the retained `CompactionFilterContext`). `rocksdb_options_set_compaction_filter` does NOT take
///   ownership — RocksDB keeps a raw pointer — so the `Database` holds this object until after `rocksdb_close`.
///   RocksDB calls the filter concurrently from its compaction threads; the context is immutable and the
///   `ExpiryFilter` is atomic, hence `@unchecked Sendable`.
final class CompactionFilter: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ filter: ExpiryFilter) throws(StateError) {
        let context = Unmanaged.passRetained(CompactionFilterContext(filter))
        guard
            let pointer = rocksdb_compactionfilter_create(
                context.toOpaque(), vigilCompactionFilterDestroy, vigilCompactionFilterFilter,
                vigilCompactionFilterName)
        else {
            context.release()
            throw StateError(code: .other, message: "rocksdb_compactionfilter_create failed")
        }
        self.pointer = pointer
    }

    deinit { rocksdb_compactionfilter_destroy(pointer) }
}

/// The `state` of the C compaction filter: the Swift filter and the C name string.
///
/// - Important: retained once by `CompactionFilter.init` and released once by `vigilCompactionFilterDestroy`.
///   Immutable, so RocksDB's threads may share it.
final class CompactionFilterContext: @unchecked Sendable {
    let filter: ExpiryFilter
    let cName: UnsafeMutablePointer<CChar>

    init(_ filter: ExpiryFilter) {
        self.filter = filter
        // strdup only fails on out-of-memory; a static fallback rather than a crash.
        self.cName = strdup("vigil.expiry") ?? strdup("")!
    }

    deinit { free(cName) }
}

private func vigilCompactionFilterDestroy(_ state: UnsafeMutableRawPointer?) {
    guard let state else { return }
    Unmanaged<CompactionFilterContext>.fromOpaque(state).release()
}

/// Returns 1 to remove the entry, 0 to keep it unchanged (never changes values).
private func vigilCompactionFilterFilter(
    _ state: UnsafeMutableRawPointer?, _ level: Int32, _ key: UnsafePointer<CChar>?, _ keyLength: Int,
    _ value: UnsafePointer<CChar>?, _ valueLength: Int, _ newValue: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ newValueLength: UnsafeMutablePointer<Int>?, _ valueChanged: UnsafeMutablePointer<UInt8>?
) -> UInt8 {
    valueChanged?.pointee = 0
    guard let state else { return 0 }
    let context = Unmanaged<CompactionFilterContext>.fromOpaque(state).takeUnretainedValue()
    let keyBytes = UnsafeRawBufferPointer(start: key, count: key == nil ? 0 : keyLength)
    let valueBytes = UnsafeRawBufferPointer(start: value, count: value == nil ? 0 : valueLength)
    return context.filter.shouldDrop(keyBytes, valueBytes) ? 1 : 0
}

private func vigilCompactionFilterName(_ state: UnsafeMutableRawPointer?) -> UnsafePointer<CChar>? {
    guard let state else { return nil }
    return UnsafePointer(Unmanaged<CompactionFilterContext>.fromOpaque(state).takeUnretainedValue().cName)
}
