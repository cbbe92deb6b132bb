public import Logging
import Foundation
import VigilCore
import VigilKafka
public import VigilTopology

/// `vigil backfill`: a training dataset — for every historical event, its feature vector exactly as it was (or would
/// have been) served online at that event, joined with its label as known at a cut-off time. The events go through
/// the live operators in this process (`LocalPipeline`): there is no second implementation of features. Point in
/// time by construction: an event's features are computed when it is applied, before any later event.
///
/// Writes the data file and, beside it, `<out>.manifest.json`: what went in (topology and its SHA-256, input file
/// checksum or topic offset ranges, labels, cut-off, range) and what came out (rows, columns, the data's SHA-256).
/// The same command over the same input writes the same bytes.
public final class Backfill: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case csv, jsonl, parquet
    }

    public struct Options: Sendable {
        public var input: SourceReader.Source
        public var labels: SourceReader.Source?
        /// Labels join when available at or before this time (epoch ms); nil: the end of the range (`to`, else the
        /// newest event time in the input).
        public var labelCutoff: Int64?
        /// Rows for events with `from <= ts < to` (epoch ms). Earlier events still build state; later ones are not
        /// read.
        public var from: Int64?
        public var to: Int64?
        public var out: String
        public var format: Format = .csv
        /// Source records per batch (one commit of every task per batch).
        public var batch = 20_000
        /// Memory for all state, as `vigil run --state-memory-mb` (RocksDB's cache and memtables, write-back caches).
        public var stateMemoryBytes = 1 << 30
        /// The command line, recorded in the manifest.
        public var command: [String] = []
        /// Live feature events to compare the backfill with (`--compare`).
        public var compare: SourceReader.Source?
        /// Where parquet conversion's helper lives (ops/csv_to_parquet.py).
        public var parquetHelper: String = "ops/csv_to_parquet.py"

        public init(input: SourceReader.Source, out: String) {
            self.input = input
            self.out = out
        }
    }

    /// Progress, reported every batch.
    public struct Progress: Sendable {
        public var events: Int
        public var rows: Int
        public var eventsPerSecond: Double
    }

    /// What a run wrote.
    public struct Report: Sendable {
        public var events = 0
        public var rows = 0
        public var fraudRows = 0
        public var deadLetters = 0
        public var late = 0
        public var labelCutoff: Int64 = .min
        public var seconds = 0.0
        public var dataChecksum = ""
        public var manifestPath = ""
        public var comparison: FeatureComparison.Result?
    }

    let topology: Topology
    let topologyFile: String
    let options: Options
    let logger: Logger

    public init(topology: Topology, topologyFile: String, options: Options, logger: Logger) {
        var t = topology
        t.scoring = nil  // a dataset of features: models are trained on it, not applied
        self.topology = t
        self.topologyFile = topologyFile
        self.options = options
        self.logger = logger
    }

    public func run(progress: (Progress) -> Void = { _ in }) throws -> Report {
        let started = ContinuousClock.now
        var report = Report()
        let labels = try options.labels.map { try LabelIndex.read($0, topology: topology, logger: logger) }
        let stateDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("vigil-backfill-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: stateDirectory) }
        var t = topology
        t.stateDirectory = stateDirectory
        let rows = try RowCollector(topology: t)
        // With the cut-off known now (and no comparison to read the events again), rows go straight to the file.
        if options.compare == nil, let cutoff = options.labelCutoff ?? options.to {
            rows.direct = try DatasetWriter(
                names: t.featureNames, labels: labels, cutoff: cutoff, from: options.from, format: options.format,
                out: options.out)
        }
        let settings = try StateSettings.bounded(
            memoryBytes: options.stateMemoryBytes, tasks: Int(t.source.partitions) * t.stages.count)
        let pipeline = try LocalPipeline(topology: t, settings: settings, output: rows, logger: logger)
        defer { pipeline.close() }
        let reader = try SourceReader(topology: t, source: options.input, logger: logger)
        defer { reader.close() }
        var batch: [LocalPipeline.SourceRecord] = []
        batch.reserveCapacity(options.batch)
        var newest = Int64.min
        while let record = try reader.next() {
            if let time = record.eventTime {
                if let to = options.to, time >= to { continue }
                newest = max(newest, time)
            }
            report.events += 1
            batch.append(record)
            if batch.count == options.batch {
                try pipeline.pipe(batch)
                batch.removeAll(keepingCapacity: true)
                let elapsed = Self.seconds(ContinuousClock.now - started)
                progress(Progress(events: report.events, rows: rows.count, eventsPerSecond: Double(report.events) / max(elapsed, 1e-9)))
            }
        }
        if !batch.isEmpty { try pipeline.pipe(batch) }
        report.deadLetters = rows.deadLetters
        report.late = rows.late
        let cutoff = options.labelCutoff ?? options.to ?? newest
        report.labelCutoff = cutoff
        // Otherwise a second pass: the label column, now that the cut-off is known; then the data checksum.
        let written = try rows.direct?.finish(parquetHelper: options.parquetHelper) ?? RowWriter.write(
            rows: rows, names: t.featureNames, labels: labels, cutoff: cutoff, from: options.from, format: options.format,
            out: options.out, parquetHelper: options.parquetHelper)
        report.rows = written.rows
        report.fraudRows = written.fraud
        report.dataChecksum = written.checksum
        report.seconds = Self.seconds(ContinuousClock.now - started)
        report.manifestPath = options.out + ".manifest.json"
        try writeManifest(report: report, reader: reader, labels: labels)
        if let source = options.compare {
            var comparison = try FeatureComparison(live: source, featureNames: t.featureNames, logger: logger)
            let events = try rows.events()
            let eventReader = FeatureEventReader()
            while let line = events.next() {
                let event = try eventReader.read(line)
                if let from = options.from, event.timestamp < from { continue }
                comparison.add(event)
            }
            report.comparison = comparison.finish()
        }
        return report
    }

    private func writeManifest(report: Report, reader: SourceReader, labels: LabelIndex?) throws {
        let topologyBytes = FileManager.default.contents(atPath: topologyFile).map { [UInt8]($0) } ?? []
        var input: [String: Any] = [:]
        switch options.input {
        case .file(let path):
            input = ["kind": "file", "path": path, "sha256": reader.fileChecksum ?? ""]
        case .topic(let name, _, _):
            input = [
                "kind": "topic", "topic": name,
                "partitions": reader.extents.map { ["partition": Int($0.partition), "from": $0.first, "to": $0.end] },
            ]
        }
        var manifest: [String: Any] = [
            "format_version": 1,
            "vigil_version": VigilInfo.version,
            "command": options.command,
            "topology": ["name": topology.name, "file": topologyFile, "sha256": SHA256.hex(topologyBytes)],
            "input": input,
            "range": ["from": options.from.map { $0 as Any } ?? NSNull(), "to": options.to.map { $0 as Any } ?? NSNull()],
            "label_cutoff": report.labelCutoff,
            "rows": report.rows,
            "fraud_rows": report.fraudRows,
            "columns": RowWriter.columns(topology.featureNames),
            "format": options.format.rawValue,
            "data": ["file": (options.out as NSString).lastPathComponent, "sha256": report.dataChecksum],
        ]
        if let labels { manifest["labels"] = labels.describe() }
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
        try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: report.manifestPath))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// The Vigil release, for manifests.
public enum VigilInfo {
    public static let version = "0.2.0"
}

/// Collects the feature events a pipeline writes (in the order written), spilling them to a temporary file so that
/// memory stays flat however long the history.
final class RowCollector: RecordSink {
    let featuresTopic: String
    let deadLetterTopic: String
    let lateTopic: String
    let spill: FileHandle
    let spillPath: String
    var buffer: [UInt8] = []
    /// When the labels' cut-off is known before the run: rows are written at once instead of spilled.
    var direct: DatasetWriter?
    private(set) var count = 0
    private(set) var deadLetters = 0
    private(set) var late = 0

    init(topology: Topology) throws {
        featuresTopic = topology.sinks.features
        deadLetterTopic = topology.sinks.deadLetter
        lateTopic = topology.sinks.late
        spillPath = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-rows-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: spillPath, contents: nil)
        guard let handle = FileHandle(forUpdatingAtPath: spillPath) else {
            throw RuntimeError.startup("cannot write a temporary file in \(FileManager.default.temporaryDirectory.path)")
        }
        spill = handle
    }

    deinit {
        try? spill.close()
        try? FileManager.default.removeItem(atPath: spillPath)
    }

    func send(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader]) throws {
        if topic == deadLetterTopic { deadLetters += 1 }
        if topic == lateTopic { late += 1 }
        guard topic == featuresTopic, let value else { return }
        if let direct {
            try direct.add(value)
            count += 1
            return
        }
        buffer.append(contentsOf: value)
        buffer.append(0x0A)
        count += 1
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try spill.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Every collected feature event, in order.
    func events() throws -> LineReader {
        try flush()
        try spill.synchronize()
        guard let reader = LineReader(path: spillPath) else { throw RuntimeError.startup("cannot read \(spillPath)") }
        return reader
    }
}
