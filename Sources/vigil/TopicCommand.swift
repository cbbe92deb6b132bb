import ArgumentParser
import Foundation
import Synchronization
import VigilKafka
import VigilRuntime
import VigilTopology

/// `vigil topic`: read and write any topic as lines, for scripts (the reference retrainer uses it).
struct TopicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topic",
        abstract: "Read or write a topic's records as lines (for scripts).",
        subcommands: [TopicTail.self, TopicPublish.self])
}

/// `vigil topic tail`: prints each record's value as one line, as a consumer-group member that commits what it
/// printed.
struct TopicTail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print each record's value on one line (Ctrl-C, --max or --idle stops; offsets are committed).")

    @Option(help: "The topic to read.") var topic: String
    @Option(help: "Consumer group id (a restarted tail with the same group goes on where it stopped).")
    var group: String = "vigil-topic-tail"
    @Flag(help: "Start from the oldest record when the group has no committed offset (default: only new records).")
    var fromBeginning = false
    @Option(help: "Stop after this many records.") var max: Int?
    @Option(help: "Stop after this many seconds without a record.") var idle: Double?
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        guard let bootstrap = kafka.bootstrapServers else {
            throw ValidationError("--bootstrap-servers is required (see `vigil dev-broker` for a local cluster)")
        }
        let logger = try logging.makeLogger("vigil.topic")
        var config = KafkaConfig(bootstrapServers: bootstrap)
        for (k, v) in try kafka.parsedProperties() { config[k] = v }
        config["group.id"] = group
        config["enable.auto.commit"] = "false"
        config["auto.offset.reset"] = fromBeginning ? "earliest" : "latest"
        let consumer = try KafkaConsumer(config: config, logger: logger)
        defer { consumer.close() }
        let listener = CommittedStart()
        try consumer.subscribe(topics: [topic], listener: listener)
        let stop = Atomic<Bool>(false)
        let signals = ShutdownSignals { stop.store(true, ordering: .relaxed) }
        var printed = 0
        var lastRecord = ContinuousClock.now
        while !stop.load(ordering: .relaxed), max.map({ printed < $0 }) ?? true {
            let wanted = max.map { $0 - printed } ?? 500
            let messages = try consumer.poll(maxMessages: Swift.min(500, wanted), timeout: .milliseconds(200))
            var offsets: [TopicPartition: Int64] = [:]
            for message in messages {
                print(String(decoding: message.value ?? [], as: UTF8.self))
                offsets[TopicPartition(message.topic, message.partition)] = message.offset + 1
                printed += 1
            }
            fflush(nil)
            if !offsets.isEmpty {
                try consumer.commit(offsets, async: false)
                lastRecord = .now
            } else if let idle, listener.assigned.load(ordering: .relaxed),
                      ContinuousClock.now - lastRecord > .milliseconds(Int(idle * 1000)) {
                // Idle time counts once the group has assigned the partitions (joining can take seconds).
                break
            } else if !listener.assigned.load(ordering: .relaxed) {
                lastRecord = .now
            }
        }
        withExtendedLifetime(signals) {}
    }

    /// Starts every partition at the group's committed offset, and notes that the group has assigned them.
    final class CommittedStart: RebalanceListener, Sendable {
        let assigned = Atomic<Bool>(false)
        func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
            assigned.store(true, ordering: .relaxed)
            return [:]
        }
        func partitionsRevoked(_ partitions: [TopicPartition]) {}
    }
}

/// `vigil topic publish`: sends each line of standard input as one record.
struct TopicPublish: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish", abstract: "Send each non-empty line of standard input as one record's value.")

    @Option(help: "The topic to write.") var topic: String
    @Option(help: "The key of every record (default: none).") var key: String?
    @Option(help: "Key each record by this top-level string field of its JSON line (e.g. card_id, so records go to the partition Vigil expects); a line without it is sent without a key.")
    var keyField: String?
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        guard let bootstrap = kafka.bootstrapServers else {
            throw ValidationError("--bootstrap-servers is required (see `vigil dev-broker` for a local cluster)")
        }
        if key != nil && keyField != nil { throw ValidationError("give --key or --key-field, not both") }
        let logger = try logging.makeLogger("vigil.topic")
        var config = KafkaConfig(bootstrapServers: bootstrap)
        for (k, v) in try kafka.parsedProperties() { config[k] = v }
        // The partitioner Vigil's clients use, so a keyed record lands where a Vigil producer would put it.
        if config["partitioner"] == nil { config["partitioner"] = "murmur2_random" }
        let producer = try KafkaProducer(config: config, logger: logger)
        var sent = 0
        while let line = readLine() {
            guard !line.isEmpty else { continue }
            var recordKey = key.map { Array($0.utf8) }
            if let keyField,
               let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
               let value = object[keyField] as? String {
                recordKey = Array(value.utf8)
            }
            try producer.send(topic: topic, key: recordKey, value: Array(line.utf8), headers: [])
            sent += 1
        }
        try producer.flush(timeout: .seconds(60))
        printError("\(sent) records sent to \(topic)")
    }
}

/// `vigil models`: put a model bundle in force in every process scoring a topology, through its models topic.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Send a model-control event: shadow a bundle, promote it, or retire the challenger (docs/monitoring.md).")

    @Argument(help: "shadow, promote or retire.") var action: String
    @Argument(help: "The topology file.") var topology: String
    @Option(help: "The bundle (shadow: required; promote: default the current challenger). Made absolute.")
    var bundle: String?
    @Option(help: "Why, for the audit trail.") var reason: String?
    @Option(help: "The retrain trigger this answers.") var triggerID: String?
    @OptionGroup var kafka: KafkaOptions
    @OptionGroup var logging: LoggingOptions

    func run() throws {
        guard let action = ModelControl.Action(rawValue: action) else {
            throw ValidationError("unknown action \"\(action)\": shadow, promote or retire")
        }
        if action == .shadow, bundle == nil { throw ValidationError("shadow needs --bundle") }
        guard let bootstrap = kafka.bootstrapServers else {
            throw ValidationError("--bootstrap-servers is required (see `vigil dev-broker` for a local cluster)")
        }
        let topology = try loadTopologyOrExit(self.topology)
        guard topology.monitoring != nil else {
            throw ValidationError("\(self.topology): no monitoring section, so no models topic")
        }
        let absolute = bundle.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        if let absolute, !FileManager.default.fileExists(atPath: absolute) {
            throw ValidationError("bundle \(absolute) does not exist")
        }
        let logger = try logging.makeLogger("vigil.models")
        var config = KafkaConfig(bootstrapServers: bootstrap)
        for (k, v) in try kafka.parsedProperties() { config[k] = v }
        let producer = try KafkaProducer(config: config, logger: logger)
        let control = ModelControl(action: action, bundle: absolute, reason: reason, triggerID: triggerID)
        try producer.send(topic: topology.sinks.models, key: Array(topology.name.utf8), value: control.encode(), headers: [])
        try producer.flush(timeout: .seconds(60))
        print(String(decoding: control.encode(), as: UTF8.self))
    }
}
