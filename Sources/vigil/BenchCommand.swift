import ArgumentParser
import Foundation
import Logging
import Synchronization
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// `vigil bench`: the measurements behind docs/performance.md, as JSON lines on standard output.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput and latency (see ops/bench).",
        subcommands: [EngineBench.self, EndToEndBench.self])
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

struct EngineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "The engine alone on one core: in-memory input, RocksDB state, one WriteBatch per batch.")

    @Option(help: "The topology.") var topology: String = "topologies/card-velocity.yaml"
    @Option(help: "Transactions per run.") var events: Int = 1_000_000
    @Option(help: "Cards in the generated population.") var cards: Int = 100_000
    @Option(help: "Input partitions (tasks).") var partitions: Int32 = 4
    @Option(help: "Records per commit (one WriteBatch per task): the runtime commits every 100 ms, about 20k records at these rates.") var batch: Int = 20_000
    @Option(help: "Runs.") var runs: Int = 3

    func run() throws {
        var topology = try loadTopologyOrExit(self.topology)
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
            let p = Int32(truncatingIfNeeded: t.cardID.hashValue & 0x7fff_ffff) % partitions
            messages.append(KafkaMessage(
                topic: topology.source.topic, partition: p, offset: counters[Int(p)], key: Array(t.cardID.utf8),
                value: buffer, timestamp: nil, headers: []))
            counters[Int(p)] += 1
        }
        let averageBytes = messages.reduce(0) { $0 + ($1.value?.count ?? 0) } / max(1, messages.count)
        var rates: [Double] = []
        var p50s: [Double] = [], p99s: [Double] = [], commitP99s: [Double] = []
        for run in 1...runs {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            topology.stateDirectory = dir
            let tasks = try (0..<partitions).map {
                try PartitionTask(topology: topology, partition: TopicPartition(topology.source.topic, $0), settings: StateSettings())
            }
            let sink = NullSink()
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
                    try tasks[Int(messages[i].partition)].process(messages[i], sink: sink)
                    latencies.append(nanos(clock.now - t0))
                }
                let c0 = clock.now
                for task in tasks { try task.commit() }
                commits.append(nanos(clock.now - c0))
                index = end
            }
            let elapsed = clock.now - start
            for task in tasks { task.close() }
            latencies.sort()
            commits.sort()
            let seconds = Double(nanos(elapsed)) / 1e9
            let rate = Double(messages.count) / seconds
            rates.append(rate)
            p50s.append(percentileMicros(latencies, 0.5))
            p99s.append(percentileMicros(latencies, 0.99))
            commitP99s.append(percentileMicros(commits, 0.99))
            emitJSON([
                ("bench", "engine"), ("run", run), ("events", messages.count), ("events_per_s", rate),
                ("process_p50_us", percentileMicros(latencies, 0.5)), ("process_p99_us", percentileMicros(latencies, 0.99)),
                ("commit_p50_us", percentileMicros(commits, 0.5)), ("commit_p99_us", percentileMicros(commits, 0.99)),
                ("batch", batch), ("partitions", Int(partitions)), ("cards", cards), ("avg_event_bytes", averageBytes),
                ("features", topology.stages[0].features.count), ("output_records", sink.records),
            ])
        }
        emitJSON([
            ("bench", "engine"), ("summary", "median"), ("runs", runs), ("events_per_s", median(rates)),
            ("process_p50_us", median(p50s)), ("process_p99_us", median(p99s)), ("commit_p99_us", median(commitP99s)),
        ])
    }
}
