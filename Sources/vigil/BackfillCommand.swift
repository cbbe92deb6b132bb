import ArgumentParser
import Foundation
import VigilCore
import VigilRuntime
import VigilTesting
import VigilTopology

/// `vigil backfill`: a topology's feature vector for every historical event, as served online at that event
/// (point-in-time correct), joined with its label — a training dataset. It runs the same operators as live, through
/// the in-process driver: there is no second implementation of features.
///
/// This first version reads a JSON Lines file of source events in event-time order (as `vigil generate --out`
/// writes them) and a JSON Lines file of labels.
struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Write a training dataset: each event's features as served online, joined with its label.",
        discussion: """
            Events are routed to partitions by their first stage's key as the Kafka producer would (murmur2), so \
            every feature equals what the live topology computes for the same log. A label joins its transaction \
            (by txn_id) when its available_ts is at or before --label-cutoff (default: every label in the file); \
            a transaction without a fraud label known by then is labelled 0.
            """)

    @Argument(help: "The topology file.") var topology: String
    @Option(help: "Source events, JSON Lines, in event-time order.") var input: String
    @Option(help: "Labels (label v1), JSON Lines.") var labels: String?
    @Option(help: "Join only labels available at or before this time, epoch milliseconds.") var labelCutoff: Int64?
    @Option(help: "Output file.") var out: String
    @Option(help: "csv or jsonl (the feature events, with a \"label\" field added).") var format: String = "csv"
    @Option(help: "Events per batch.") var batch: Int = 5_000

    func run() throws {
        guard format == "csv" || format == "jsonl" else { throw ValidationError("--format must be csv or jsonl") }
        var topology = try loadTopologyOrExit(self.topology)
        topology.scoring = nil  // a dataset of features; models are trained on it, not applied
        let labelOf = try labels.map { try Self.readLabels($0, cutoff: labelCutoff) } ?? [:]
        guard let reader = LineReader(path: input) else { throw ValidationError("cannot read \(input)") }
        guard let output = FileHandle(forWritingAtPath: out) ?? {
            FileManager.default.createFile(atPath: out, contents: nil)
            return FileHandle(forWritingAtPath: out)
        }() else { throw ValidationError("cannot write \(out)") }
        try output.truncate(atOffset: 0)
        defer { try? output.close() }
        let driver = try TopologyTestDriver(topology: topology)
        defer { driver.close() }
        let names = topology.featureNames
        if format == "csv" {
            let header = (["event_id", "txn_id", "key", "ts"] + names + ["label"]).joined(separator: ",") + "\n"
            output.write(Data(header.utf8))
        }
        var decoder = SchemaDecoder(schema: topology.source.schema)
        let keyField = topology.stages[0].keyField
        let partitions = topology.source.partitions
        var rows = 0, events = 0, deadLetters = 0, fraud = 0
        let started = Date()
        var pending: [(partition: Int32, key: [UInt8]?, value: [UInt8]?)] = []
        func flush() throws {
            try driver.pipe(pending)
            pending.removeAll(keepingCapacity: true)
            var text = ""
            for record in driver.drainOutput() {
                if record.topic == topology.sinks.deadLetter { deadLetters += 1 }
                guard record.topic == topology.sinks.features, let value = record.value,
                      let event = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any]
                else { continue }
                let txn = event["txn_id"] as? String
                let label = txn.flatMap { labelOf[$0] } ?? false
                if label { fraud += 1 }
                rows += 1
                if format == "jsonl" {
                    var line = String(decoding: value.dropLast(), as: UTF8.self)
                    line += ",\"label\":\(label ? 1 : 0)}\n"
                    text += line
                } else {
                    let features = event["features"] as? [String: Any] ?? [:]
                    var fields = [
                        event["event_id"] as? String ?? "", txn ?? "", Self.csv(event["key"] as? String ?? ""),
                        "\((event["ts"] as? NSNumber)?.int64Value ?? 0)",
                    ]
                    for name in names {
                        fields.append((features[name] as? NSNumber).map { "\($0)" } ?? "")
                    }
                    fields.append(label ? "1" : "0")
                    text += fields.joined(separator: ",") + "\n"
                }
            }
            output.write(Data(text.utf8))
        }
        while let line = reader.next() {
            guard !line.isEmpty else { continue }
            events += 1
            var partition: Int32 = 0
            if let record = try? decoder.decode(line), case .string(let key) = record.values[keyField] {
                partition = KafkaPartitioner.partition(key: Array(key.utf8), partitions: partitions)
            }
            pending.append((partition: partition, key: nil, value: line))
            if events % batch == 0 {
                try flush()
                if events % (batch * 20) == 0 {
                    let rate = Double(events) / max(0.001, Date().timeIntervalSince(started))
                    printError("backfill: \(events) events, \(Int(rate)) events/s")
                }
            }
        }
        try flush()
        let seconds = Date().timeIntervalSince(started)
        printError("""
            backfill: \(rows) rows (\(fraud) labelled fraud) from \(events) events in \(String(format: "%.1f", seconds)) s; \
            \(deadLetters) dead letters; wrote \(out)
            """)
    }

    static func csv(_ text: String) -> String {
        text.contains(",") || text.contains("\"") ? "\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\"" : text
    }

    /// txn_id → whether a fraud label for it is known by `cutoff`.
    static func readLabels(_ path: String, cutoff: Int64?) throws -> [String: Bool] {
        guard let reader = LineReader(path: path) else { throw ValidationError("cannot read \(path)") }
        var result: [String: Bool] = [:]
        while let line = reader.next() {
            guard !line.isEmpty, let label = try? LabelCodec.decode(line) else { continue }
            if let cutoff, label.availableAt > cutoff { continue }
            result[label.txnID] = label.isFraud || (result[label.txnID] ?? false)
        }
        return result
    }
}

/// Reads a file line by line as bytes, without the line ends.
final class LineReader {
    private let handle: UnsafeMutablePointer<FILE>
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)

    init?(path: String) {
        guard let h = fopen(path, "rb") else { return nil }
        handle = h
    }

    deinit { fclose(handle) }

    func next() -> [UInt8]? {
        var line: [UInt8] = []
        while true {
            let got = buffer.withUnsafeMutableBufferPointer { b -> Bool in
                fgets(UnsafeMutableRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(b.count), handle) != nil
            }
            guard got else { return line.isEmpty ? nil : line }
            let n = buffer.firstIndex(of: 0) ?? buffer.count
            line.append(contentsOf: buffer[0..<n])
            if line.last == UInt8(ascii: "\n") {
                line.removeLast()
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return line
            }
        }
    }
}
