import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// `vigil backfill` (issue 5): datasets equal to what was served live, point in time, labels as known at a cut-off,
/// reproducible bytes.
@Suite("Backfill")
struct BackfillTests {
    static let t0: Int64 = 1_767_225_600_000
    static let minute: Int64 = 60_000

    static func tx(_ card: String, _ minute: Int64, id: String) -> Transaction {
        Transaction(
            txnID: id, cardID: card, merchantID: "m1", amount: 10, currency: "EUR", country: "FR", mcc: 5411,
            channel: .pos, entryMode: .chip, deviceID: nil, timestamp: t0 + minute * Self.minute)
    }

    static func label(_ txn: String, card: String, fraud: Bool, eventMinute: Int64, availableMinute: Int64) -> [UInt8] {
        LabelCodec.encode(Label(
            txnID: txn, cardID: card, isFraud: fraud, fraudType: fraud ? "card_testing" : nil,
            eventTimestamp: t0 + eventMinute * minute, availableAt: t0 + availableMinute * minute))
    }

    static func writeLines(_ lines: [[UInt8]], to path: String) throws {
        try Data(lines.flatMap { $0 + [0x0A] }).write(to: URL(fileURLWithPath: path))
    }

    /// The rows of a CSV dataset, as dictionaries.
    static func rows(_ path: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines = text.split(separator: "\n").map(String.init)
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    @Test("point in time: a row sees only earlier events, whatever comes later; labels join as known at the cut-off, corrections included")
    func pointInTimeAndLabels() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let topology = try Support.topology(stateDirectory: dir)
        let events = [
            Self.tx("c1", 0, id: "a"), Self.tx("c1", 10, id: "b"), Self.tx("c1", 20, id: "c"),
            Self.tx("c1", 30, id: "d"), Self.tx("c2", 31, id: "e"),
        ]
        try Self.writeLines(events.map(Support.encode), to: "\(dir)/tx.jsonl")
        try Self.writeLines([
            Self.label("b", card: "c1", fraud: true, eventMinute: 10, availableMinute: 100),   // known at the cut-off
            Self.label("c", card: "c1", fraud: true, eventMinute: 20, availableMinute: 300),   // known only after it
            Self.label("d", card: "c1", fraud: true, eventMinute: 30, availableMinute: 50),    // known, then
            Self.label("d", card: "c1", fraud: false, eventMinute: 30, availableMinute: 150),  // corrected in time
            Self.label("e", card: "c2", fraud: true, eventMinute: 31, availableMinute: 120),
            Self.label("e", card: "c2", fraud: false, eventMinute: 31, availableMinute: 400),  // corrected too late
        ], to: "\(dir)/labels.jsonl")
        var options = Backfill.Options(input: .file(path: "\(dir)/tx.jsonl"), out: "\(dir)/ds.csv")
        options.labels = .file(path: "\(dir)/labels.jsonl")
        options.labelCutoff = Self.t0 + 200 * Self.minute
        let report = try Backfill(topology: topology, topologyFile: "\(dir)/t.yaml", options: options, logger: Support.logger).run()
        #expect(report.rows == 5)
        let rows = try Self.rows("\(dir)/ds.csv")
        let byTxn = Dictionary(uniqueKeysWithValues: rows.map { ($0["txn_id"]!, $0) })
        // n_1h counts the card's events in (t − 1h, t], the current one included (Support.topology); n_5m excludes it.
        #expect(byTxn.mapValues { $0["n_1h"]! } == ["a": "1", "b": "2", "c": "3", "d": "4", "e": "1"])
        #expect(byTxn.mapValues { $0["n_5m"]! } == ["a": "0", "b": "0", "c": "0", "d": "0", "e": "0"])
        #expect(byTxn.mapValues { $0["label"]! } == ["a": "0", "b": "1", "c": "0", "d": "0", "e": "1"])
        #expect(report.fraudRows == 2)

        // A backfill that stops before the later events gives the earlier rows the same values: nothing leaked.
        var early = options
        early.out = "\(dir)/early.csv"
        early.to = Self.t0 + 15 * Self.minute
        early.labelCutoff = nil  // the default: the end of the range
        _ = try Backfill(topology: topology, topologyFile: "\(dir)/t.yaml", options: early, logger: Support.logger).run()
        let earlyRows = try Self.rows("\(dir)/early.csv")
        #expect(earlyRows.map { $0["txn_id"]! } == ["a", "b"])
        for row in earlyRows {
            var expected = byTxn[row["txn_id"]!]!
            expected["label"] = row["label"]  // the default cut-off is the end of this shorter range
            #expect(row == expected)
        }
        #expect(earlyRows.allSatisfy { $0["label"] == "0" }, "no label was known by the end of the range")
    }

    @Test("the same command writes the same bytes, in one pass or two; the manifest names the topology, the input and the data by SHA-256")
    func reproducible() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let topology = try Support.topology(stateDirectory: dir)
        try Self.writeLines(Support.transactions(count: 3_000, seed: 5).map(Support.encode), to: "\(dir)/tx.jsonl")
        try Data("name: x\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/t.yaml"))
        var hashes: [String] = []
        var manifests: [Data] = []
        for run in 0..<2 {
            var options = Backfill.Options(input: .file(path: "\(dir)/tx.jsonl"), out: "\(dir)/ds\(run).jsonl")
            options.format = .jsonl
            let report = try Backfill(topology: topology, topologyFile: "\(dir)/t.yaml", options: options, logger: Support.logger).run()
            #expect(report.rows == 3_000)
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/ds\(run).jsonl"))
            #expect(SHA256.hex([UInt8](data)) == report.dataChecksum)
            hashes.append(report.dataChecksum)
            let manifest = try Data(contentsOf: URL(fileURLWithPath: report.manifestPath))
            let object = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
            #expect(object["rows"] as? Int == 3_000)
            #expect((object["data"] as? [String: Any])?["sha256"] as? String == report.dataChecksum)
            #expect((object["topology"] as? [String: Any])?["sha256"] as? String == SHA256.hex(Array("name: x\n".utf8)))
            let input = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/tx.jsonl"))
            #expect((object["input"] as? [String: Any])?["sha256"] as? String == SHA256.hex([UInt8](input)))
            manifests.append(manifest)
        }
        #expect(hashes[0] == hashes[1])
        // With the cut-off known in advance the rows are written in one pass, with the same bytes.
        var direct = Backfill.Options(input: .file(path: "\(dir)/tx.jsonl"), out: "\(dir)/direct.jsonl")
        direct.format = .jsonl
        direct.to = .max
        let report = try Backfill(topology: topology, topologyFile: "\(dir)/t.yaml", options: direct, logger: Support.logger).run()
        #expect(report.rows == 3_000)
        #expect(report.dataChecksum == hashes[0])
        // The manifests differ only in the output file's name.
        let a = String(decoding: manifests[0], as: UTF8.self).replacingOccurrences(of: "ds0", with: "ds")
        let b = String(decoding: manifests[1], as: UTF8.self).replacingOccurrences(of: "ds1", with: "ds")
        #expect(a == b)
    }

    @Test("SHA-256 matches the standard test vectors")
    func sha256() {
        #expect(SHA256.hex(Array("".utf8)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("live on the embedded cluster, then a backfill of the same topic: the flagship's features of in-order data are reproduced 100%")
    func liveEqualsBackfill() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let flagship = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("topologies/fraud-scoring.yaml").path
        var topology = try TopologyLoader.load(path: flagship)
        let name = Support.unique("bf")
        topology.name = name
        topology.source.topic = "\(name)-tx"
        topology.stages[0].inputTopic = topology.source.topic
        for i in topology.stages.indices.dropFirst() { topology.stages[i].inputTopic = "\(name)-\(topology.stages[i].name)-repartition" }
        topology.sinks.features = "\(name)-features"
        topology.sinks.windows = "\(name)-windows"
        topology.sinks.deadLetter = "\(name)-dlq"
        topology.sinks.late = "\(name)-late"
        topology.sinks.predictions = "\(name)-predictions"
        topology.sinks.alerts = "\(name)-alerts"
        // In-order data: one source partition (and so one partition per repartition topic), so that every stage
        // sees the events in log order live as in the backfill. With several card partitions, the order in which a
        // merchant's events from different partitions reach the merchant stage depends on timing (within the grace
        // period), and so can the merchant's counts: live processing does not promise one order across partitions.
        topology.source.partitions = 1
        topology.graceMillis = 30 * 86_400_000  // sparse generated events span days: no event may be late live
        topology.stateDirectory = dir
        try Support.createTopics(topology, on: cluster)
        let t = topology
        let bootstrap = cluster.bootstrapServers
        let input = Support.transactions(count: 3_000, seed: 12, cards: 150).map {
            (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0)))
        }
        try await Support.onThread { try Support.produce(input, topic: t.source.topic, bootstrap: bootstrap) }
        let runner = Runner(
            topology: t,
            options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, stopWhenCaughtUp: true),
            logger: Support.logger)
        try await Support.onThread { try runner.run() }
        #expect(runner.counters.featuresOut == 3_000)
        #expect(runner.counters.late == 0)

        var options = Backfill.Options(
            input: .topic(name: topology.source.topic, bootstrapServers: bootstrap, properties: [:]),
            out: "\(dir)/ds.csv")
        options.compare = .topic(name: topology.sinks.features, bootstrapServers: bootstrap, properties: [:])
        let backfillOptions = options
        let report = try await Support.onThread {
            try Backfill(topology: t, topologyFile: flagship, options: backfillOptions, logger: Support.logger).run()
        }
        #expect(report.rows == 3_000)
        let comparison = try #require(report.comparison)
        #expect(comparison.liveEvents == 3_000)
        #expect(comparison.matched == 3_000)
        #expect(comparison.missing == 0 && comparison.extra == 0)
        #expect(comparison.features.count == 30)
        for f in comparison.features { #expect(f.equal == 3_000, "\(f.name): \(f.equal) of \(f.compared) equal") }
        #expect(comparison.identical, "\(comparison.firstDifferences.map { "\($0.id) \($0.feature) \($0.live) vs \($0.backfill)" })")
        // Event ids are the source coordinates, as live: the manifest records each partition's offset range.
        let manifest = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: report.manifestPath))) as? [String: Any])
        let partitions = try #require((manifest["input"] as? [String: Any])?["partitions"] as? [[String: Any]])
        #expect(partitions.reduce(0) { $0 + (($1["to"] as? Int) ?? 0) - (($1["from"] as? Int) ?? 0) } == 3_000)
    }
}
