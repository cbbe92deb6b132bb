import Foundation
import Logging
import VigilCore
import VigilKafka
import VigilTopology

/// Labels as they became known: per transaction, every label with the time it became available (a later label
/// corrects an earlier one). The label of a transaction as known at a cut-off is the last one available by then;
/// a transaction with none is legitimate (docs/events.md, label v1).
struct LabelIndex {
    var labels: [String: [(available: Int64, isFraud: Bool)]] = [:]
    var source: String
    var count = 0
    var checksum: String?

    static func read(_ source: SourceReader.Source, topology: Topology, logger: Logger) throws -> LabelIndex {
        var index = LabelIndex(source: source.description)
        func add(_ bytes: [UInt8]) {
            guard let label = try? LabelCodec.decode(bytes) else { return }
            index.labels[label.txnID, default: []].append((label.availableAt, label.isFraud))
            index.count += 1
        }
        switch source {
        case .file(let path):
            guard let reader = LineReader(path: path) else { throw RuntimeError.startup("cannot read \(path)") }
            var hasher = SHA256()
            while let line = reader.next() {
                hasher.update(line)
                hasher.update(CollectionOfOne(0x0A))
                if !line.isEmpty { add(line) }
            }
            index.checksum = hasher.hexDigest()
        case .topic(let name, let bootstrap, let properties):
            for message in try TopicReader.readAll(
                topic: name, bootstrapServers: bootstrap, properties: properties, logger: logger)
            {
                if let value = message.value { add(value) }
            }
        }
        for key in index.labels.keys { index.labels[key]!.sort { $0.available < $1.available } }
        return index
    }

    /// Whether `txn` was known to be fraudulent at `cutoff`.
    func isFraud(_ txn: String?, at cutoff: Int64) -> Bool {
        guard let txn, let list = labels[txn] else { return false }
        return list.last { $0.available <= cutoff }?.isFraud ?? false
    }

    func describe() -> [String: Any] {
        var d: [String: Any] = ["source": source, "labels": count]
        if let checksum { d["sha256"] = checksum }
        return d
    }
}

/// Writes the dataset: the collected feature events with their label column, as CSV, JSON Lines or Parquet.
enum RowWriter {
    static func columns(_ names: [String]) -> [String] {
        ["event_id", "txn_id", "key", "ts"] + names + ["label"]
    }

    /// Writes every collected feature event (the second pass, once the cut-off is known).
    static func write(
        rows: RowCollector, names: [String], labels: LabelIndex?, cutoff: Int64, from: Int64?, format: Backfill.Format,
        out: String, parquetHelper: String
    ) throws -> (rows: Int, fraud: Int, checksum: String) {
        let writer = try DatasetWriter(
            names: names, labels: labels, cutoff: cutoff, from: from, format: format, out: out)
        let events = try rows.events()
        while let line = events.next() { try writer.add(line) }
        return try writer.finish(parquetHelper: parquetHelper)
    }

    /// Converts through pyarrow (ops/csv_to_parquet.py): strings for the ids, int64 for `ts` and `label`, float64
    /// for every feature (empty = null).
    static func toParquet(csv: String, out: String, names: [String], helper: String) throws {
        guard FileManager.default.fileExists(atPath: helper) else {
            throw RuntimeError.startup("--format parquet needs \(helper) (run from the Vigil checkout), or use --format csv")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", helper, csv, out]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw RuntimeError.startup("parquet conversion failed (\(helper)): \(text.trimmingCharacters(in: .whitespacesAndNewlines)); pip install pyarrow, or use --format csv")
        }
    }

    static func csv(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// Writes dataset rows, one per feature event, with the label as known at the cut-off, hashing what it writes.
final class DatasetWriter {
    let names: [String]
    let labels: LabelIndex?
    let cutoff: Int64
    let from: Int64?
    let format: Backfill.Format
    let out: String
    let target: String
    private let handle: FileHandle
    private var hasher = SHA256()
    private var buffer: [UInt8] = []
    private let reader = FeatureEventReader()
    private(set) var count = 0
    private(set) var fraud = 0

    init(names: [String], labels: LabelIndex?, cutoff: Int64, from: Int64?, format: Backfill.Format, out: String) throws {
        self.names = names
        self.labels = labels
        self.cutoff = cutoff
        self.from = from
        self.format = format
        self.out = out
        target = format == .parquet ? out + ".csv.tmp" : out
        FileManager.default.createFile(atPath: target, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: target) else {
            throw RuntimeError.startup("cannot write \(target)")
        }
        self.handle = handle
        if format != .jsonl { try emit(Array((RowWriter.columns(names).joined(separator: ",") + "\n").utf8)) }
    }

    deinit { try? handle.close() }

    private func emit(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count > 1 << 20 {
            hasher.update(buffer)
            try handle.write(contentsOf: buffer)
            buffer.removeAll(keepingCapacity: true)
        }
    }

    /// Adds the row of one feature event (its JSON bytes).
    func add(_ line: [UInt8]) throws {
        let event = try reader.read(line)
        if let from, event.timestamp < from { return }
        let label = labels?.isFraud(event.txnID, at: cutoff) ?? false
        if label { fraud += 1 }
        count += 1
        if format == .jsonl {
            try emit(Array(line.dropLast()) + Array(",\"label\":\(label ? 1 : 0)}\n".utf8))
            return
        }
        var fields = [
            RowWriter.csv(event.eventID), RowWriter.csv(event.txnID ?? ""), RowWriter.csv(event.key ?? ""),
            String(event.timestamp),
        ]
        if event.features.count == names.count, zip(event.features, names).allSatisfy({ $0.name == $1 }) {
            for (_, value) in event.features { fields.append(value == "null" ? "" : value) }
        } else {
            var byName: [String: String] = [:]
            for (name, value) in event.features { byName[name] = value }
            for name in names { fields.append(byName[name].map { $0 == "null" ? "" : $0 } ?? "") }
        }
        fields.append(label ? "1" : "0")
        try emit(Array((fields.joined(separator: ",") + "\n").utf8))
    }

    /// Writes what is buffered, converts to Parquet if asked, and returns the row counts and the data's SHA-256.
    func finish(parquetHelper: String) throws -> (rows: Int, fraud: Int, checksum: String) {
        hasher.update(buffer)
        try handle.write(contentsOf: buffer)
        buffer.removeAll()
        try handle.close()
        guard format == .parquet else { return (count, fraud, hasher.hexDigest()) }
        try RowWriter.toParquet(csv: target, out: out, names: names, helper: parquetHelper)
        try? FileManager.default.removeItem(atPath: target)
        guard let data = FileManager.default.contents(atPath: out) else { throw RuntimeError.startup("cannot read \(out)") }
        return (count, fraud, SHA256.hex([UInt8](data)))
    }
}
