public import Logging
public import VigilKafka
import Foundation

/// Reads a whole topic, every partition from its beginning to the end it had when the call started, without
/// committing anything (a throwaway group id). For summaries, tools and tests; not for the hot path.
public enum TopicReader {
    public static func readAll(
        topic: String, bootstrapServers: String, properties: [String: String], logger: Logger
    ) throws -> [KafkaMessage] {
        let (consumer, partitions) = try clients(topic, bootstrapServers, properties, logger)
        defer { consumer.close() }
        var remaining: [Int32: Int64] = [:]
        var start: [TopicPartition: Int64] = [:]
        for p in 0..<partitions {
            let tp = TopicPartition(topic, p)
            let (low, high) = try consumer.watermarks(tp, timeout: .seconds(10))
            if high > low { remaining[p] = high }
            start[tp] = KafkaOffset.beginning
        }
        try consumer.assign(start)
        var records: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while !remaining.isEmpty && ContinuousClock.now < deadline {
            for message in try consumer.poll(maxMessages: 10_000, timeout: .milliseconds(200)) {
                records.append(message)
                if let end = remaining[message.partition], message.offset + 1 >= end {
                    remaining[message.partition] = nil
                }
            }
        }
        if !remaining.isEmpty {
            throw RuntimeError.startup("timed out reading \(topic): partitions \(remaining.keys.sorted()) not read to their end")
        }
        return records
    }
}

extension TopicReader {
    /// The low and high watermark of every partition of `topic`, asked of the brokers. A low watermark above 0
    /// means the oldest records are gone (retention, or the embedded cluster's per-partition limit).
    public static func extent(
        topic: String, bootstrapServers: String, properties: [String: String], logger: Logger
    ) throws -> [(low: Int64, high: Int64)] {
        let (consumer, partitions) = try clients(topic, bootstrapServers, properties, logger)
        defer { consumer.close() }
        return try (0..<partitions).map { try consumer.watermarks(TopicPartition(topic, $0), timeout: .seconds(10)) }
    }
}

extension TopicReader {
    /// A consumer that never joins a group or commits (a throwaway group id), and the topic's partition count.
    private static func clients(
        _ topic: String, _ bootstrapServers: String, _ properties: [String: String], _ logger: Logger
    ) throws -> (KafkaConsumer, Int32) {
        var config = KafkaConfig(bootstrapServers: bootstrapServers)
        for (k, v) in properties { config[k] = v }
        config["group.id"] = "vigil-reader-\(UUID().uuidString)"
        let partitions = try KafkaAdmin(config: config, logger: logger).partitionCount(topic: topic, timeout: .seconds(10))
        return (try KafkaConsumer(config: config, logger: logger), partitions)
    }
}

extension KafkaMessage {
    /// The header `name`'s value as text.
    public func header(_ name: String) -> String? {
        headers.first { $0.key == name }?.value.map { String(decoding: $0, as: UTF8.self) }
    }
}
