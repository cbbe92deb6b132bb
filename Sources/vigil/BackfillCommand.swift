import ArgumentParser
import Foundation
import Logging
import VigilConfig
import VigilCore
import VigilModel
import VigilRuntime
import VigilTopology

/// `vigil backfill`: a point-in-time-correct training dataset from a topology's history (docs/backfill.md).
struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Write a training dataset: each historical event's features as served online, joined with its label as known at a cut-off.",
        discussion: """
            The events run through the live operators in this process, so every feature equals what the topology \
            serves live for the same log (nothing from an event's future leaks in). A label joins its transaction \
            (by txn_id) as it was known at --label-cutoff (default: the end of the range); a transaction with no \
            fraud label known by then is labelled 0. A manifest (<out>.manifest.json) records the topology, the \
            input and label checksums or offsets, the cut-off, the row count and the data's SHA-256: the same \
            command writes the same bytes.
            """)

    @Argument(help: "The topology file.") var topology: String
    @Option(help: "Source events: a JSON Lines file in event-time order.") var input: String?
    @Option(help: "Source events: a Kafka topic (every partition, start to end, merged by event time).") var inputTopic: String?
    @Option(help: "Labels (label v1): a JSON Lines file.") var labels: String?
    @Option(help: "Labels (label v1): a Kafka topic.") var labelsTopic: String?
    @Option(help: "Join labels available at or before this time (epoch ms or RFC 3339). Default: the end of the range.")
    var labelCutoff: String?
    @Option(help: "Rows for events at or after this event time (epoch ms or RFC 3339); earlier events still build state.")
    var from: String?
    @Option(help: "Rows for events before this event time (epoch ms or RFC 3339); later events are not read.")
    var to: String?
    @Option(help: "Output file.") var out: String
    @Option(help: "csv, jsonl (the feature events with a label field) or parquet (needs python3 with pyarrow).")
    var format: String = "csv"
    @Option(help: "Compare with the feature events served live: a JSON Lines file of them.") var compare: String?
    @Option(help: "Compare with the feature events served live: a Kafka topic (the topology's features sink).")
    var compareTopic: String?
    @Option(help: "Source records per batch (one commit of every task per batch; the output does not depend on it).") var batch: Int = 20_000
    @Option(help: "MiB of memory for all state (as vigil run).") var stateMemoryMb: Int = 1024
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        guard let format = Backfill.Format(rawValue: format) else {
            throw ValidationError("--format must be one of csv, jsonl, parquet")
        }
        let logger = try logging.makeLogger("vigil.backfill")
        let topology = try loadTopologyOrExit(self.topology)
        let properties = try kafka.parsedProperties()
        func source(file: String?, topic: String?, what: String, required: Bool) throws -> SourceReader.Source? {
            switch (file, topic) {
            case (let path?, nil): return .file(path: path)
            case (nil, let name?):
                guard let bootstrap = kafka.bootstrapServers else {
                    throw ValidationError("a topic needs --bootstrap-servers")
                }
                return .topic(name: name, bootstrapServers: bootstrap, properties: properties)
            case (nil, nil):
                if required { throw ValidationError("give the \(what) with --\(what) FILE or --\(what)-topic NAME") }
                return nil
            default: throw ValidationError("give --\(what) or --\(what)-topic, not both")
            }
        }
        var options = Backfill.Options(input: try source(file: input, topic: inputTopic, what: "input", required: true)!, out: out)
        options.labels = try source(file: labels, topic: labelsTopic, what: "labels", required: false)
        options.compare = try source(file: compare, topic: compareTopic, what: "compare", required: false)
        options.labelCutoff = try labelCutoff.map { try Self.time($0, "--label-cutoff") }
        options.from = try from.map { try Self.time($0, "--from") }
        options.to = try to.map { try Self.time($0, "--to") }
        options.format = format
        options.batch = batch
        options.stateMemoryBytes = stateMemoryMb << 20
        options.command = ["vigil"] + Array(CommandLine.arguments.dropFirst())
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ops/csv_to_parquet.py").path
        options.parquetHelper = FileManager.default.fileExists(atPath: "ops/csv_to_parquet.py") ? "ops/csv_to_parquet.py" : root
        let backfill = Backfill(topology: topology, topologyFile: self.topology, options: options, logger: logger)
        let progress = makeProgress(task: "backfill")
        let report: Backfill.Report
        do {
            report = try backfill.run { p in progress.update(events: p.events, detail: "\(p.rows) rows") }
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        print("""
            backfill        \(report.events) events in \(String(format: "%.1f", report.seconds)) s (\(Int(Double(report.events) / max(report.seconds, 1e-9))) events/s)
            rows            \(report.rows) (\(report.fraudRows) labelled fraud, labels as known at \(Self.format(report.labelCutoff)))
            dead letters    \(report.deadLetters)\(report.late > 0 ? ", late \(report.late)" : "")
            data            \(out) (sha256 \(report.dataChecksum))
            manifest        \(report.manifestPath)
            """)
        if let c = report.comparison {
            print("""
                compared with live: \(c.liveEvents) live events, \(c.matched) matched, \(c.missing) missing from the backfill, \(c.extra) extra
                """)
            for f in c.features {
                let share = String(format: "%6.2f%%", 100 * f.equalShare)
                let error = f.equal == f.compared ? "" : String(format: "  mean relative error of the others %.3g", f.meanRelativeError)
                print("  \(share)  \(f.name)\(error)")
            }
            for d in c.firstDifferences {
                print("  difference: \(d.id) \(d.feature): live \(d.live), backfill \(d.backfill)")
            }
            print(c.identical ? "identical: every live feature value was reproduced" : "NOT identical")
            if !c.identical { throw ExitCode(3) }
        }
    }

    /// Epoch milliseconds, or an RFC 3339 time.
    static func time(_ text: String, _ option: String) throws -> Int64 {
        if let ms = Int64(text) { return ms }
        if let t = RFC3339Timestamp(rfc3339: text) { return t.epochMilliseconds }
        throw ValidationError("\(option): \"\(text)\" is neither epoch milliseconds nor an RFC 3339 time (2026-01-31T00:00:00Z)")
    }

    static func format(_ ms: Int64) -> String {
        guard ms != .min else { return "-" }
        let f = ISO8601DateFormatter()
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
