public import VigilKafka
public import VigilTopology
import Foundation
import VigilCore
import VigilRuntime

/// Runs a topology without a broker, like Kafka Streams' `TopologyTestDriver`: records piped in are processed by
/// the same tasks and operators as live, with state in RocksDB under a temporary directory, and the outputs are
/// kept in memory per topic.
///
/// Each `pipe` call is one batch: processed, then committed with its offset, as a stream thread would do.
/// Not thread-safe.
public final class TopologyTestDriver {
    public let topology: Topology
    private var tasks: [Int32: PartitionTask] = [:]
    private var nextOffsets: [Int32: Int64] = [:]
    private let sink = MemorySink()
    private let ownsStateDirectory: Bool

    /// - Parameter stateDirectory: where task state lives; a fresh temporary directory (removed by `close()`) if nil.
    public init(topology: Topology, stateDirectory: String? = nil) throws {
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
    }

    /// Pipes records into `partition` of the input topic, at consecutive offsets, as one batch.
    public func pipe(_ records: [(key: [UInt8]?, value: [UInt8]?)], partition: Int32 = 0) throws {
        let task = try self.task(partition)
        var offset = nextOffsets[partition] ?? 0
        do {
            for record in records {
                let message = KafkaMessage(
                    topic: topology.source.topic, partition: partition, offset: offset, key: record.key,
                    value: record.value, timestamp: nil, headers: [])
                try task.process(message, sink: sink)
                offset += 1
            }
            try task.commit()
        } catch {
            task.rollback()  // as a stream thread would: the batch is redone from the committed offset
            throw error
        }
        nextOffsets[partition] = offset
    }

    /// Pipes one record's value (keyed by nothing) into `partition`.
    public func pipe(value: [UInt8], partition: Int32 = 0) throws {
        try pipe([(key: nil, value: value)], partition: partition)
    }

    /// Every record written to `topic` so far, in order.
    public func output(topic: String) -> [MemorySink.Record] {
        sink.records.filter { $0.topic == topic }
    }

    /// The feature events written so far.
    public var featureEvents: [MemorySink.Record] { output(topic: topology.sinks.features) }

    /// The dead-letter records written so far.
    public var deadLetters: [MemorySink.Record] { output(topic: topology.sinks.deadLetter) }

    /// The committed state of every key of `partition`: its total event count and retained window entries.
    public func committedStates(partition: Int32 = 0) throws -> [(key: String, eventCount: Int64, retained: Int)] {
        try task(partition).committedStates()
    }

    /// Closes the stores and removes the temporary state directory if the driver made it.
    public func close() {
        for task in tasks.values { task.close() }
        tasks.removeAll()
        if ownsStateDirectory { try? FileManager.default.removeItem(atPath: topology.stateDirectory) }
    }

    deinit { close() }

    private func task(_ partition: Int32) throws -> PartitionTask {
        if let task = tasks[partition] { return task }
        let task = try PartitionTask(
            topology: topology, partition: TopicPartition(topology.source.topic, partition), settings: StateSettings())
        tasks[partition] = task
        if let committed = task.committedOffset { nextOffsets[partition] = committed }
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
}
