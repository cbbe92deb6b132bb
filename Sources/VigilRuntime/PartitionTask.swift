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
        // A key's first touch looks it up in the memtables before the tables; with 100k cards most first touches
        // miss. 2% of an 8 MiB memtable is ~50 bits per key of its ~25k entries (docs/performance.md).
        options.memtableBloomRatio = 0.02
        return options
    }

    /// RocksDB options of each task's store.
    public var store: StoreOptions
    /// Cached key-state bytes per task above which the cache is emptied after a commit.
    public var cacheLimitBytes: Int
    /// Keep each key's latest per-event feature values in the store, for `/features/{stage}/{key}` (one more write
    /// per key per commit; docs/observability.md).
    public var queryable = false

    /// The defaults give each task an 8 MiB memtable: small memtables are faster to insert into (measured in
    /// docs/performance.md) and keep the memory per partition modest.
    public init(store: StoreOptions = StateSettings.defaultStoreOptions, cacheLimitBytes: Int = 64 << 20) {
        self.store = store
        self.cacheLimitBytes = cacheLimitBytes
    }

    /// Settings for a process whose state may use `memoryBytes` in all: RocksDB's block cache and memtables share
    /// one `StateResources` of half of it, however many stores are open; the other half is the write-back caches of
    /// up to `tasks` tasks.
    public static func bounded(memoryBytes: Int, tasks: Int) throws -> StateSettings {
        var store = defaultStoreOptions
        store.resources = try StateResources(memoryBytes: memoryBytes / 2)
        return StateSettings(store: store, cacheLimitBytes: max(1 << 20, memoryBytes / 2 / max(1, tasks)))
    }
}

/// The work of one input partition of one stage: its state store, its stage processor, its stream time and the
/// timers of its open windows. Single-threaded: a task belongs to the stream thread that was assigned its partition.
public final class PartitionTask {
    public let partition: TopicPartition
    public let stageIndex: Int
    let store: PartitionStore
    /// The processor, stream time, timers and counts in one stored property: a class's stored properties are
    /// checked for exclusive access at run time, and the per-record path reaches them in one access instead of four.
    private var work: Work
    let graceMillis: Int64
    let idleTimeout: Duration?
    /// When the last record arrived (wall clock) and the stream time it left, for the idle timeout.
    private var lastArrival = ContinuousClock.now
    private var streamTimeAtArrival: Int64
    /// The next offset to process: the committed one, plus what the current batch has processed.
    public private(set) var nextOffset: Int64
    private var dirty = false
    private var reportedDecoded: Int64 = 0
    private var reportedMissing: [Int64] = []

    /// Opens the task's store under `<stateDirectory>/<topology>/<topic>-<partition>`. `models`: the topology's
    /// models, required for its last stage when it has a `scoring:` section.
    public init(
        topology: Topology, partition: TopicPartition, settings: StateSettings, models: ModelRegistry? = nil
    ) throws {
        guard let stageIndex = topology.stages.firstIndex(where: { $0.inputTopic == partition.topic }) else {
            throw RuntimeError.startup("\(partition.topic) is not an input topic of topology \(topology.name)")
        }
        self.partition = partition
        self.stageIndex = stageIndex
        let path = Self.storePath(topology: topology, partition: partition)
        try FileSystem.createDirectories(path)
        let processor = try StageProcessor(topology: topology, stageIndex: stageIndex, models: models)
        let store = try PartitionStore(
            path: path, fingerprint: StageProcessor.fingerprint(of: topology, stageIndex: stageIndex),
            engine: processor.engine, options: settings.store, cacheLimitBytes: settings.cacheLimitBytes)
        store.queryable = settings.queryable
        self.store = store
        graceMillis = topology.graceMillis
        idleTimeout = topology.idleTimeoutMillis.map { .milliseconds($0) }
        nextOffset = store.committedOffset ?? KafkaOffset.beginning
        streamTimeAtArrival = store.committedStreamTime
        let timers: TimerQueue
        do {
            timers = TimerQueue(try store.committedTimers())
        } catch {
            store.close()
            throw error
        }
        work = Work(
            processor: processor, clock: StreamClock(streamTime: store.committedStreamTime), timers: timers)
    }

    /// The task's mutable processing state (see ``work``).
    private struct Work {
        var processor: StageProcessor
        var clock: StreamClock
        var timers: TimerQueue
        var pendingCounts = BatchCounts()

        mutating func process(_ message: KafkaMessage, store: PartitionStore, sink: any RecordSink) throws {
            try processor.process(
                message, store: store, clock: &clock, timers: &timers, sink: sink, counts: &pendingCounts)
        }

        mutating func apply(_ prepared: StageProcessor.Prepared, store: PartitionStore, sink: any RecordSink) throws {
            try processor.apply(prepared, store: store, clock: &clock, timers: &timers, sink: sink, counts: &pendingCounts)
        }

        mutating func closeDueWindows(store: PartitionStore, sink: any RecordSink) throws {
            try processor.closeDueWindows(
                store: store, clock: clock, timers: &timers, sink: sink, counts: &pendingCounts)
        }
    }

    var processor: StageProcessor {
        get { work.processor }
        _modify { yield &work.processor }
    }

    var clock: StreamClock {
        get { work.clock }
        _modify { yield &work.clock }
    }

    var timers: TimerQueue {
        get { work.timers }
        _modify { yield &work.timers }
    }

    private var pendingCounts: BatchCounts {
        get { work.pendingCounts }
        _modify { yield &work.pendingCounts }
    }

    /// Where the store of `partition` lives.
    public static func storePath(topology: Topology, partition: TopicPartition) -> String {
        "\(topology.stateDirectory)/\(topology.name)/\(partition.topic)-\(partition.partition)"
    }

    /// The offset stored with the state, or nil when the task has no committed state yet.
    public var committedOffset: Int64? { store.committedOffset }

    /// The partition's stream time: the newest event time applied (Int64.min before the first).
    public var streamTime: Int64 { clock.streamTime }

    /// Processes one record of this partition. Records below `nextOffset` (redelivered after a rebalance) are
    /// skipped: their effects are already in the state.
    public func process(_ message: KafkaMessage, sink: any RecordSink) throws {
        precondition(pendingCount == 0, "process() with records queued by enqueue()")
        if nextOffset >= 0 && message.offset < nextOffset { return }
        try work.process(message, store: store, sink: sink)
        processed(message.offset)
    }

    private func processed(_ offset: Int64) {
        nextOffset = offset + 1
        dirty = true
        lastArrival = .now
        streamTimeAtArrival = clock.streamTime
    }

    // MARK: Queued processing (event-time alignment across partitions)

    private var queue: [StageProcessor.Prepared] = []
    private var queueHead = 0
    /// The offset after the last record queued (or processed).
    private var queuedThrough: Int64 = .min

    /// Decodes a record and queues it; a stream thread then applies queued records of its partitions in event-time
    /// order (`headTime`, `processHead`). Redelivered records are skipped.
    func enqueue(_ message: KafkaMessage) {
        if nextOffset >= 0 && message.offset < nextOffset { return }
        if message.offset < queuedThrough { return }
        queue.append(processor.prepare(message))
        queuedThrough = message.offset + 1
        lastArrival = .now
    }

    /// Records queued and not yet applied.
    var pendingCount: Int { queue.count - queueHead }

    /// The event time of the next queued record (`Int64.min` for one that goes to the dead-letter topic: it may go
    /// at once), or nil when none is queued.
    var headTime: Int64? {
        guard queueHead < queue.count else { return nil }
        return queue[queueHead].eventTime ?? .min
    }

    /// Applies the next queued record.
    func processHead(sink: any RecordSink) throws {
        let prepared = queue[queueHead]
        try work.apply(prepared, store: store, sink: sink)
        queueHead += 1
        if queueHead == queue.count {
            queue.removeAll(keepingCapacity: queue.count < 65_536)
            queueHead = 0
        } else if queueHead >= 4_096 && queueHead * 2 >= queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        processed(prepared.message.offset)
    }

    /// Forgets queued records (the partition is being given up or rolled back).
    func dropQueue() {
        queue.removeAll()
        queueHead = 0
        queuedThrough = .min
    }

    /// With an idle timeout, advances a quiet partition's stream time by the wall-clock time it has been quiet, so
    /// its windows close (docs/semantics.md, "idle partitions"). Returns whether anything changed.
    @discardableResult
    public func advanceIfIdle(now: ContinuousClock.Instant, sink: any RecordSink) throws -> Bool {
        // Only a partition with nothing queued is quiet: records held back or paused are on their way.
        guard let idleTimeout, streamTimeAtArrival != .min, !timers.isEmpty, pendingCount == 0 else { return false }
        let quiet = now - lastArrival
        guard quiet >= idleTimeout else { return false }
        let advanced = streamTimeAtArrival &+ Int64(quiet.components.seconds * 1000)
            &+ Int64(quiet.components.attoseconds / 1_000_000_000_000_000)
        guard advanced > clock.streamTime else { return false }
        clock.streamTime = advanced
        try work.closeDueWindows(store: store, sink: sink)
        dirty = true
        return true
    }

    /// Commits the state changed since the last commit together with `nextOffset`, in one WriteBatch. Call only
    /// after the outputs of the processed records are delivered. Returns the counts the commit covers.
    @discardableResult
    package func commit() throws -> BatchCounts {
        guard dirty else { return BatchCounts() }
        try store.commit(
            nextOffset: nextOffset, streamTime: clock.streamTime, watermark: clock.watermark(grace: graceMillis))
        dirty = false
        defer { pendingCounts = BatchCounts() }
        var counts = pendingCounts
        if let (decoded, missing) = processor.missingCounts {
            counts.decoded = Int(decoded - reportedDecoded)
            if reportedMissing.count != missing.count { reportedMissing = Array(repeating: 0, count: missing.count) }
            counts.missing = zip(missing, reportedMissing).map { Int($0 - $1) }
            reportedDecoded = decoded
            reportedMissing = missing
        }
        return counts
    }

    /// Moves past records the log no longer holds (retention removed them before they were processed): the task
    /// resumes at `offset`, and the next commit records it.
    func skip(to offset: Int64) {
        guard offset > nextOffset else { return }
        nextOffset = offset
        dirty = true
    }

    /// Sets where the task resumes in its input, forward or back, and commits it with the state: the hand-over of a
    /// replay, whose repartition records were routed in memory, to live processing of the real repartition topic
    /// (everything before `offset` there is already in the state).
    package func handOver(at offset: Int64) throws {
        nextOffset = offset
        dirty = true
        try commit()
    }

    /// Whether records were processed since the last commit.
    public var hasUncommittedWork: Bool { dirty }

    /// Forgets uncommitted work: the records since the last commit will be processed again. Throws if the committed
    /// timers cannot be read back (the task must then be closed: its windows would never close).
    package func rollback() throws {
        dropQueue()
        if processor.missingCounts != nil {
            processor.resetMissingCounts(decoded: reportedDecoded, missing: reportedMissing)
        }
        store.discardUncommitted()
        nextOffset = store.committedOffset ?? KafkaOffset.beginning
        clock = StreamClock(streamTime: store.committedStreamTime)
        streamTimeAtArrival = clock.streamTime
        pendingCounts = BatchCounts()
        dirty = false
        timers = TimerQueue()
        timers = TimerQueue(try store.committedTimers())
    }

    /// Key states written at commits and their encoded bytes, since the task opened (for benchmarks).
    public var stateWrites: (keys: Int, bytes: Int) { (store.keysWritten, store.bytesWritten) }

    /// Compacts the task's store; idle keys past the expiry cutoff are dropped.
    public func compact() throws {
        try store.compact()
    }

    /// Closes the store. Uncommitted work is dropped, never half-written.
    public func close() {
        store.close()
    }

    /// The committed state of every key, for inspection and tests.
    public func committedStates() throws -> [(key: String, state: KeyState)] {
        try store.allCommittedStates()
    }
}
