import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime

/// The `vigil` executable as a user runs it.
@Suite("Command line")
struct CommandLineTests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) async throws -> Output {
        let vigil = try RestartTests.vigilExecutable()
        return try await Support.onThread {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: vigil)
            process.arguments = arguments
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                          stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    @Test("validate accepts the shipped topology and rejects a broken one with file:line:column, exit status 2")
    func validate() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let good = try await Self.run(["validate", root.appendingPathComponent("topologies/card-velocity.yaml").path])
        #expect(good.status == 0)
        #expect(good.stdout.contains("6 features"))

        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = "\(dir)/bad.yaml"
        try "name: x\nsource:\n  topic: tx\nstages:\n  - name: card\n    key: card_id\n    features:\n      - {name: n, aggregation: count, window: 1 hour}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let result = try await Self.run(["validate", bad])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(bad):8:"))
        #expect(result.stderr.contains("is not a duration"))
    }

    @Test("generate is deterministic: the same seed writes the same bytes, and every line decodes")
    func generateIsDeterministic() async throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["a", "b"] {
            let r = try await Self.run(["generate", "--count", "3000", "--seed", "9", "--out", "\(dir)/\(name).jsonl", "--labels-out", "\(dir)/\(name)-labels.jsonl"])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let a = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a.jsonl"))
        let b = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/b.jsonl"))
        #expect(a == b)
        let lines = a.split(separator: UInt8(ascii: "\n"))
        #expect(lines.count == 3_000)
        for line in lines { _ = try TransactionCodec.decode(Array(line)) }
        let labels = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/a-labels.jsonl")).split(separator: UInt8(ascii: "\n"))
        #expect(!labels.isEmpty)
        for line in labels { _ = try LabelCodec.decode(Array(line)) }
    }

    @Test("dev-broker prints its bootstrap servers, creates a topology's topics, takes generated data, and stops on SIGINT")
    func devBroker() async throws {
        let vigil = try RestartTests.vigilExecutable()
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let broker = Process()
        broker.executableURL = URL(fileURLWithPath: vigil)
        broker.arguments = ["dev-broker", "--topology", root.appendingPathComponent("topologies/card-velocity.yaml").path, "--log-level", "warning"]
        let out = Pipe()
        broker.standardOutput = out
        broker.standardError = FileHandle.nullDevice
        try broker.run()
        defer { if broker.isRunning { broker.terminate() } }
        let firstLine = try await Support.onThread { () -> String in
            var bytes: [UInt8] = []
            while true {
                let chunk = out.fileHandleForReading.readData(ofLength: 1)
                if chunk.isEmpty || chunk.first == UInt8(ascii: "\n") { break }
                bytes.append(chunk.first!)
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        #expect(firstLine.hasPrefix("127.0.0.1:"))

        let generated = try await Self.run(["generate", "--count", "2000", "--bootstrap-servers", firstLine])
        #expect(generated.status == 0, "\(generated.stderr)")
        let extent = try await Support.onThread {
            try TopicReader.extent(topic: "transactions", bootstrapServers: firstLine, properties: [:], logger: Support.logger)
        }
        #expect(extent.count == 16, "the topology's partition count")
        #expect(extent.reduce(0) { $0 + $1.high } == 2_000)

        kill(broker.processIdentifier, SIGINT)
        try await Support.onThread { broker.waitUntilExit() }
        #expect(broker.terminationReason == .exit && broker.terminationStatus == 0)
    }

    @Test("run refuses a missing topology file with a clear message")
    func runMissingTopology() async throws {
        let r = try await Self.run(["run", "/nonexistent/t.yaml", "--embedded"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("/nonexistent/t.yaml") && r.stderr.contains("cannot read"))
    }
}
