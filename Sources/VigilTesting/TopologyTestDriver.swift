public import VigilKafka
public import VigilTopology
public import VigilCore
public import VigilRuntime
import Foundation
import Logging

/// Runs a topology without a broker, like Kafka Streams' `TopologyTestDriver`: records piped in are processed by
/// the same tasks and operators as live (a `LocalPipeline`), with state in RocksDB under a temporary directory, and
/// the outputs are kept in memory per topic. Records a stage sends to a repartition topic are routed, in the order
/// they were sent, to the partition Kafka's default partitioner would choose, and processed by the next stage's
/// task there.
///
/// Each `pipe` call is one batch: processed through every stage, then committed with its offsets, as stream
/// threads would do. Not thread-safe.
public final class TopologyTestDriver {
    public let topology: Topology
    private let pipeline: LocalPipeline
    private let sink = MemorySink()
    private let ownsStateDirectory: Bool
    /// The topology's models (a topology with a `scoring:` section); `models.reload()` swaps in a changed bundle
    /// between two `pipe` calls, as the watcher does under traffic.
    public var models: ModelRegistry? { pipeline.models }

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
        pipeline = try LocalPipeline(
            topology: topology, models: models, output: sink, runMonitor: true, logger: Logger(label: "vigil.test-driver"))
    }

    /// Pipes records into `partition` of the source topic, at consecutive offsets, as one batch through every
    /// stage.
    public func pipe(_ records: [(key: [UInt8]?, value: [UInt8]?)], partition: Int32 = 0) throws {
        try pipeline.pipe(records.map { LocalPipeline.SourceRecord(partition: partition, key: $0.key, value: $0.value) })
    }

    /// Pipes records into the source topic's partitions, processed in the order given (across partitions, as one
    /// batch through every stage).
    public func pipe(_ records: [(partition: Int32, key: [UInt8]?, value: [UInt8]?)]) throws {
        try pipeline.pipe(records.map { LocalPipeline.SourceRecord(partition: $0.partition, key: $0.key, value: $0.value) })
    }

    /// Pipes source records as given (partition, offset, key, value, timestamp, headers), in order, as one batch.
    public func pipe(records: [LocalPipeline.SourceRecord]) throws {
        try pipeline.pipe(records)
    }

    /// Lets `duration` of wall-clock time pass for the tasks: with the topology's `idle_timeout`, quiet partitions
    /// advance their stream time and close windows, as a stream thread does when nothing arrives. Then commits.
    public func advanceWallClock(by duration: Duration) throws {
        wallClockOffset += duration
        try pipeline.advanceIdle(now: ContinuousClock.now + wallClockOffset)
    }

    private var wallClockOffset: Duration = .zero

    /// Runs a full RocksDB compaction of every task's store (expiry of idle keys happens in compactions).
    public func compactState() throws {
        try pipeline.compactState()
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
    /// fit in memory).
    public func drainOutput() -> [MemorySink.Record] {
        sink.drain()
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

    /// Drift and drift-summary events of the monitor (a topology with `monitoring:`).
    public var driftEvents: [MemorySink.Record] { output(topic: topology.sinks.drift) }

    /// Performance events of the monitor.
    public var performanceEvents: [MemorySink.Record] { output(topic: topology.sinks.performance) }

    /// Retrain triggers of the monitor.
    public var retrainTriggers: [MemorySink.Record] { output(topic: topology.sinks.triggers) }

    /// Audit events.
    public var auditEvents: [MemorySink.Record] { output(topic: topology.sinks.audit) }

    /// Sends labels to the monitor, as the monitor thread forwards them from the labels topic.
    public func pipeLabels(_ labels: [Label]) throws {
        try pipeline.pipeLabels(labels)
    }

    /// The committed state of every key of a stage's partition (default: the source topic's).
    public func committedStates(partition: Int32 = 0, stage: Int = 0) throws -> [(key: String, state: KeyState)] {
        try pipeline.task(TopicPartition(topology.stages[stage].inputTopic, partition)).committedStates()
    }

    /// Closes the stores and removes the temporary state directory if the driver made it.
    public func close() {
        pipeline.close()
        if ownsStateDirectory { try? FileManager.default.removeItem(atPath: topology.stateDirectory) }
    }

    deinit { close() }
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
