public import VigilKafka
public import VigilState
public import VigilTopology
import VigilCore

/// Settings of the state stores.
public struct StateSettings: Sendable {
    /// RocksDB options of a task store unless told otherwise.
    public static var defaultStoreOptions: StoreOptions {
        var options = StoreOptions()
        options.writeBufferBytes = 8 << 20
        return options
    }

    /// RocksDB options of each task's store.
    public var store: StoreOptions
    /// Cached key-state bytes per task above which the cache is emptied after a commit.
    public var cacheLimitBytes: Int

    /// The defaults give each task an 8 MiB memtable: small memtables are faster to insert into (measured in
    /// docs/performance.md) and keep the memory per partition modest.
    public init(store: StoreOptions = StateSettings.defaultStoreOptions, cacheLimitBytes: Int = 64 << 20) {
        self.store = store
        self.cacheLimitBytes = cacheLimitBytes
    }
}

/// The work of one input partition: its state store and its stage processor. Single-threaded: a task belongs to
/// the stream thread that was assigned its partition.
public final class PartitionTask {
    public let partition: TopicPartition
    let store: PartitionStore
    var processor: StageProcessor
    /// The next offset to process: the committed one, plus what the current batch has processed.
    public private(set) var nextOffset: Int64
    private var pendingCounts = BatchCounts()
    private var dirty = false

    /// Opens the task's store under `<stateDirectory>/<topology>/<topic>-<partition>`.
    public init(topology: Topology, partition: TopicPartition, settings: StateSettings) throws {
        self.partition = partition
        let path = Self.storePath(topology: topology, partition: partition)
        try FileSystem.createDirectories(path)
        store = try PartitionStore(
            path: path, fingerprint: StageProcessor.fingerprint(of: topology), options: settings.store,
            cacheLimitBytes: settings.cacheLimitBytes)
        processor = StageProcessor(topology: topology)
        nextOffset = store.committedOffset ?? KafkaOffset.beginning
    }

    /// Where the store of `partition` lives.
    public static func storePath(topology: Topology, partition: TopicPartition) -> String {
        "\(topology.stateDirectory)/\(topology.name)/\(partition.topic)-\(partition.partition)"
    }

    /// The offset stored with the state, or nil when the task has no committed state yet.
    public var committedOffset: Int64? { store.committedOffset }

    /// Processes one record of this partition. Records below `nextOffset` (redelivered after a rebalance) are
    /// skipped: their effects are already in the state.
    public func process(_ message: KafkaMessage, sink: any RecordSink) throws {
        if nextOffset >= 0 && message.offset < nextOffset { return }
        try processor.process(message, state: store, sink: sink, counts: &pendingCounts)
        nextOffset = message.offset + 1
        dirty = true
    }

    /// Commits the state changed since the last commit together with `nextOffset`, in one WriteBatch. Call only
    /// after the outputs of the processed records are delivered. Returns the counts the commit covers.
    @discardableResult
    package func commit() throws -> BatchCounts {
        guard dirty else { return BatchCounts() }
        try store.commit(nextOffset: nextOffset)
        dirty = false
        defer { pendingCounts = BatchCounts() }
        return pendingCounts
    }

    /// Whether records were processed since the last commit.
    public var hasUncommittedWork: Bool { dirty }

    /// Forgets uncommitted work: the records since the last commit will be processed again.
    package func rollback() {
        store.discardUncommitted()
        nextOffset = store.committedOffset ?? KafkaOffset.beginning
        pendingCounts = BatchCounts()
        dirty = false
    }

    /// Closes the store. Uncommitted work is dropped, never half-written.
    public func close() {
        store.close()
    }

    /// The committed state of every key, for inspection and tests.
    public func committedStates() throws -> [(key: String, eventCount: Int64, retained: Int)] {
        try store.allCommittedStates().map { ($0.key, $0.state.eventCount, $0.state.count) }
    }
}
