internal import CRocksDB
import Synchronization

/// The process heap, as state uses it.
public enum StateMemory {
    private static let lastRelease = Atomic<Int64>(0)

    /// Returns the heap's free pages to the operating system (glibc's `malloc_trim`), at most once per `interval`
    /// across the process. After a write-back cache is dropped, its freed memory otherwise stays resident, and the
    /// process's RSS keeps the size of its largest cache. Trimming has a price — the pages given back fault in again
    /// as the cache refills (measured: trimming at every cache drop cost 10% of the flagship engine's throughput) —
    /// hence the interval.
    public static func releaseFreePages(atMostEvery interval: Duration = .seconds(5)) {
        let now = ContinuousClock.now
        let nanos = Int64(now.nanosecondsSinceReference)
        let last = lastRelease.load(ordering: .relaxed)
        let step = interval.components.seconds * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000
        guard last == 0 || nanos - last >= step else { return }
        guard lastRelease.compareExchange(expected: last, desired: nanos, ordering: .relaxed).exchanged else { return }
        _ = malloc_trim(0)
    }
}

extension ContinuousClock.Instant {
    /// Nanoseconds since the clock's reference point (for interval arithmetic in an atomic).
    fileprivate var nanosecondsSinceReference: Int64 {
        let d = self - ContinuousClock.Instant.reference
        return d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
    }

    private static let reference = ContinuousClock.now
}
