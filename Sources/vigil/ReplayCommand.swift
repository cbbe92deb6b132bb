import ArgumentParser
import Foundation
import Logging
import VigilConfig
import VigilCore
import VigilModel
import VigilRuntime
import VigilTopology

/// `vigil replay`: rebuild a topology's state from its input log, then stop or hand over to live processing.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Rebuild a topology's state from the input log into a fresh state directory, then stop or go live.",
        discussion: """
            The use case: a feature was added to a topology. Stop the old version (so that it stops writing), replay \
            the new one from the log's start with --then live: it rebuilds the state at full speed, with outputs \
            going nowhere (or --outputs normal|prefix:NAME), then goes on live from exactly where the log ended — \
            no event missed, none counted twice. docs/operations.md has the whole procedure.
            """)

    @Argument(help: "The topology file.") var topology: String
    @Option(help: "earliest, an event time (epoch ms or RFC 3339: earlier events are skipped), or offsets as partition:offset,...")
    var from: String = "earliest"
    @Option(help: "Stop before the first event at or after this event time (epoch ms or RFC 3339); default: the end of the log.")
    var to: String?
    @Option(help: "Where outputs go during the replay: none, normal (the topology's topics) or prefix:NAME (NAME + each topic).")
    var outputs: String = "none"
    @Option(help: "After the replay: stop, or live (run on, from where the replay ended).") var then: String = "stop"
    @Option(help: "Override the topology's state_dir (the replay needs a fresh one, unless --resume).") var stateDir: String?
    @Flag(help: "Continue an earlier replay (--then stop) from the offsets stored with its state.") var resume = false
    @Option(help: "MiB of memory for all state (as vigil run).") var stateMemoryMb: Int = 1024
    @Option(help: "Source records per batch (one commit of every task per batch; the output does not depend on it).") var batch: Int = 20_000
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        guard ["stop", "live"].contains(then) else { throw ValidationError("--then must be stop or live") }
        guard let bootstrap = kafka.bootstrapServers else { throw ValidationError("--bootstrap-servers is required") }
        let logger = try logging.makeLogger("vigil.replay")
        var topology = try loadTopologyOrExit(self.topology)
        if let stateDir { topology.stateDirectory = stateDir }
        var options = Replay.Options(bootstrapServers: bootstrap)
        options.kafka = try kafka.parsedProperties()
        options.batch = batch
        options.resume = resume
        options.from = try Self.start(from)
        options.to = try to.map { try BackfillCommand.time($0, "--to") }
        switch outputs {
        case "none": options.outputs = .none
        case "normal": options.outputs = .normal
        case let o where o.hasPrefix("prefix:") && o.count > 7: options.outputs = .prefixed(String(o.dropFirst(7)))
        default: throw ValidationError("--outputs must be none, normal or prefix:NAME")
        }
        let replay = Replay(topology: topology, options: options, logger: logger)
        let settings = try StateSettings.bounded(
            memoryBytes: stateMemoryMb << 20, tasks: Int(topology.source.partitions) * topology.stages.count)
        let progress = makeProgress(task: "replay")
        let report: Replay.Report
        do {
            report = try replay.run(settings: settings) { p in
                progress.update(events: p.events, total: p.total > 0 ? p.total : nil)
            }
        } catch {
            progress.finish()
            printError("vigil replay failed: \(error)")
            throw ExitCode(1)
        }
        progress.finish()
        let resume = report.resumeAt.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        print("""
            replayed        \(report.events) events in \(String(format: "%.1f", report.seconds)) s (\(Int(Double(report.events) / max(report.seconds, 1e-9))) events/s), \(report.outputs) outputs (\(outputs))
            state           \(replay.stateDirectory)
            resumes at      \(topology.source.topic) \(resume)
            """)
        guard then == "live" else { return }
        printError("handing over to live processing")
        var runOptions = RuntimeOptions(bootstrapServers: bootstrap, kafka: options.kafka, state: settings)
        runOptions.stateDirectory = topology.stateDirectory
        let runner = Runner(topology: topology, options: runOptions, logger: logger)
        let signals = ShutdownSignals { runner.stop() }
        defer { withExtendedLifetime(signals) {} }
        do {
            try runner.run()
        } catch {
            printError("vigil replay (live) failed: \(error)")
            throw ExitCode(1)
        }
        print("live            \(runner.counters.eventsIn) events after the hand-over, \(runner.counters.featuresOut) feature events")
    }

    static func start(_ text: String) throws -> Replay.Start {
        if text == "earliest" { return .earliest }
        if text.contains(":") && !text.contains("T") {
            var offsets: [Int32: Int64] = [:]
            for part in text.split(separator: ",") {
                let pair = part.split(separator: ":")
                guard pair.count == 2, let p = Int32(pair[0]), let o = Int64(pair[1]) else {
                    throw ValidationError("--from: \"\(part)\" is not partition:offset")
                }
                offsets[p] = o
            }
            return .offsets(offsets)
        }
        return .time(try BackfillCommand.time(text, "--from"))
    }
}
