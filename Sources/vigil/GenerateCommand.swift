import ArgumentParser
import Foundation
import Logging
import VigilCore
import VigilKafka

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate synthetic card transactions (with injected fraud and delayed labels), to JSON Lines or Kafka.",
        discussion: """
            Deterministic: the same seed and options give the same bytes on any machine (docs/generator.md).
            Either --out FILE (JSON Lines, '-' for standard output) with optional --labels-out FILE, or
            --bootstrap-servers with --topic and --labels-topic. Transactions are keyed by card_id in Kafka.
            """)

    @Option(help: "Number of transactions.") var count: Int = 100_000
    @Option(help: "Seed of the generator.") var seed: UInt64 = 42
    @Option(help: "Cards in the population.") var cards: Int?
    @Option(help: "Merchants in the population.") var merchants: Int?
    @Option(help: "Start of event time, epoch milliseconds (default 2026-01-01T00:00:00Z).") var start: Int64?
    @Option(help: "Write transactions as JSON Lines to this file ('-' = standard output).") var out: String?
    @Option(help: "Write labels as JSON Lines to this file.") var labelsOut: String?
    @Option(help: "Kafka topic for transactions.") var topic: String = "transactions"
    @Option(help: "Kafka topic for labels.") var labelsTopic: String = "labels"
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        if (out == nil) == (kafka.bootstrapServers == nil) {
            throw ValidationError("give exactly one of --out (JSON Lines) and --bootstrap-servers (Kafka)")
        }
        if labelsOut != nil && out == nil { throw ValidationError("--labels-out goes with --out") }
    }

    func makeConfig() -> GeneratorConfig {
        var config = GeneratorConfig()
        config.seed = seed
        config.eventCount = count
        if let cards { config.cards = cards }
        if let merchants { config.merchants = merchants }
        if let start { config.startTime = start }
        return config
    }

    func run() throws {
        let logger = try logging.makeLogger("vigil.generate")
        let report: GeneratorRun.Report
        if let out {
            report = try GeneratorRun.toFiles(config: makeConfig(), out: out, labelsOut: labelsOut)
        } else {
            report = try GeneratorRun.toKafka(
                config: makeConfig(), bootstrapServers: kafka.bootstrapServers!, topic: topic, labelsTopic: labelsTopic,
                properties: try kafka.parsedProperties(), logger: logger)
        }
        printError(report.description)
    }
}

/// Drives the generator into a destination, with progress on standard error for long runs.
enum GeneratorRun {
    struct Report: CustomStringConvertible {
        var transactions = 0
        var fraud = 0
        var labels = 0
        var byPattern: [String: Int] = [:]

        var description: String {
            let patterns = byPattern.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            return "generated \(transactions) transactions, \(fraud) fraudulent (\(patterns)), \(labels) labels"
        }
    }

    /// Generates into Kafka: transactions keyed by card, labels interleaved as they become available.
    static func toKafka(
        count: Int, seed: UInt64, bootstrapServers: String, topic: String, labelsTopic: String,
        properties: [String: String], logger: Logger
    ) throws -> Report {
        var config = GeneratorConfig()
        config.seed = seed
        config.eventCount = count
        return try toKafka(config: config, bootstrapServers: bootstrapServers, topic: topic, labelsTopic: labelsTopic, properties: properties, logger: logger)
    }

    static func toKafka(
        config: GeneratorConfig, bootstrapServers: String, topic: String, labelsTopic: String,
        properties: [String: String], logger: Logger
    ) throws -> Report {
        var kafkaConfig = KafkaConfig(bootstrapServers: bootstrapServers)
        kafkaConfig["partitioner"] = "murmur2_random"
        kafkaConfig["linger.ms"] = "20"
        for (k, v) in properties { kafkaConfig[k] = v }
        let producer = try KafkaProducer(config: kafkaConfig, logger: logger)
        let report = try generate(config: config) { transaction, bytes in
            try producer.send(topic: topic, key: Array(transaction.cardID.utf8), value: bytes)
        } label: { label, bytes in
            try producer.send(topic: labelsTopic, key: Array(label.cardID.utf8), value: bytes)
        }
        try producer.flush(timeout: .seconds(120))
        return report
    }

    /// Writes `count` malformed records of assorted kinds: not JSON, a missing field, a wrong type, invalid UTF-8,
    /// and a tombstone.
    static func malformedToKafka(
        count: Int, bootstrapServers: String, topic: String, properties: [String: String], logger: Logger
    ) throws {
        var config = KafkaConfig(bootstrapServers: bootstrapServers)
        for (k, v) in properties { config[k] = v }
        let producer = try KafkaProducer(config: config, logger: logger)
        let samples: [[UInt8]?] = [
            Array("this is not JSON".utf8),
            Array(#"{"v":1,"txn_id":"bad-1","merchant_id":"m","amount":1,"currency":"EUR","country":"FR","mcc":5411,"channel":"pos","ts":1}"#.utf8),
            Array(#"{"v":1,"txn_id":"bad-2","card_id":"c","merchant_id":"m","amount":"12.00","currency":"EUR","country":"FR","mcc":5411,"channel":"pos","ts":1}"#.utf8),
            Array(#"{"v":1,"txn_id":"bad-3","card_id":"c"#.utf8) + [0xFF] + Array(#"","merchant_id":"m","amount":1,"currency":"EUR","country":"FR","mcc":5411,"channel":"pos","ts":1}"#.utf8),
            nil,
        ]
        for i in 0..<count {
            try producer.send(topic: topic, key: Array("malformed-\(i)".utf8), value: samples[i % samples.count])
        }
        try producer.flush(timeout: .seconds(60))
    }

    /// Generates into JSON Lines files.
    static func toFiles(config: GeneratorConfig, out: String, labelsOut: String?) throws -> Report {
        let transactions = try LineFile(path: out)
        let labels = try labelsOut.map { try LineFile(path: $0) }
        let report = try generate(config: config) { _, bytes in
            try transactions.write(bytes)
        } label: { _, bytes in
            try labels?.write(bytes)
        }
        try transactions.close()
        try labels?.close()
        return report
    }

    static func generate(
        config: GeneratorConfig,
        transaction emitTransaction: (Transaction, [UInt8]) throws -> Void,
        label emitLabel: (Label, [UInt8]) throws -> Void
    ) throws -> Report {
        var generator = TransactionGenerator(config)
        var report = Report()
        var buffer: [UInt8] = []
        var lastProgress = ContinuousClock.now
        func emitLabels(_ labels: [Label]) throws {
            for label in labels {
                buffer.removeAll(keepingCapacity: true)
                LabelCodec.encode(label, into: &buffer)
                try emitLabel(label, buffer)
                report.labels += 1
            }
        }
        while let (transaction, truth) = generator.next() {
            try emitLabels(generator.drainLabels(upTo: transaction.timestamp))
            buffer.removeAll(keepingCapacity: true)
            TransactionCodec.encode(transaction, into: &buffer)
            try emitTransaction(transaction, buffer)
            report.transactions += 1
            if truth.isFraud {
                report.fraud += 1
                report.byPattern[truth.fraudType ?? "unknown", default: 0] += 1
            }
            if report.transactions % 10_000 == 0, ContinuousClock.now - lastProgress > .seconds(2) {
                lastProgress = .now
                printError("generated \(report.transactions) of \(config.eventCount) transactions")
            }
        }
        try emitLabels(generator.remainingLabels())
        return report
    }
}

/// A buffered JSON Lines writer over a file or standard output.
final class LineFile {
    private let handle: UnsafeMutablePointer<FILE>
    private let path: String

    init(path: String) throws {
        self.path = path
        if path == "-" {
            guard let h = fdopen(dup(STDOUT_FILENO), "wb") else {
                throw ValidationError("cannot write to standard output")
            }
            handle = h
        } else {
            guard let h = fopen(path, "wb") else {
                throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            handle = h
        }
    }

    func write(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        guard written == bytes.count, fputc(0x0A, handle) != EOF else {
            throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }

    func close() throws {
        if fflush(handle) != 0 { throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))") }
        fclose(handle)
    }
}
