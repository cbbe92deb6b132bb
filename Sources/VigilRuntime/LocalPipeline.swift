public import Logging
public import VigilKafka
public import VigilTopology
public import VigilCore
import Foundation
import VigilState

/// Runs a topology in this process without a broker, on the same tasks and operators as live: records of the
/// source topic go in, records a stage sends to a repartition topic are routed in memory, in the order they were
/// sent, to the partition Kafka's default partitioner would choose and processed by the next stage's task there,
/// and every other output goes to `output`. State lives in RocksDB under the topology's `state_dir`, committed with
/// its offsets after every `pipe`, exactly as stream threads commit.
///
/// The engine of `vigil backfill`, `vigil replay` and the `TopologyTestDriver`. Not thread-safe.
public final class LocalPipeline {
    /// One source record to process.
    public struct SourceRecord: Sendable {
        public var partition: Int32
        /// Its offset in the source partition (it names every output event); nil: the next after the last one piped
        /// into that partition.
        public var offset: Int64?
        public var key: [UInt8]?
        public var value: [UInt8]?
        /// The record's Kafka timestamp, epoch ms (the start of a prediction's latency), when known.
        public var timestamp: Int64?
        /// The event time, when the reader decoded it (nil for a record that does not decode).
        public var eventTime: Int64?
        /// The record's headers (e.g. a W3C `traceparent`).
        public var headers: [KafkaHeader] = []

        public init(
            partition: Int32, offset: Int64? = nil, key: [UInt8]?, value: [UInt8]?, timestamp: Int64? = nil,
            eventTime: Int64? = nil, headers: [KafkaHeader] = []
        ) {
            self.headers = headers
            self.partition = partition
            self.offset = offset
            self.key = key
            self.value = value
            self.timestamp = timestamp
            self.eventTime = eventTime
        }
    }

    public let topology: Topology
    public let models: ModelRegistry?
    private let settings: StateSettings
    private var tasks: [TopicPartition: PartitionTask] = [:]
    private var nextOffsets: [TopicPartition: Int64] = [:]
    private let router: Router
    private let internalTopics: [String: Int32]
    /// The monitor, when asked for and the topology has a `monitoring:` section: it reads the monitor records the
    /// last stage sends, in send order, as the monitor partition's one consumer would.
    private(set) var monitor: Monitor?
    private var monitorOffset: Int64 = 0

    /// - Parameters:
    ///   - models: the models of a topology with a `scoring:` section; nil: loaded from its bundle paths.
    ///   - output: where every record that is not for a repartition topic goes.
    ///   - runMonitor: also run the topology's monitor (when it has a `monitoring:` section) on what the last stage
    ///     sends it, with its state under the `state_dir`; its records then do not reach `output`.
    public init(
        topology: Topology, settings: StateSettings = StateSettings(), models: ModelRegistry? = nil,
        output: any RecordSink, runMonitor: Bool = false, logger: Logger = Logger(label: "vigil.local")
    ) throws {
        self.topology = topology
        self.settings = settings
        var internalTopics: [String: Int32] = [:]
        for stage in topology.stages.dropFirst() {
            internalTopics[stage.inputTopic] = topology.topics.first { $0.name == stage.inputTopic }?.partitions
                ?? topology.source.partitions
        }
        self.internalTopics = internalTopics
        let monitorTopic = runMonitor && topology.monitoring != nil ? topology.sinks.monitor : nil
        router = Router(internalTopics: Set(internalTopics.keys), monitorTopic: monitorTopic, output: output)
        if let models {
            self.models = models
        } else if topology.scoring != nil {
            self.models = try ModelRegistry(topology: topology, logger: logger)
        } else {
            self.models = nil
        }
        if monitorTopic != nil {
            let path = Monitor.storePath(topology: topology)
            try FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let store = try Store(path: path, options: settings.store)
            let models = self.models
            let monitor = try Monitor(topology: topology, store: store) { name, version in
                guard let current = models?.current else { return nil }
                for loaded in [current.champion] + (current.challenger.map { [$0] } ?? [])
                where loaded.name == name && loaded.version == version {
                    return Monitor.ModelInfo(bundle: loaded.bundle)
                }
                return nil
            }
            self.monitor = monitor
            monitorOffset = monitor.committedOffset ?? 0
        }
    }

    /// Sends labels to the monitor (as the monitor thread forwards them from the labels topic), then commits it.
    public func pipeLabels(_ labels: [Label]) throws {
        guard let monitor else { return }
        var buffer: [UInt8] = []
        for label in labels {
            MonitorRecord.encodeLabel(label, into: &buffer)
            try applyToMonitor(monitor, buffer)
        }
        try router.flush()
        try monitor.commit(offset: monitorOffset)
    }

    private func applyToMonitor(_ monitor: Monitor, _ bytes: [UInt8]) throws {
        try monitor.apply(bytes) { out in
            try router.output.send(topic: out.topic, key: out.key, value: out.value, headers: [])
        }
        monitorOffset += 1
    }

    /// Processes records of the source topic in the order given (across partitions) through every stage, as one
    /// batch, then commits every task it touched. Records in event-time order stay in that order through the
    /// repartition hops, as the stream threads' alignment keeps them live. On an error the batch's state changes
    /// are rolled back and the offsets go back to the committed ones, so piping the same records again redoes it
    /// (outputs already sent stay sent, as a producer's delivered records would).
    public func pipe(_ records: [SourceRecord]) throws {
        var touched: [PartitionTask] = []
        do {
            for record in records {
                let tp = TopicPartition(topology.source.topic, record.partition)
                let task = try self.task(tp)
                if !touched.contains(where: { $0 === task }) { touched.append(task) }
                try deliver(
                    record.key, record.value, to: tp, offset: record.offset, timestamp: record.timestamp,
                    headers: record.headers, task: task)
            }
            // Route what the stages forwarded, in send order, until nothing is left in flight.
            var routed = 0
            while routed < router.queue.count {
                let record = router.queue[routed]
                routed += 1
                let p = KafkaPartitioner.partition(key: record.key ?? [], partitions: internalTopics[record.topic]!)
                let tp = TopicPartition(record.topic, p)
                let next = try self.task(tp)
                if !touched.contains(where: { $0 === next }) { touched.append(next) }
                try deliver(record.key, record.value, to: tp, offset: nil, timestamp: nil, headers: record.headers, task: next)
            }
            router.queue.removeAll(keepingCapacity: true)
            if let monitor {
                for bytes in router.monitorQueue { try applyToMonitor(monitor, bytes) }
                router.monitorQueue.removeAll(keepingCapacity: true)
            }
            try router.flush()  // outputs are delivered before the state that covers them is committed
            for task in touched { try task.commit() }
            try monitor?.commit(offset: monitorOffset)
        } catch {
            router.queue.removeAll(keepingCapacity: true)
            router.monitorQueue.removeAll(keepingCapacity: true)
            for task in touched {
                try task.rollback()
                nextOffsets[task.partition] = task.committedOffset ?? 0
            }
            throw error
        }
    }

    private func deliver(
        _ key: [UInt8]?, _ value: [UInt8]?, to tp: TopicPartition, offset: Int64?, timestamp: Int64?,
        headers: [KafkaHeader], task: PartitionTask
    ) throws {
        let offset = offset ?? nextOffsets[tp] ?? 0
        let message = KafkaMessage(
            topic: tp.topic, partition: tp.partition, offset: offset, key: key, value: value, timestamp: timestamp,
            headers: headers)
        try task.process(message, sink: router)
        nextOffsets[tp] = offset + 1
    }

    /// Lets wall-clock time pass for the tasks (the topology's `idle_timeout`), then commits.
    public func advanceIdle(now: ContinuousClock.Instant) throws {
        for task in tasks.values {
            try task.advanceIfIdle(now: now, sink: router)
            try task.commit()
        }
    }

    /// Runs a full RocksDB compaction of every task's store (expiry of idle keys happens in compactions).
    public func compactState() throws {
        for task in tasks.values { try task.compact() }
    }

    /// The task of a partition of an input topic (opened on first use; resumes from its stored state).
    public func task(_ tp: TopicPartition) throws -> PartitionTask {
        if let task = tasks[tp] { return task }
        let task = try PartitionTask(topology: topology, partition: tp, settings: settings, models: models)
        tasks[tp] = task
        if let committed = task.committedOffset { nextOffsets[tp] = committed }
        return task
    }

    /// The tasks opened so far.
    public var openTasks: [PartitionTask] { Array(tasks.values) }

    /// Closes the stores.
    public func close() {
        monitor = nil
        for task in tasks.values { task.close() }
        tasks.removeAll()
    }

    deinit { close() }

    /// Queues records for repartition topics; passes everything else on.
    final class Router: RecordSink {
        let internalTopics: Set<String>
        let monitorTopic: String?
        let output: any RecordSink
        var queue: [(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader])] = []
        var monitorQueue: [[UInt8]] = []

        init(internalTopics: Set<String>, monitorTopic: String?, output: any RecordSink) {
            self.internalTopics = internalTopics
            self.monitorTopic = monitorTopic
            self.output = output
        }

        func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) throws {
            if topic == monitorTopic {
                monitorQueue.append(value ?? [])
            } else if internalTopics.contains(topic) {
                queue.append((topic, key, value, headers))
            } else {
                try output.send(topic: topic, key: key, value: value, headers: headers)
            }
        }

        func flush() throws { try output.flush() }
    }
}
