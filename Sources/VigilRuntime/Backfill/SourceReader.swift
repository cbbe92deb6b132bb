public import Logging
import Foundation
import VigilCore
import VigilKafka
public import VigilTopology

/// Reads a topology's source events for a backfill or a replay, in event-time order: a JSON Lines file as it is
/// (one event per line, routed to partitions by the first stage's key as the Kafka producer would), or a Kafka
/// topic, every partition from its start to the end it had when reading began, merged by event time across
/// partitions as the stream threads' alignment does live (the record with the earliest event time among the
/// partitions' next records goes first).
public final class SourceReader {
    public enum Source: Sendable, CustomStringConvertible {
        case file(path: String)
        case topic(name: String, bootstrapServers: String, properties: [String: String])

        public var description: String {
            switch self {
            case .file(let path): "file \(path)"
            case .topic(let name, _, _): "topic \(name)"
            }
        }
    }

    /// What was read from one partition (topic) or the whole file.
    public struct Extent: Sendable, Equatable {
        public var partition: Int32
        public var first: Int64
        public var end: Int64
    }

    let topology: Topology
    private var decoder: SchemaDecoder
    private let keyField: Int
    private let partitions: Int32
    private var file: LineReader?
    private var nextLine: [Int32: Int64] = [:]
    private var consumer: KafkaConsumer?
    /// Per partition, fetched records with their event times (decoded once, when fetched).
    /// Per partition (by index), fetched records with their event times (decoded once, when fetched).
    private var buffers: [[(message: KafkaMessage, time: Int64)]] = []
    private var heads: [Int] = []
    /// Per partition, the end offset to read to (-1: nothing to read).
    private var ends: [Int64] = []
    private var positions: [Int64] = []
    private var paused: Set<Int32> = []
    /// The partitions with records to read.
    private var active: [Int] = []
    public private(set) var extents: [Extent] = []
    /// SHA-256 of a file source's bytes, once read to its end.
    public private(set) var fileChecksum: String?
    private var hasher = SHA256()

    /// - Parameter from: for a topic, the offset to start each partition at (default: its start).
    public init(topology: Topology, source: Source, from: [Int32: Int64] = [:], logger: Logger) throws {
        self.topology = topology
        decoder = SchemaDecoder(schema: topology.source.schema)
        keyField = topology.stages[0].keyField
        switch source {
        case .file(let path):
            guard let reader = LineReader(path: path) else { throw RuntimeError.startup("cannot read \(path)") }
            file = reader
            partitions = topology.source.partitions
        case .topic(let name, let bootstrap, let properties):
            var config = KafkaConfig(bootstrapServers: bootstrap)
            for (k, v) in properties { config[k] = v }
            config["group.id"] = "vigil-reader-\(UUID().uuidString)"
            config["enable.partition.eof"] = "false"
            let count = try KafkaAdmin(config: config, logger: logger).partitionCount(topic: name, timeout: .seconds(10))
            partitions = count
            let consumer = try KafkaConsumer(config: config, logger: logger)
            buffers = Array(repeating: [], count: Int(count))
            heads = Array(repeating: 0, count: Int(count))
            ends = Array(repeating: -1, count: Int(count))
            positions = Array(repeating: 0, count: Int(count))
            var start: [TopicPartition: Int64] = [:]
            for p in 0..<count {
                let (low, high) = try consumer.watermarks(TopicPartition(name, p), timeout: .seconds(10))
                let first = min(high, max(low, from[p] ?? low))
                extents.append(Extent(partition: p, first: first, end: high))
                if high > first {
                    ends[Int(p)] = high
                    positions[Int(p)] = first
                    active.append(Int(p))
                    start[TopicPartition(name, p)] = first
                }
            }
            try consumer.assign(start)
            self.consumer = consumer
            sourceTopic = name
        }
    }

    /// The next source record in event-time order, or nil at the end.
    public func next() throws -> LocalPipeline.SourceRecord? {
        if let file {
            guard let line = file.next() else {
                if fileChecksum == nil { fileChecksum = hasher.hexDigest() }
                return nil
            }
            hasher.update(line)
            hasher.update(CollectionOfOne(0x0A))
            var partition: Int32 = 0
            var time: Int64?
            if let record = try? decoder.decode(line) {
                time = record.timestamp
                if let key = StageProcessor.keyString(record.values[keyField]) {
                    partition = KafkaPartitioner.partition(key: Array(key.utf8), partitions: partitions)
                }
            }
            let offset = nextLine[partition, default: 0]
            nextLine[partition] = offset + 1
            return LocalPipeline.SourceRecord(partition: partition, offset: offset, key: nil, value: line, eventTime: time)
        }
        // A topic: every unfinished partition needs a buffered record before the earliest can be chosen.
        while true {
            var best: (partition: Int32, time: Int64)?
            var missing = false
            for p in active {
                let head = heads[p]
                if head < buffers[p].count {
                    let t = buffers[p][head].time
                    if best == nil || t < best!.time || (t == best!.time && Int32(p) < best!.partition) { best = (Int32(p), t) }
                } else if positions[p] < ends[p] {
                    missing = true
                }
            }
            if !missing, let best {
                let p = Int(best.partition)
                let message = buffers[p][heads[p]].message
                let time: Int64? = best.time == .min ? nil : best.time
                heads[p] += 1
                if heads[p] >= 4_096 {
                    buffers[p].removeFirst(heads[p])
                    heads[p] = 0
                }
                return LocalPipeline.SourceRecord(
                    partition: message.partition, offset: message.offset, key: message.key, value: message.value,
                    timestamp: message.timestamp, eventTime: time)
            }
            if !missing { return nil }
            try fetch()
        }
    }

    private func fetch() throws {
        guard let consumer else { return }
        // Partitions far ahead wait, so that memory stays bounded while a slow one catches up.
        for p in active {
            let held = buffers[p].count - heads[p]
            let tp = TopicPartition(sourceTopic, Int32(p))
            if held > 50_000, !paused.contains(Int32(p)) {
                try consumer.pause([tp])
                paused.insert(Int32(p))
            } else if held < 10_000, paused.contains(Int32(p)) {
                try consumer.resume([tp])
                paused.remove(Int32(p))
            }
        }
        for message in try consumer.poll(maxMessages: 10_000, timeout: .milliseconds(200)) {
            let p = Int(message.partition)
            guard p < ends.count, message.offset < ends[p] else { continue }
            buffers[p].append((message, eventTime(message)))
            positions[p] = message.offset + 1
        }
    }

    /// The topic being read (a topic source).
    private var sourceTopic = ""

    private func eventTime(_ message: KafkaMessage) -> Int64 {
        guard let value = message.value, let record = try? decoder.decode(value) else { return .min }
        return record.timestamp
    }

    public func close() {
        consumer?.close()
        consumer = nil
    }

    deinit { close() }
}

/// Reads a file line by line as bytes, without the line ends.
public final class LineReader {
    private let handle: UnsafeMutablePointer<FILE>
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var start = 0
    private var end = 0
    private var atEnd = false

    public init?(path: String) {
        guard let h = fopen(path, "rb") else { return nil }
        handle = h
    }

    deinit { fclose(handle) }

    /// The next line (without "\n" or "\r\n"), or nil at the end of the file.
    public func next() -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            if start < end {
                if let nl = buffer[start..<end].firstIndex(of: 0x0A) {
                    line.append(contentsOf: buffer[start..<nl])
                    start = nl + 1
                    if line.last == 0x0D { line.removeLast() }
                    return line
                }
                line.append(contentsOf: buffer[start..<end])
                start = end
            }
            if atEnd { return line.isEmpty ? nil : line }
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            start = 0
            end = n
            if n == 0 { atEnd = true }
        }
    }
}
