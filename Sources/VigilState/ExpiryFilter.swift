import Synchronization

/// Drops expired entries while RocksDB compacts: the state-expiry rule of a store (`StoreOptions.expiry`).
///
/// An entry is expired, and removed by the next compaction that reads it, when all of these hold:
/// - its key starts with `prefix`;
/// - its value has at least 17 bytes;
/// - the value's bytes `1..<9`, a little-endian `Int64` (the newest event time of the key), are `< cutoff`;
/// - the value's bytes `9..<17`, a little-endian `Int64` (the key's next timer), equal `Int64.max` (no timer).
///
/// Byte 0 of the value (a format tag) and bytes after 17 are not looked at. Shorter values, other prefixes and
/// merge operands are never dropped. A removed entry becomes a deletion, so older versions of the key do not
/// come back. The filter applies to every column family of the store.
///
/// Expiry happens only when compaction reaches the data: automatically as the store grows, or on demand with
/// `Store.compactRange(from:to:in:)` (which flushes the memtables first). Until then expired entries are still
/// readable, so readers must apply the same cutoff themselves if they need exactness.
///
/// Thread-safety: the cutoff and the counter are atomics; the owner may move the cutoff from any thread at any
/// time (e.g. after each commit) while RocksDB's background threads evaluate the rule. A compaction that is
/// already running may use the old or the new cutoff for each entry.
public final class ExpiryFilter: Sendable {
    /// The value of the "next timer" slot that means no timer is pending.
    public static let noTimer = Int64.max
    /// The minimum value length the rule looks at (tag byte, newest event time, next timer).
    public static let minimumValueLength = 17

    /// The first key byte of the entries this filter may drop.
    public let prefix: UInt8
    private let cutoffValue: Atomic<Int64>
    private let dropped = Atomic<Int64>(0)

    /// Creates a filter for keys starting with `prefix`; with the default cutoff (`Int64.min`) nothing expires.
    public init(prefix: UInt8, cutoff: Int64 = .min) {
        self.prefix = prefix
        self.cutoffValue = Atomic(cutoff)
    }

    /// Entries whose newest event time is below this expire (see the type's rule). Readable and settable from any
    /// thread; a new value applies to compactions from then on.
    public var cutoff: Int64 {
        get { cutoffValue.load(ordering: .acquiring) }
        set { cutoffValue.store(newValue, ordering: .releasing) }
    }

    /// Raises the cutoff to `value` if it is higher than the current one (never lowers it), atomically.
    public func advanceCutoff(to value: Int64) {
        _ = cutoffValue.max(value, ordering: .acquiringAndReleasing)
    }

    /// How many entries compactions have dropped through this filter since it was created.
    public var droppedCount: Int64 { dropped.load(ordering: .relaxed) }

    /// Whether the entry is expired under the current cutoff (the rule compactions apply; nothing is counted).
    public func isExpired(key: some StateBytes, value: some StateBytes) -> Bool {
        key.withStateBytes { key in value.withStateBytes { value in isExpired(key, value) } }
    }

    /// The rule over borrowed bytes.
    @inline(__always)
    func isExpired(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        guard let keyStart = key.baseAddress, key.count > 0, keyStart.load(as: UInt8.self) == prefix,
            let valueStart = value.baseAddress, value.count >= Self.minimumValueLength
        else { return false }
        let timer = Int64(littleEndian: valueStart.loadUnaligned(fromByteOffset: 9, as: Int64.self))
        guard timer == Self.noTimer else { return false }
        let newest = Int64(littleEndian: valueStart.loadUnaligned(fromByteOffset: 1, as: Int64.self))
        return newest < cutoff
    }

    /// The compaction-time decision: the rule, counting drops.
    @inline(__always)
    func shouldDrop(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
        guard isExpired(key, value) else { return false }
        dropped.add(1, ordering: .relaxed)
        return true
    }
}
