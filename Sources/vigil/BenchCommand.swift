import ArgumentParser
import Foundation
import Logging
import Synchronization
import VigilCore
import VigilKafka
import VigilModel
import VigilRuntime
import VigilState
import VigilTopology

/// `vigil bench`: the measurements behind docs/performance.md, as JSON lines on standard output.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and latency (see ops/bench).",
        subcommands: [EngineBench.self, EndToEndBench.self, ModelBench.self, ReplayBench.self, BackfillBench.self, MonitorBench.self])
}

/// Prints one JSON object per line: `{"bench":…,"run":…,…}`.
func emitJSON(_ fields: [(String, Any)]) {
    let body = fields.map { key, value -> String in
        switch value {
        case let s as String: "\"\(key)\":\"\(s)\""
        case let d as Double: "\"\(key)\":\(String(format: "%.1f", d))"
        default: "\"\(key)\":\(value)"
        }
    }.joined(separator: ",")
    print("{\(body)}")
    fflush(nil)
}

/// Percentile of sorted nanosecond samples, in microseconds.
func percentileMicros(_ sorted: [UInt64], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let index = min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))
    return Double(sorted[index]) / 1_000
}

func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func nanos(_ d: Duration) -> UInt64 {
    UInt64(d.components.seconds) * 1_000_000_000 + UInt64(d.components.attoseconds / 1_000_000_000)
}

/// A sink that drops records (counting their bytes) — the engine alone, without Kafka.
final class NullSink: RecordSink {
    var records = 0
    var bytes = 0
    func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) throws {
        records += 1
        bytes += value?.count ?? 0
    }
    func flush() throws {}
}

/// A sink for the engine bench: records for a repartition topic are queued for the next stage's tasks (in the order
/// sent, to the partition Kafka's partitioner would choose); everything else is dropped and counted.
final class RoutingSink: RecordSink {
    /// The stage each repartition topic feeds.
    let internalTopics: [String: Int]
    var queue: [(stage: Int, key: [UInt8], value: [UInt8])] = []
    var records = 0
    var bytes = 0

    init(internalTopics: [String: Int]) { self.internalTopics = internalTopics }

    func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) throws {
        if let stage = internalTopics[topic] {
            queue.append((stage, key ?? [], value ?? []))
        } else {
            records += 1
            bytes += value?.count ?? 0
        }
    }
    func flush() throws {}
}

struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "The engine alone on one core: in-memory input, RocksDB state, one WriteBatch per task per batch; repartition hops are routed in memory.")

    @Option(help: "The topology.") var topology: String = "topologies/fraud-scoring.yaml"
    @Option(help: "Transactions per run.") var events: Int = 1_000_000
    @Option(help: "Cards in the generated population.") var cards: Int = 100_000
    @Option(help: "Input partitions (tasks per stage).") var partitions: Int32 = 4
    @Option(help: "Records per commit (one WriteBatch per task): the runtime commits every 100 ms, about 20k records at these rates.") var batch: Int = 20_000
    @Option(help: "Runs.") var runs: Int = 3
    @Option(help: "MiB for all state, as `vigil run --state-memory-mb` (RocksDB cache and memtables, write-back caches).") var stateMemoryMb: Int = 1024
    @Flag(help: "Leave out the topology's scoring section (features only; no monitoring either).") var noScoring = false
    @Flag(help: "Leave out the topology's monitoring section (scoring without the monitor).") var noMonitoring = false

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        // Options read once: each read of an @Option goes through ArgumentParser's storage.
        let partitions = self.partitions
        let batch = self.batch
        var topology = try loadTopologyOrExit(self.topology)
        if noScoring { topology.scoring = nil }
        if noScoring || noMonitoring { topology.monitoring = nil }
        let logger = try logging.makeLogger("vigil.bench", defaultLevel: .warning)
        let models = try topology.scoring.map { _ in try ModelRegistry(topology: topology, logger: logger) }
        var config = GeneratorConfig()
        config.seed = 1
        config.cards = cards
        config.eventCount = events
        var generator = TransactionGenerator(config)
        var messages: [KafkaMessage] = []
        messages.reserveCapacity(events)
        var counters = [Int64](repeating: 0, count: Int(partitions))
        var buffer: [UInt8] = []
        while let (t, _) = generator.next() {
            buffer.removeAll(keepingCapacity: true)
            TransactionCodec.encode(t, into: &buffer)
            let key = Array(t.cardID.utf8)
            let p = KafkaPartitioner.partition(key: key, partitions: partitions)
            messages.append(KafkaMessage(
                topic: topology.source.topic, partition: p, offset: counters[Int(p)], key: key,
                value: buffer, timestamp: nil, headers: []))
            counters[Int(p)] += 1
        }
        let averageBytes = messages.reduce(0) { $0 + ($1.value?.count ?? 0) } / max(1, messages.count)
        let inputRSS = peakResidentBytes()
        let perEvent = topology.stages.reduce(0) { $0 + $1.features.filter(\.isPerEvent).count }
        var rates: [Double] = []
        var p50s: [Double] = [], p99s: [Double] = [], commitP99s: [Double] = []
        for run in 1...runs {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            topology.stateDirectory = dir
            var tasks: [TopicPartition: PartitionTask] = [:]
            let settings = try StateSettings.bounded(
                memoryBytes: stateMemoryMb << 20, tasks: Int(partitions) * topology.stages.count)
            for stage in topology.stages {
                for p in 0..<partitions {
                    let tp = TopicPartition(stage.inputTopic, p)
                    tasks[tp] = try PartitionTask(topology: topology, partition: tp, settings: settings, models: models)
                }
            }
            let sources = (0..<partitions).map { tasks[TopicPartition(topology.source.topic, $0)]! }
            // The tasks and next offsets of each stage by partition: routing a record looks up no dictionary.
            let stageTasks = topology.stages.map { stage in
                (0..<partitions).map { tasks[TopicPartition(stage.inputTopic, $0)]! }
            }
            var nextOffsets = topology.stages.map { _ in [Int64](repeating: 0, count: Int(partitions)) }
            let sink = RoutingSink(internalTopics: Dictionary(
                uniqueKeysWithValues: topology.stages.indices.dropFirst().map { (topology.stages[$0].inputTopic, $0) }))
            var latencies = [UInt64]()
            latencies.reserveCapacity(messages.count)
            var commits = [UInt64]()
            let clock = ContinuousClock()
            let start = clock.now
            var index = 0
            while index < messages.count {
                let end = min(index + batch, messages.count)
                for i in index..<end {
                    let t0 = clock.now
                    try sources[Int(messages[i].partition)].process(messages[i], sink: sink)
                    latencies.append(nanos(clock.now - t0))
                }
                var routed = 0
                while routed < sink.queue.count {
                    let r = sink.queue[routed]
                    routed += 1
                    let partition = KafkaPartitioner.partition(key: r.key, partitions: partitions)
                    let offset = nextOffsets[r.stage][Int(partition)]
                    nextOffsets[r.stage][Int(partition)] = offset + 1
                    let task = stageTasks[r.stage][Int(partition)]
                    try task.process(
                        KafkaMessage(topic: task.partition.topic, partition: partition, offset: offset, key: r.key,
                                     value: r.value, timestamp: nil, headers: []),
                        sink: sink)
                }
                sink.queue.removeAll(keepingCapacity: true)
                let c0 = clock.now
                for task in tasks.values { try task.commit() }
                commits.append(nanos(clock.now - c0))
                index = end
            }
            let elapsed = clock.now - start
            var writes: [Int: (keys: Int, bytes: Int)] = [:]
            for task in tasks.values {
                let w = task.stateWrites
                writes[task.stageIndex, default: (0, 0)].keys += w.keys
                writes[task.stageIndex, default: (0, 0)].bytes += w.bytes
            }
            let writeSummary = topology.stages.indices.map { i in
                let w = writes[i] ?? (0, 0)
                return "\(topology.stages[i].name):\(w.keys) keys/\(w.keys > 0 ? w.bytes / w.keys : 0) B avg"
            }.joined(separator: " ")
            let rocks = settings.store.resources?.usage()
            for task in tasks.values { task.close() }
            latencies.sort()
            commits.sort()
            let seconds = Double(nanos(elapsed)) / 1e9
            let rate = Double(messages.count) / seconds
            rates.append(rate)
            p50s.append(percentileMicros(latencies, 0.5))
            p99s.append(percentileMicros(latencies, 0.99))
            commitP99s.append(percentileMicros(commits, 0.99))
            emitJSON([
                ("bench", "engine"), ("run", run), ("topology", topology.name), ("events", messages.count),
                ("events_per_s", rate), ("stage0_process_p50_us", percentileMicros(latencies, 0.5)),
                ("stage0_process_p99_us", percentileMicros(latencies, 0.99)),
                ("commit_p50_us", percentileMicros(commits, 0.5)), ("commit_p99_us", percentileMicros(commits, 0.99)),
                ("batch", batch), ("partitions", Int(partitions)), ("stages", topology.stages.count), ("cards", cards),
                ("avg_event_bytes", averageBytes), ("per_event_features", perEvent),
                ("scoring", models.map { $0.current.champion.identifier } ?? "none"), ("output_records", sink.records),
                ("state_writes", writeSummary), ("state_bytes", directoryBytes(dir)), ("peak_rss_mib", Double(peakResidentBytes()) / 1_048_576),
                ("rss_after_generating_input_mib", Double(inputRSS) / 1_048_576), ("state_memory_mib", stateMemoryMb),
                ("rocksdb_block_cache_mib", Double(rocks?.blockCacheBytes ?? 0) / 1_048_576),
                ("rocksdb_memtables_mib", Double(rocks?.memTableBytes ?? 0) / 1_048_576),
            ])
        }
        emitJSON([
            ("bench", "engine"), ("summary", "median"), ("runs", runs), ("events_per_s", median(rates)),
            ("process_p50_us", median(p50s)), ("process_p99_us", median(p99s)), ("commit_p99_us", median(commitP99s)),
        ])
    }
}

/// `vigil bench model`: single-row scoring of a synthetic XGBoost-shaped ensemble (issue 4's target: 1M scores/s
/// for 200 trees of depth 6 on one core), and the cost of one TreeSHAP explanation.
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Single-row scoring throughput of a tree ensemble, and TreeSHAP cost.")

    @Option(help: "Trees.") var trees: Int = 200
    @Option(help: "Depth of every tree (complete trees).") var depth: Int = 6
    @Option(help: "Features per row (5% missing).") var features: Int = 30
    @Option(help: "Scores per run.") var predictions: Int = 2_000_000
    @Option(help: "Explanations (pred_contribs) per run.") var explained: Int = 500
    @Option(help: "Runs.") var runs: Int = 5
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        _ = try logging.makeLogger("vigil.bench", defaultLevel: .warning)  // nothing logs here; the flags are checked
        var rates: [Double] = [], explain: [Double] = []
        for run in 1...runs {
            let m = ScoringBenchmark.run(
                trees: trees, depth: depth, features: features, predictions: predictions, explained: explained)
            rates.append(m.predictionsPerSecond)
            explain.append(m.microsecondsPerExplanation)
            emitJSON([
                ("bench", "model"), ("run", run), ("trees", trees), ("depth", depth), ("features", features),
                ("scores_per_s", m.predictionsPerSecond), ("ns_per_score", m.nanosecondsPerPrediction),
                ("us_per_explanation", m.microsecondsPerExplanation),
            ])
        }
        emitJSON([
            ("bench", "model"), ("summary", "median"), ("runs", runs), ("scores_per_s", median(rates)),
            ("us_per_explanation", median(explain)),
        ])
    }
}

/// `vigil bench monitor`: the monitor's apply rate, alone on one thread (issue 6).
struct MonitorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor", abstract: "Scored events per second the monitor applies (drift, labels, state), alone.")

    @Option(help: "The topology (its monitoring section and champion bundle).") var topology: String = "topologies/fraud-scoring.yaml"
    @Option(help: "Scored events per run.") var events: Int = 500_000
    @Option(help: "Runs.") var runs: Int = 3

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let logger = try logging.makeLogger("vigil.bench", defaultLevel: .warning)
        let t = try loadTopologyOrExit(topology)
        var rates: [Double] = []
        for run in 1...runs {
            let r = try MonitorBenchmark.run(topology: t, events: events, logger: logger)
            rates.append(r.eventsPerSecond)
            emitJSON([
                ("bench", "monitor"), ("run", run), ("events", r.events), ("events_per_s", r.eventsPerSecond),
                ("outputs", r.outputs),
            ])
        }
        emitJSON([("bench", "monitor"), ("summary", "median"), ("runs", runs), ("events_per_s", median(rates))])
    }
}

/// The total size of the files under `path`.
func directoryBytes(_ path: String) -> Int {
    guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0
    while let item = enumerator.nextObject() as? String {
        if let size = (try? FileManager.default.attributesOfItem(atPath: "\(path)/\(item)"))?[.size] as? NSNumber {
            total += size.intValue
        }
    }
    return total
}

/// The process's peak resident set size so far, in bytes (`getrusage`).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return usage.ru_maxrss * 1024
}
