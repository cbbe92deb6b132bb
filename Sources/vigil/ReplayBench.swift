import ArgumentParser
import Foundation
import Logging
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// `vigil bench replay`: `vigil replay` of a topology from the embedded cluster (outputs none), and `vigil bench
/// backfill`: a backfill from a generated JSON Lines file — throughput and peak memory (issue 5's targets).
struct ReplayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Replay throughput from the embedded cluster (repartition hops in memory, outputs dropped).")

    @Option(help: "The topology.") var topology: String = "topologies/fraud-scoring.yaml"
    @Option(help: "Transactions in the input topic (the embedded cluster keeps ~100k messages or 5 MiB per partition).")
    var events: Int = 200_000
    @Option(help: "Partitions of the input topic.") var partitions: Int32 = 32
    @Option(help: "Runs.") var runs: Int = 3
    @Option(help: "MiB for all state.") var stateMemoryMb: Int = 1024

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let logger = try logging.makeLogger("vigil.bench", defaultLevel: .warning)
        var base = try loadTopologyOrExit(topology)
        base.scoring = nil
        let payloads = EndToEndBench.generate(count: events)
        var rates: [Double] = []
        for run in 1...runs {
            let cluster = try EmbeddedKafka(brokers: 1, logger: logger)
            let t = try EndToEndBench.prepare(base, run: run, partitions: partitions, on: cluster)
            defer { try? FileManager.default.removeItem(atPath: t.stateDirectory) }
            try EndToEndBench.produce(payloads, topic: t.source.topic, bootstrap: cluster.bootstrapServers, logger: logger)
            let settings = try StateSettings.bounded(memoryBytes: stateMemoryMb << 20, tasks: Int(partitions) * t.stages.count)
            let replay = Replay(topology: t, options: Replay.Options(bootstrapServers: cluster.bootstrapServers), logger: logger)
            let report = try replay.run(settings: settings)
            let rate = Double(report.events) / report.seconds
            rates.append(rate)
            emitJSON([
                ("bench", "replay"), ("run", run), ("topology", base.name), ("events", report.events),
                ("events_per_s", rate), ("partitions", Int(partitions)), ("peak_rss_mib", Double(peakResidentBytes()) / 1_048_576),
            ])
        }
        emitJSON([("bench", "replay"), ("summary", "median"), ("runs", runs), ("events_per_s", median(rates))])
    }
}

struct BackfillBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill", abstract: "Backfill throughput and peak memory from a generated JSON Lines file (CSV out).")

    @Option(help: "The topology.") var topology: String = "topologies/fraud-scoring.yaml"
    @Option(help: "Transactions.") var events: Int = 1_000_000
    @Option(help: "Cards in the generated population.") var cards: Int = 100_000
    @Option(help: "Runs.") var runs: Int = 1
    @Option(help: "Directory for the input and output files.") var dir: String = NSTemporaryDirectory()
    @Option(help: "MiB for all state.") var stateMemoryMb: Int = 1024

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let logger = try logging.makeLogger("vigil.bench", defaultLevel: .warning)
        let t = try loadTopologyOrExit(topology)
        let input = "\(dir)/vigil-bench-backfill-\(events).jsonl"
        if !FileManager.default.fileExists(atPath: input) {
            var config = GeneratorConfig()
            config.seed = 3
            config.cards = cards
            config.eventCount = events
            var generator = TransactionGenerator(config)
            FileManager.default.createFile(atPath: input, contents: nil)
            let handle = FileHandle(forWritingAtPath: input)!
            var buffer: [UInt8] = []
            while let (tx, _) = generator.next() {
                TransactionCodec.encode(tx, into: &buffer)
                buffer.append(0x0A)
                if buffer.count > 1 << 22 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buffer)
            try handle.close()
        }
        var rates: [Double] = []
        for run in 1...runs {
            let out = "\(dir)/vigil-bench-backfill-\(run).csv"
            defer {
                try? FileManager.default.removeItem(atPath: out)
                try? FileManager.default.removeItem(atPath: out + ".manifest.json")
            }
            var options = Backfill.Options(input: .file(path: input), out: out)
            options.stateMemoryBytes = stateMemoryMb << 20
            let backfill = Backfill(topology: t, topologyFile: topology, options: options, logger: logger)
            var last = ContinuousClock.now
            let report = try backfill.run { p in
                guard ContinuousClock.now - last > .seconds(10) else { return }
                last = .now
                printError("backfill: \(p.events) events, \(Int(p.eventsPerSecond)) events/s, peak RSS \(peakResidentBytes() >> 20) MiB")
            }
            let rate = Double(report.events) / report.seconds
            rates.append(rate)
            emitJSON([
                ("bench", "backfill"), ("run", run), ("topology", t.name), ("events", report.events), ("rows", report.rows),
                ("events_per_s", rate), ("seconds", report.seconds), ("peak_rss_mib", Double(peakResidentBytes()) / 1_048_576),
            ])
        }
        emitJSON([("bench", "backfill"), ("summary", "median"), ("runs", runs), ("events_per_s", median(rates))])
    }
}
