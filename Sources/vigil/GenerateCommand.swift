import ArgumentParser
import Foundation
import Logging
import VigilConfig
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
            --shift-at makes the distribution change midway (inflated amounts, more fraud, a new fraud pattern);
            the stream before the shift is the same bytes as without it (docs/demo-drift.md).
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
    @Option(help: "Median delay of fraud labels (chargebacks), days (default 7).") var labelDelayDays: Double?
    @Option(help: "Spread (log-normal sigma) of the label delay (default 0.8).") var labelDelaySigma: Double?
    @Option(help: "Shortest label delay, days (default 1, or a quarter of --label-delay-days when that is smaller).")
    var labelDelayMinDays: Double?
    @Option(help: "Longest label delay, days (default 60).") var labelDelayMaxDays: Double?
    @Option(help: "Start of a distribution shift: epoch ms, an RFC 3339 time, or a fraction of the stream (0.5: at the middle transaction).")
    var shiftAt: String?
    @Option(help: "With --shift-at: every amount after the shift is multiplied by this (default 2.5).")
    var shiftAmountScale: Double?
    @Option(help: "With --shift-at: the fraud share after the shift is the usual one times this (default 3).")
    var shiftFraudScale: Double?
    @Option(help: "With --shift-at: the fraud pattern that takes over after the shift: a fraud_type, or none (default device_farm).")
    var shiftPattern: String?
    @Option(help: "With --shift-at: the share of fraud incidents after the shift that are --shift-pattern (default 0.8).")
    var shiftPatternShare: Double?
    @Option(help: "Write only the transactions with ts, and the labels with available_ts, at or after this time (epoch ms or RFC 3339): a slice of the same stream.")
    var sliceFrom: String?
    @Option(help: "Write only the transactions with ts, and the labels with available_ts, before this time (epoch ms or RFC 3339).")
    var sliceTo: String?
    @Option(help: "Write only transactions or only labels (default: both).") var only: String?
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        if (out == nil) == (kafka.bootstrapServers == nil) {
            throw ValidationError("give exactly one of --out (JSON Lines) and --bootstrap-servers (Kafka)")
        }
        if labelsOut != nil && out == nil { throw ValidationError("--labels-out goes with --out") }
        let delays: [(String, Double?)] = [
            ("--label-delay-days", labelDelayDays), ("--label-delay-sigma", labelDelaySigma),
            ("--label-delay-min-days", labelDelayMinDays), ("--label-delay-max-days", labelDelayMaxDays),
        ]
        for case let (name, value?) in delays where !(value.isFinite && value >= 0) {
            throw ValidationError("\(name) must be a number >= 0")
        }
        let range = labelDelayRange
        guard range.min <= range.max else {
            throw ValidationError("--label-delay-min-days (\(range.min)) is above --label-delay-max-days (\(range.max))")
        }
        if shiftAt == nil
            && (shiftAmountScale != nil || shiftFraudScale != nil || shiftPattern != nil || shiftPatternShare != nil)
        {
            throw ValidationError("the --shift-… options need --shift-at")
        }
        if let shiftAmountScale, !(shiftAmountScale.isFinite && shiftAmountScale > 0) {
            throw ValidationError("--shift-amount-scale must be a number above 0")
        }
        if let shiftFraudScale, !(shiftFraudScale.isFinite && shiftFraudScale >= 0) {
            throw ValidationError("--shift-fraud-scale must be a number >= 0")
        }
        if let shiftPatternShare, !(shiftPatternShare.isFinite && (0...1).contains(shiftPatternShare)) {
            throw ValidationError("--shift-pattern-share must lie in [0, 1]")
        }
        _ = try newPattern()
        _ = try slice()
    }

    /// What `--slice-from`, `--slice-to` and `--only` select.
    func slice() throws -> GeneratorRun.Slice {
        var slice = GeneratorRun.Slice()
        if let sliceFrom { slice.from = try BackfillCommand.time(sliceFrom, "--slice-from") }
        if let sliceTo { slice.to = try BackfillCommand.time(sliceTo, "--slice-to") }
        switch only {
        case nil: break
        case "transactions": slice.labels = false
        case "labels": slice.transactions = false
        case let other?: throw ValidationError("--only must be transactions or labels, got \"\(other)\"")
        }
        return slice
    }

    /// The label delay's clamp range, days.
    var labelDelayRange: (min: Double, max: Double) {
        let defaults = GeneratorConfig().labelDelayRangeDays
        let min = labelDelayMinDays
            ?? labelDelayDays.map { Swift.min(defaults.lowerBound, $0 / 4) }
            ?? defaults.lowerBound
        return (min, labelDelayMaxDays ?? defaults.upperBound)
    }

    /// `--shift-pattern` as a pattern (`nil` for `none`).
    func newPattern() throws -> FraudPattern? {
        guard let shiftPattern else { return .deviceFarm }
        if shiftPattern == "none" { return nil }
        guard let pattern = FraudPattern(rawValue: shiftPattern) else {
            let known = FraudPattern.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("--shift-pattern: unknown pattern \"\(shiftPattern)\" (\(known), or none)")
        }
        return pattern
    }

    /// `--shift-at` as an event time: epoch ms, RFC 3339, or a fraction of the stream (a number with a decimal
    /// point, or 0 or 1): the event time of that transaction of the unshifted stream.
    static func shiftTime(_ text: String, config: GeneratorConfig) throws -> Int64 {
        if let fraction = Double(text), text.contains(".") || fraction == 0 || fraction == 1 {
            guard fraction.isFinite && (0...1).contains(fraction) else {
                throw ValidationError("--shift-at: a fraction of the stream lies in [0, 1], got \(text)")
            }
            let index = Swift.max(0, Swift.min(config.eventCount - 1, Int(Double(config.eventCount) * fraction)))
            return TransactionGenerator.eventTime(ofTransaction: index, in: config) ?? config.startTime
        }
        return try BackfillCommand.time(text, "--shift-at")
    }

    func makeConfig() throws -> GeneratorConfig {
        var config = GeneratorConfig()
        config.seed = seed
        config.eventCount = count
        if let cards { config.cards = cards }
        if let merchants { config.merchants = merchants }
        if let start { config.startTime = start }
        if let labelDelayDays { config.labelDelayMedianDays = labelDelayDays }
        if let labelDelaySigma { config.labelDelaySigma = labelDelaySigma }
        if labelDelayDays != nil || labelDelayMinDays != nil || labelDelayMaxDays != nil {
            let range = labelDelayRange
            config.labelDelayRangeDays = range.min...range.max
        }
        if let shiftAt {
            var shift = GeneratorConfig.Shift(at: try Self.shiftTime(shiftAt, config: config))
            if let shiftAmountScale { shift.amountScale = shiftAmountScale }
            if let shiftFraudScale { shift.fraudRateScale = shiftFraudScale }
            shift.newPattern = try newPattern()
            if let shiftPatternShare { shift.newPatternShare = shiftPatternShare }
            config.shift = shift
        }
        return config
    }

    func run() throws {
        let logger = try logging.makeLogger("vigil.generate")
        let config = try makeConfig()
        if let shift = config.shift {
            let pattern = shift.newPattern.map { "\(Int((shift.newPatternShare * 100).rounded()))% of incidents \($0.rawValue)" }
            printError(
                "shift at \(shift.at) (\(BackfillCommand.format(shift.at))): amounts x\(shift.amountScale), "
                    + "fraud x\(shift.fraudRateScale), \(pattern ?? "the usual patterns")")
        }
        let report: GeneratorRun.Report
        if let out {
            report = try GeneratorRun.toFiles(config: config, out: out, labelsOut: labelsOut, slice: try slice())
        } else {
            report = try GeneratorRun.toKafka(
                config: config, bootstrapServers: kafka.bootstrapServers!, topic: topic, labelsTopic: labelsTopic,
                properties: try kafka.parsedProperties(), logger: logger, slice: try slice())
        }
        printError(report.description)
    }
}

/// Drives the generator into a destination, with progress on standard error for long runs.
enum GeneratorRun {
    /// The part of the stream to write: the whole stream is generated (so a slice is exactly the records the full
    /// stream has there), and only the transactions with `ts` and the labels with `available_ts` in `[from, to)`
    /// are written. Writing `[a, b)` then `[b, c)` writes the records of `[a, c)`.
    struct Slice {
        var from = Int64.min
        var to = Int64.max
        var transactions = true
        var labels = true

        func contains(_ time: Int64) -> Bool { time >= from && time < to }
    }

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
        properties: [String: String], logger: Logger, slice: Slice = Slice()
    ) throws -> Report {
        var kafkaConfig = KafkaConfig(bootstrapServers: bootstrapServers)
        kafkaConfig["partitioner"] = "murmur2_random"
        kafkaConfig["linger.ms"] = "20"
        for (k, v) in properties { kafkaConfig[k] = v }
        let producer = try KafkaProducer(config: kafkaConfig, logger: logger)
        let report = try generate(config: config, slice: slice) { transaction, bytes in
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
    static func toFiles(config: GeneratorConfig, out: String, labelsOut: String?, slice: Slice = Slice()) throws -> Report {
        let transactions = try LineFile(path: out)
        let labels = try labelsOut.map { try LineFile(path: $0) }
        let report = try generate(config: config, slice: slice) { _, bytes in
            try transactions.write(bytes)
        } label: { _, bytes in
            try labels?.write(bytes)
        }
        try transactions.close()
        try labels?.close()
        return report
    }

    static func generate(
        config: GeneratorConfig, slice: Slice = Slice(),
        transaction emitTransaction: (Transaction, [UInt8]) throws -> Void,
        label emitLabel: (Label, [UInt8]) throws -> Void
    ) throws -> Report {
        var generator = TransactionGenerator(config)
        var report = Report()
        var buffer: [UInt8] = []
        // Progress counts transactions generated (with a slice, more are generated than written).
        let progress = makeProgress(task: "generate", total: config.eventCount)
        defer { progress.finish() }
        var generated = 0
        let sliced = slice.from != .min || slice.to != .max || !slice.transactions
        func emitLabels(_ labels: [Label]) throws {
            for label in labels where slice.labels && slice.contains(label.availableAt) {
                buffer.removeAll(keepingCapacity: true)
                LabelCodec.encode(label, into: &buffer)
                try emitLabel(label, buffer)
                report.labels += 1
            }
        }
        while let (transaction, truth) = generator.next() {
            try emitLabels(generator.drainLabels(upTo: transaction.timestamp))
            generated += 1
            if generated % 1_000 == 0 {
                progress.update(events: generated, detail: sliced ? "\(report.transactions) written" : "")
            }
            guard slice.transactions && slice.contains(transaction.timestamp) else { continue }
            buffer.removeAll(keepingCapacity: true)
            TransactionCodec.encode(transaction, into: &buffer)
            try emitTransaction(transaction, buffer)
            report.transactions += 1
            if truth.isFraud {
                report.fraud += 1
                report.byPattern[truth.fraudType ?? "unknown", default: 0] += 1
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
