public import VigilKafka
public import VigilTopology
public import VigilCore
public import VigilRuntime
import Foundation
import Logging

/// Runs a topology without a broker, like Kafka Streams' `TopologyTestDriver`: records piped in are processed by
/// the same tasks and operators as live, with state in RocksDB under a temporary directory, and the outputs are
/// kept in memory per topic. Records a stage sends to a repartition topic are routed, in the order they were sent,
/// to the partition Kafka's default partitioner would choose, and processed by the next stage's task there.
///
/// Each `pipe` call is one batch: processed through every stage, then committed with its offsets, as stream
/// threads would do. Not thread-safe.
public final class TopologyTestDriver {
    public let topology: Topology
    private var tasks: [TopicPartition: PartitionTask] = [:]
    private var nextOffsets: [TopicPartition: Int64] = [:]
    private let sink = MemorySink()
    /// How many of the sink's records have been routed to the next stage.
    private var routed = 0
    private let ownsStateDirectory: Bool
    private let internalTopics: [String: Int32]
    /// The topology's models (a topology with a `scoring:` section); `models.reload()` swaps in a changed bundle
    /// between two `pipe` calls, as the watcher does under traffic.
    public let models: ModelRegistry?

    /// - Parameters:
    ///   - stateDirectory: where task state lives; a fresh temporary directory (removed by `close()`) if nil.
    ///   - models: the models of a topology with a `scoring:` section; nil: loaded from its bundle paths.
    public init(topology: Topology, stateDirectory: String? = nil, models: ModelRegistry? = nil) throws {
        var topology = topology
        if let stateDirectory {
            topology.stateDirectory = stateDirectory
            ownsStateDirectory = false
        } else {
            topology.stateDirectory = FileManager.default.temporaryDirectory
                .appendingPathComponent("vigil-driver-\(UUID().uuidString)").path
            ownsStateDirectory = true
        }
        self.topology = topology
        var internalTopics: [String: Int32] = [:]
        for stage in topology.stages.dropFirst() {
            internalTopics[stage.inputTopic] = topology.topics.first { $0.name == stage.inputTopic }?.partitions
                ?? topology.source.partitions
        }
        self.internalTopics = internalTopics
        if let models {
            self.models = models
        } else if topology.scoring != nil {
            self.models = try ModelRegistry(topology: topology, logger: Logger(label: "vigil.test-driver"))
        } else {
            self.models = nil
        }
    }

    /// Pipes records into `partition` of the source topic, at consecutive offsets, as one batch through every
    /// stage.
    public func pipe(_ records: [(key: [UInt8]?, value: [UInt8]?)], partition: Int32 = 0) throws {
        try pipe(records.map { (partition: partition, key: $0.key, value: $0.value) })
    }

    /// Pipes records into the source topic's partitions, processed in the order given (across partitions, as one
    /// batch through every stage): records in event-time order stay in that order through the repartition hops,
    /// as the stream threads' alignment keeps them live.
    public func pipe(_ records: [(partition: Int32, key: [UInt8]?, value: [UInt8]?)]) throws {
        var touched: [PartitionTask] = []
        do {
            for record in records {
                let sourcePartition = TopicPartition(topology.source.topic, record.partition)
                let task = try self.task(sourcePartition)
                if !touched.contains(where: { $0 === task }) { touched.append(task) }
                try deliver(record.key, record.value, to: sourcePartition, task: task)
            }
            // Route what the stages forwarded, in send order, until nothing is left in flight.
            while routed < sink.records.count {
                let record = sink.records[routed]
                routed += 1
                guard let partitions = internalTopics[record.topic] else { continue }
                let p = KafkaPartitioner.partition(key: record.key ?? [], partitions: partitions)
                let tp = TopicPartition(record.topic, p)
                let next = try self.task(tp)
                if !touched.contains(where: { $0 === next }) { touched.append(next) }
                try deliver(record.key, record.value, to: tp, task: next)
            }
            for task in touched { try task.commit() }
        } catch {
            // As a stream thread would: the batch's state changes are undone and the offsets go back to the committed
            // ones, so piping the same records again redoes the batch. (Outputs the failed batch already wrote stay
            // in the sink, as a producer's delivered records would stay on their topics.)
            for task in touched {
                try task.rollback()
                nextOffsets[task.partition] = task.committedOffset ?? 0
            }
            routed = sink.records.count
            throw error
        }
    }

    private func deliver(_ key: [UInt8]?, _ value: [UInt8]?, to tp: TopicPartition, task: PartitionTask) throws {
        let offset = nextOffsets[tp] ?? 0
        let message = KafkaMessage(
            topic: tp.topic, partition: tp.partition, offset: offset, key: key, value: value, timestamp: nil,
            headers: [])
        try task.process(message, sink: sink)
        nextOffsets[tp] = offset + 1
    }

    /// Lets `duration` of wall-clock time pass for the tasks: with the topology's `idle_timeout`, quiet partitions
    /// advance their stream time and close windows, as a stream thread does when nothing arrives. Then commits.
    public func advanceWallClock(by duration: Duration) throws {
        wallClockOffset += duration
        let now = ContinuousClock.now + wallClockOffset
        for task in tasks.values {
            try task.advanceIfIdle(now: now, sink: sink)
            try task.commit()
        }
    }

    private var wallClockOffset: Duration = .zero

    /// Runs a full RocksDB compaction of every task's store (expiry of idle keys happens in compactions).
    public func compactState() throws {
        for task in tasks.values { try task.compact() }
    }

    /// Pipes one record's value (keyed by nothing) into `partition`.
    public func pipe(value: [UInt8], partition: Int32 = 0) throws {
        try pipe([(key: nil, value: value)], partition: partition)
    }

    /// Every record written to `topic` so far, in order.
    public func output(topic: String) -> [MemorySink.Record] {
        sink.records.filter { $0.topic == topic }
    }

    /// Every record written since the last call, in order, and forgets them (for long runs whose outputs would not
    /// fit in memory). Call between `pipe` calls.
    public func drainOutput() -> [MemorySink.Record] {
        precondition(routed == sink.records.count, "drainOutput() while records are in flight")
        routed = 0
        return sink.drain()
    }

    /// The feature events written so far.
    public var featureEvents: [MemorySink.Record] { output(topic: topology.sinks.features) }

    /// The window results written so far.
    public var windowEvents: [MemorySink.Record] { output(topic: topology.sinks.windows) }

    /// The dead-letter records written so far.
    public var deadLetters: [MemorySink.Record] { output(topic: topology.sinks.deadLetter) }

    /// The live predictions written so far.
    public var predictions: [MemorySink.Record] { output(topic: topology.sinks.predictions) }

    /// The challenger's shadow predictions written so far.
    public var shadowPredictions: [MemorySink.Record] { output(topic: topology.sinks.shadow) }

    /// The alerts written so far.
    public var alerts: [MemorySink.Record] { output(topic: topology.sinks.alerts) }

    /// The late events written so far.
    public var lateEvents: [MemorySink.Record] { output(topic: topology.sinks.late) }

    /// The committed state of every key of a stage's partition (default: the source topic's).
    public func committedStates(partition: Int32 = 0, stage: Int = 0) throws -> [(key: String, state: KeyState)] {
        try task(TopicPartition(topology.stages[stage].inputTopic, partition)).committedStates()
    }

    /// Closes the stores and removes the temporary state directory if the driver made it.
    public func close() {
        for task in tasks.values { task.close() }
        tasks.removeAll()
        if ownsStateDirectory { try? FileManager.default.removeItem(atPath: topology.stateDirectory) }
    }

    deinit { close() }

    private func task(_ tp: TopicPartition) throws -> PartitionTask {
        if let task = tasks[tp] { return task }
        let task = try PartitionTask(topology: topology, partition: tp, settings: StateSettings(), models: models)
        tasks[tp] = task
        if let committed = task.committedOffset { nextOffsets[tp] = committed }
        return task
    }
}

/// A `RecordSink` that keeps records in memory.
public final class MemorySink: RecordSink {
    public struct Record: Sendable {
        public var topic: String
        public var key: [UInt8]?
        public var value: [UInt8]?
        public var headers: [KafkaHeader]

        /// The header `name`'s value as text.
        public func header(_ name: String) -> String? {
            headers.first { $0.key == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    public private(set) var records: [Record] = []

    public init() {}

    public func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) throws {
        records.append(Record(topic: topic, key: key, value: value, headers: headers))
    }

    public func flush() throws {}

    /// Returns every record and forgets them.
    public func drain() -> [Record] {
        defer { records.removeAll(keepingCapacity: true) }
        return records
    }
}
