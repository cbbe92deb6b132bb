internal import CRocksDB

/// The process heap, as state uses it.
public enum StateMemory {
    /// Returns the heap's free pages to the operating system (glibc's `malloc_trim`). After a write-back cache is
    /// dropped, its freed memory otherwise stays resident, and the process's RSS keeps the size of its largest cache.
    /// Costs a few milliseconds; call it after large frees, not per event.
    public static func releaseFreePages() {
        _ = malloc_trim(0)
    }
}
