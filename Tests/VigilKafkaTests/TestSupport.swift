import Logging
import Synchronization
import Testing
import VigilKafka

/// Collects log lines so tests can assert on them (and keeps librdkafka's chatter off the console).
final class LogCapture: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: Logger.Metadata
    }

    private let storage = Mutex<[Line]>([])
    private let level: Logger.Level

    init(level: Logger.Level = .info) { self.level = level }

    var logger: Logger {
        let handler = CapturingLogHandler(capture: self, logLevel: level)
        return Logger(label: "vigil.kafka.test") { _ in handler }
    }

    var lines: [Line] { storage.withLock { $0 } }

    func append(_ line: Line) { storage.withLock { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        capture.append(.init(level: event.level, message: "\(event.message)", metadata: event.metadata ?? [:]))
    }
}

/// A name no other test (or earlier run) uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
}

/// Bytes of a string.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Text of bytes.
func text(_ bytes: [UInt8]?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

/// Consumer settings tuned for a fast, local mock cluster.
func consumerConfig(_ cluster: EmbeddedKafka, group: String, extra: [String: String] = [:]) -> KafkaConfig {
    var config = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
    config["group.id"] = group
    config["auto.offset.reset"] = "earliest"
    config["session.timeout.ms"] = "6000"
    config["heartbeat.interval.ms"] = "200"
    config["fetch.wait.max.ms"] = "50"
    config["topic.metadata.refresh.interval.ms"] = "500"
    for (key, value) in extra { config[key] = value }
    return config
}

func producerConfig(_ cluster: EmbeddedKafka, extra: [String: String] = [:]) -> KafkaConfig {
    var config = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
    config["linger.ms"] = "5"
    for (key, value) in extra { config[key] = value }
    return config
}

/// Records every rebalance event; returns `startOffsets` for assigned partitions.
final class RecordingListener: RebalanceListener {
    var startOffsets: [TopicPartition: Int64] = [:]
    private(set) var assigned: [[TopicPartition]] = []
    private(set) var revoked: [[TopicPartition]] = []
    /// The partitions currently held according to the callbacks.
    private(set) var held: Set<TopicPartition> = []

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        assigned.append(partitions)
        held.formUnion(partitions)
        return startOffsets
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        revoked.append(partitions)
        held.subtract(partitions)
    }
}

/// Polls until `done` holds or `limit` passes; returns everything consumed.
@discardableResult
func pollUntil(
    _ consumer: KafkaConsumer, limit: Duration = .seconds(20), maxMessages: Int = 100,
    into messages: inout [KafkaMessage], _ done: (_ messages: [KafkaMessage]) -> Bool
) throws -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if done(messages) { return true }
        messages += try consumer.poll(maxMessages: maxMessages, timeout: .milliseconds(100))
    }
    return done(messages)
}

/// Polls until `count` messages arrived or `limit` passes.
func consume(_ consumer: KafkaConsumer, count: Int, limit: Duration = .seconds(20), maxMessages: Int = 100) throws
    -> [KafkaMessage]
{
    var messages: [KafkaMessage] = []
    try pollUntil(consumer, limit: limit, maxMessages: maxMessages, into: &messages) { $0.count >= count }
    return messages
}

/// Produces `count` messages `key-i` / `value-i` to one partition and waits for delivery.
func produceNumbered(_ cluster: EmbeddedKafka, topic: String, partition: Int32? = 0, count: Int, from start: Int = 0)
    throws
{
    let producer = try KafkaProducer(config: producerConfig(cluster), logger: LogCapture().logger)
    for index in start..<(start + count) {
        try producer.send(topic: topic, partition: partition, key: bytes("key-\(index)"), value: bytes("value-\(index)"))
    }
    try producer.flush(timeout: .seconds(20))
}
