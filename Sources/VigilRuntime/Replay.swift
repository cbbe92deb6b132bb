public import Logging
import Foundation
import VigilCore
public import VigilKafka
public import VigilTopology

/// `vigil replay`: rebuilds a topology's state from its input log into a fresh state directory, at full speed —
/// the source topic read start to end (merged by event time across partitions), the repartition hops routed in
/// memory — and then either stops or hands over to live processing.
///
/// The hand-over leaves every task's state committed with the offset live processing resumes at: the source
/// partitions where the replay stopped; the repartition partitions at their topics' current ends (whatever they
/// hold was written for events the replay has already applied). A `Runner` started on the same state directory then
/// goes on with no gap and no double count. Outputs during the replay go nowhere (the default), to the normal
/// topics, or to topics with a prefix.
public final class Replay: Sendable {
    public enum Start: Sendable, Equatable {
        case earliest
        /// Events before this event time (epoch ms) are skipped (the log is still read from its start).
        case time(Int64)
        /// Per partition, the offset to start at.
        case offsets([Int32: Int64])
    }

    public enum Outputs: Sendable, Equatable {
        case none
        case normal
        /// Every output topic's name with this prefix (`<prefix><topic>`).
        case prefixed(String)
    }

    public struct Options: Sendable {
        public var bootstrapServers: String
        public var kafka: [String: String] = [:]
        public var from: Start = .earliest
        /// Stop before the first event at or after this event time (epoch ms); nil: the end of the log when the
        /// replay started.
        public var to: Int64?
        public var outputs: Outputs = .none
        public var batch = 20_000
        /// Continue an earlier replay (`--then stop`) from the offsets stored with its state, instead of rebuilding
        /// into a fresh directory: the second step of a hand-over with short downtime (docs/backfill.md).
        public var resume = false

        public init(bootstrapServers: String) { self.bootstrapServers = bootstrapServers }
    }

    public struct Progress: Sendable {
        public var events: Int
        /// Records to read in all (the offset ranges at the start).
        public var total: Int
        public var eventsPerSecond: Double
        /// Seconds left at the current rate.
        public var eta: Double
    }

    public struct Report: Sendable {
        public var events = 0
        public var outputs = 0
        public var seconds = 0.0
        /// Per source partition, the offset live processing resumes at.
        public var resumeAt: [Int32: Int64] = [:]
    }

    public let topology: Topology
    let options: Options
    let logger: Logger

    public init(topology: Topology, options: Options, logger: Logger) {
        self.topology = topology
        self.options = options
        self.logger = logger
    }

    /// The directory the replay builds; it must not hold state yet.
    public var stateDirectory: String { "\(topology.stateDirectory)/\(topology.name)" }

    public func run(settings: StateSettings = StateSettings(), progress: (Progress) -> Void = { _ in }) throws -> Report {
        let holdsState = !((try? FileManager.default.contentsOfDirectory(atPath: stateDirectory)) ?? []).isEmpty
        if holdsState && !options.resume {
            throw RuntimeError.startup(
                "replay rebuilds state into a fresh directory, and \(stateDirectory) already holds state; give another state_dir (--state-dir), delete it, or continue an earlier replay with --resume")
        }
        if options.resume && !holdsState {
            throw RuntimeError.startup("--resume continues an earlier replay, but \(stateDirectory) holds no state")
        }
        let started = ContinuousClock.now
        var report = Report()
        var config = KafkaConfig(bootstrapServers: options.bootstrapServers)
        for (k, v) in topology.kafka { config[k] = v }
        for (k, v) in options.kafka { config[k] = v }
        // Every output goes through one counting sink: dropped (none), or renamed by a prefix ("" for normal) and
        // produced.
        let sink: CountingSink
        var producer: KafkaProducer?
        switch options.outputs {
        case .none:
            sink = CountingSink(prefix: "", output: nil)
        case .normal, .prefixed:
            let p = try KafkaProducer(config: config, logger: logger)
            producer = p
            var prefix = ""
            if case .prefixed(let name) = options.outputs { prefix = name }
            sink = CountingSink(prefix: prefix, output: ProducerSink(producer: p))
        }
        defer { withExtendedLifetime(producer) {} }
        let pipeline = try LocalPipeline(topology: topology, settings: settings, output: sink, logger: logger)
        defer { pipeline.close() }
        var starts: [Int32: Int64] = [:]
        if case .offsets(let offsets) = options.from { starts = offsets }
        if options.resume {
            for p in 0..<topology.source.partitions {
                if let stored = try pipeline.task(TopicPartition(topology.source.topic, p)).committedOffset, stored >= 0 {
                    starts[p] = stored
                }
            }
        }
        let reader = try SourceReader(
            topology: topology,
            source: .topic(name: topology.source.topic, bootstrapServers: options.bootstrapServers, properties: options.kafka),
            from: starts, logger: logger)
        defer { reader.close() }
        let total = reader.extents.reduce(0) { $0 + Int($1.end - $1.first) }
        for extent in reader.extents { report.resumeAt[extent.partition] = extent.first }
        var batch: [LocalPipeline.SourceRecord] = []
        var read = 0
        func flush() throws {
            guard !batch.isEmpty else { return }
            try pipeline.pipe(batch)
            batch.removeAll(keepingCapacity: true)
            let elapsed = Backfill.seconds(ContinuousClock.now - started)
            let rate = Double(read) / max(elapsed, 1e-9)
            progress(Progress(events: read, total: total, eventsPerSecond: rate, eta: Double(total - read) / max(rate, 1e-9)))
        }
        while let record = try reader.next() {
            let time = record.eventTime
            if let to = options.to, let time, time >= to { break }
            read += 1
            report.resumeAt[record.partition] = (record.offset ?? 0) + 1
            // Before the start time: not applied, but passed (the hand-over resumes after it).
            if case .time(let from) = options.from, let time, time < from { continue }
            report.events += 1
            batch.append(record)
            if batch.count >= options.batch { try flush() }
        }
        try flush()
        try handOver(pipeline: pipeline, config: config, resumeAt: report.resumeAt)
        try sink.flush()
        report.outputs = sink.count
        report.seconds = Backfill.seconds(ContinuousClock.now - started)
        return report
    }

    /// Commits every task with the offset live processing resumes at.
    private func handOver(pipeline: LocalPipeline, config: KafkaConfig, resumeAt: [Int32: Int64]) throws {
        for (partition, offset) in resumeAt {
            try pipeline.task(TopicPartition(topology.source.topic, partition)).handOver(at: offset)
        }
        var readerConfig = config
        readerConfig["group.id"] = "vigil-replay-\(UUID().uuidString)"
        let consumer = try KafkaConsumer(config: readerConfig, logger: logger)
        defer { consumer.close() }
        let admin = try KafkaAdmin(config: config, logger: logger)
        for stage in topology.stages.dropFirst() {
            let count = try admin.partitionCount(topic: stage.inputTopic, timeout: .seconds(10))
            for p in 0..<count {
                let tp = TopicPartition(stage.inputTopic, p)
                let (_, high) = try consumer.watermarks(tp, timeout: .seconds(10))
                try pipeline.task(tp).handOver(at: high)
            }
        }
    }
}

/// Counts the replay's outputs; passes them on renamed with a prefix, or drops them when there is no output.
final class CountingSink: RecordSink {
    let prefix: String
    let output: (any RecordSink)?
    var count = 0

    init(prefix: String, output: (any RecordSink)?) {
        self.prefix = prefix
        self.output = output
    }

    func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) throws {
        count += 1
        try output?.send(topic: prefix.isEmpty ? topic : prefix + topic, key: key, value: value, headers: headers)
    }

    func flush() throws { try output?.flush() }
}
