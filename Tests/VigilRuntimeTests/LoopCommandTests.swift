import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime

/// The commands the reference retrainer drives the loop with (`vigil topic publish|tail`, `vigil models`), as a
/// script runs them, against the embedded cluster on loopback.
@Suite("Loop commands")
struct LoopCommandTests {
    static func run(_ arguments: [String], stdin: String? = nil) async throws -> CommandLineTests.Output {
        let vigil = try RestartTests.vigilExecutable()
        return try await Support.onThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: vigil)
            process.arguments = arguments
            let out = Pipe(), err = Pipe(), input = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = input
            try process.run()
            if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
            try input.fileHandleForWriting.close()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return CommandLineTests.Output(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    @Test("topic publish sends each stdin line; topic tail prints them back and commits, so a second tail in the group sees only new lines")
    func publishAndTail() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let topic = Support.unique("lines")
        try cluster.createTopic(topic, partitions: 1)
        let b = cluster.bootstrapServers
        let lines = (0..<5).map { #"{"v":1,"type":"audit","n":\#($0)}"# }
        let sent = try await Self.run(["topic", "publish", "--topic", topic, "--bootstrap-servers", b], stdin: lines.joined(separator: "\n") + "\n\n")
        #expect(sent.status == 0, "\(sent.stderr)")
        #expect(sent.stderr.contains("5 records sent"))
        let group = Support.unique("g")
        let first = try await Self.run(["topic", "tail", "--topic", topic, "--group", group, "--from-beginning", "--max", "3", "--bootstrap-servers", b] + Support.fastGroupArguments)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.split(separator: "\n").map(String.init) == Array(lines.prefix(3)))
        let rest = try await Self.run(["topic", "tail", "--topic", topic, "--group", group, "--from-beginning", "--idle", "2", "--bootstrap-servers", b] + Support.fastGroupArguments)
        #expect(rest.stdout.split(separator: "\n").map(String.init) == Array(lines.suffix(2)))
    }

    @Test("topic publish --key-field keys each line by its field, so it lands in the partition Vigil's partitioner picks")
    func publishKeyedByField() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let topic = Support.unique("keyed")
        try cluster.createTopic(topic, partitions: 4)
        let b = cluster.bootstrapServers
        let txs = Support.transactions(count: 40, seed: 2, cards: 10)
        let lines = txs.map { String(decoding: Support.encode($0), as: UTF8.self) }.joined(separator: "\n")
        let sent = try await Self.run(["topic", "publish", "--topic", topic, "--key-field", "card_id", "--bootstrap-servers", b], stdin: lines)
        #expect(sent.status == 0, "\(sent.stderr)")
        let records = try await Support.onThread { try Support.readAll(topic, bootstrap: b) }
        #expect(records.count == 40)
        for r in records {
            let key = try #require(r.key)
            let t = try TransactionCodec.decode(try #require(r.value))
            #expect(key == Array(t.cardID.utf8))
            #expect(r.partition == KafkaPartitioner.partition(key: key, partitions: 4))
        }
    }

    @Test("models shadow|promote write model-control events with the bundle made absolute; a missing bundle is refused before anything is sent")
    func modelsCommand() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ScoringClusterTests.champion.write(to: "\(dir)/champion")
        try ScoringClusterTests.champion.write(to: "\(dir)/v2")
        let name = Support.unique("ctl")
        let file = "\(dir)/\(name).yaml"
        try """
            name: \(name)
            source: {topic: \(name)-in, partitions: 1}
            stages:
              - name: card
                key: card_id
                features:
                  - {name: n_5m, aggregation: count, window: 5m}
                  - {name: n_1h, aggregation: count, window: 1h}
                  - {name: s_24h, aggregation: sum, field: amount, window: 24h}
            scoring: {model: champion}
            monitoring: {window: 1h}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        try cluster.createTopic("\(name)-models", partitions: 1)
        let b = cluster.bootstrapServers
        let cwd = FileManager.default.currentDirectoryPath
        let relative = "\(dir)/v2".hasPrefix(cwd) ? String("\(dir)/v2".dropFirst(cwd.count + 1)) : "\(dir)/v2"
        let shadow = try await Self.run(["models", "shadow", file, "--bundle", relative, "--reason", "retrained", "--bootstrap-servers", b])
        #expect(shadow.status == 0, "\(shadow.stderr)")
        let promote = try await Self.run(["models", "promote", file, "--reason", "won", "--bootstrap-servers", b])
        #expect(promote.status == 0, "\(promote.stderr)")
        let missing = try await Self.run(["models", "shadow", file, "--bundle", "\(dir)/nope", "--bootstrap-servers", b])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("does not exist"))
        let events = try await Support.onThread { try Support.readAll("\(name)-models", bootstrap: b) }
        let controls = try events.map { try ModelControl.decode(try #require($0.value)) }
        #expect(controls.map(\.action) == [.shadow, .promote])
        #expect(controls.first?.bundle == URL(fileURLWithPath: "\(dir)/v2").standardizedFileURL.path)
        #expect(controls.first?.reason == "retrained")
        #expect(controls.last?.bundle == nil)
    }
}
