public import Logging
public import VigilKafka
import Foundation

/// `vigil alerts tail`: a consumer-group client that prints alert events (docs/events.md, `alert` v1) as they
/// arrive, filtered by severity, as JSON lines or a table. Offsets are committed as alerts are printed, so a
/// restarted tail with the same group goes on where it stopped.
///
/// Not thread-safe: `run` polls on the calling thread.
public final class AlertTail: RebalanceListener {
    public struct Options: Sendable {
        public var topic: String
        public var bootstrapServers: String
        public var properties: [String: String] = [:]
        public var groupID: String = "vigil-alerts-tail"
        public var minSeverity: AlertView.Severity = .info
        public var format: Format = .table
        /// Start from the oldest alert of a partition the group has no committed offset for (else the newest).
        public var fromBeginning = false

        public init(topic: String, bootstrapServers: String) {
            self.topic = topic
            self.bootstrapServers = bootstrapServers
        }
    }

    public enum Format: String, Sendable, CaseIterable {
        case json, table
    }

    public let options: Options
    private let consumer: KafkaConsumer
    private let logger: Logger
    /// Records that were not alerts (or not readable), counted and reported, never fatal.
    public private(set) var unreadable = 0
    /// Alerts below the severity threshold.
    public private(set) var filtered = 0

    public init(options: Options, logger: Logger) throws {
        var config = KafkaConfig(bootstrapServers: options.bootstrapServers)
        for (k, v) in options.properties { config[k] = v }
        config["group.id"] = options.groupID
        config["auto.offset.reset"] = options.fromBeginning ? "earliest" : "latest"
        self.options = options
        self.logger = logger
        consumer = try KafkaConsumer(config: config, logger: logger)
    }

    public func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] { [:] }
    public func partitionsRevoked(_ partitions: [TopicPartition]) {}

    /// Polls until `shouldStop` returns true, writing one line (or table row) per alert at or above the severity
    /// threshold to `emit`. Returns how many alerts were written.
    @discardableResult
    public func run(shouldStop: () -> Bool, emit: (String) -> Void) throws -> Int {
        try consumer.subscribe(topics: [options.topic], listener: self)
        if options.format == .table { emit(AlertView.tableHeader) }
        var written = 0
        while !shouldStop() {
            let messages = try consumer.poll(maxMessages: 500, timeout: .milliseconds(200))
            var next: [TopicPartition: Int64] = [:]
            for message in messages {
                next[TopicPartition(message.topic, message.partition)] = message.offset + 1
                guard let value = message.value, let alert = try? AlertView(json: value) else {
                    unreadable += 1
                    logger.warning("not an alert event", metadata: [
                        "topic": "\(message.topic)", "partition": "\(message.partition)", "offset": "\(message.offset)",
                    ])
                    continue
                }
                guard alert.severity >= options.minSeverity else {
                    filtered += 1
                    continue
                }
                emit(options.format == .json ? String(decoding: value, as: UTF8.self) : alert.tableRow)
                written += 1
            }
            if !next.isEmpty { try consumer.commit(next, async: true) }
        }
        return written
    }

    public func close() {
        consumer.close()
    }
}

/// The fields of an alert event that `AlertTail` shows.
public struct AlertView: Sendable, Equatable {
    public enum Severity: String, Sendable, CaseIterable, Comparable {
        case info, warning, critical

        var rank: Int { Self.allCases.firstIndex(of: self)! }
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    public var alertID: String
    public var severity: Severity
    public var timestamp: Int64
    public var key: String?
    public var txnID: String?
    public var score: Double
    public var model: String
    public var rules: [String]
    public var reason: String
    /// The top features by contribution, as `name` and contribution.
    public var topFeatures: [(name: String, contribution: Double)]

    public static func == (a: AlertView, b: AlertView) -> Bool {
        a.alertID == b.alertID && a.severity == b.severity && a.timestamp == b.timestamp && a.key == b.key
            && a.txnID == b.txnID && a.score == b.score && a.model == b.model && a.rules == b.rules
            && a.reason == b.reason && a.topFeatures.elementsEqual(b.topFeatures) { $0 == $1 }
    }

    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads an alert event; throws when the bytes are not one (wrong type, version or a missing field).
    public init(json: [UInt8]) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else {
            throw ReadError(description: "not a JSON object")
        }
        guard object["type"] as? String == "alert", object["v"] as? Int == 1 else {
            throw ReadError(description: "not an alert event v1")
        }
        guard let id = object["alert_id"] as? String, let severityText = object["severity"] as? String,
              let severity = Severity(rawValue: severityText), let ts = (object["ts"] as? NSNumber)?.int64Value,
              let score = (object["score"] as? NSNumber)?.doubleValue, let model = object["model"] as? String,
              let version = object["model_version"] as? String, let rules = object["rules"] as? [String],
              let reason = object["reason"] as? String
        else { throw ReadError(description: "an alert event without its required fields") }
        alertID = id
        self.severity = severity
        timestamp = ts
        key = object["key"] as? String
        txnID = object["txn_id"] as? String
        self.score = score
        self.model = "\(model)@\(version)"
        self.rules = rules
        self.reason = reason
        topFeatures = (object["top_features"] as? [[String: Any]] ?? []).compactMap { entry in
            guard let name = entry["name"] as? String, let c = (entry["contribution"] as? NSNumber)?.doubleValue
            else { return nil }
            return (name, c)
        }
    }

    public static let tableHeader = [
        pad("TIME (UTC)", 20), pad("SEVERITY", 8), pad("KEY", 12), pad("TXN", 14), pad("SCORE", 6),
        pad("MODEL", 18), pad("RULES", 24), "TOP FEATURES",
    ].joined(separator: " ")

    /// One line of the table.
    public var tableRow: String {
        let time = Date(timeIntervalSince1970: Double(timestamp) / 1000)
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        let when = String(formatter.string(from: time).replacingOccurrences(of: "T", with: " ").dropLast())
        let features = topFeatures.prefix(3).map { "\($0.name) \($0.contribution >= 0 ? "+" : "")\(String(format: "%.2f", $0.contribution))" }
            .joined(separator: ", ")
        return [
            Self.pad(when, 20), Self.pad(severity.rawValue, 8), Self.pad(key ?? "-", 12), Self.pad(txnID ?? "-", 14),
            Self.pad(String(format: "%.3f", score), 6), Self.pad(model, 18), Self.pad(rules.joined(separator: ","), 24),
            features,
        ].joined(separator: " ")
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
