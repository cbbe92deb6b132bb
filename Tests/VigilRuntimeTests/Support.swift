import Foundation
import Logging
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// Shared helpers of the runtime tests. Every test makes its own cluster, topics, group and state directory.
enum Support {
    static let logger: Logger = {
        var l = Logger(label: "vigil.test")
        l.logLevel = .warning
        return l
    }()

    /// Group settings that keep rebalances short: the mock cluster waits session.timeout.ms − 1 s before it
    /// completes a rebalance after a member leaves or dies (45 s with librdkafka's default).
    /// Quick group membership, and short fetch waits: librdkafka's mock broker holds a fetch for `fetch.wait.max.ms`
    /// even when data arrives meanwhile, which would add 500 ms to every repartition hop.
    static let fastGroup = ["session.timeout.ms": "3000", "heartbeat.interval.ms": "300", "fetch.wait.max.ms": "10"]
    static let fastGroupArguments = [
        "-X", "session.timeout.ms=3000", "-X", "heartbeat.interval.ms=300", "-X", "fetch.wait.max.ms=10",
    ]

    /// A name no other test uses.
    static func unique(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(unique("vigil-test")).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The card-velocity style topology used by the runtime tests, with unique topic names.
    /// `extra`: more top-level YAML (e.g. a `scoring:` section); `file`: the name the topology is parsed as (relative
    /// paths in it resolve against its directory).
    static func topology(
        name: String = unique("velo"), partitions: Int32 = 4, stateDirectory: String, extra: String = "",
        file: String? = nil
    ) throws -> Topology {
        let yaml = """
            name: \(name)
            source:
              topic: \(name)-in
              partitions: \(partitions)
            stages:
              - name: card
                key: card_id
                features:
                  - {name: n_5m, aggregation: count, window: 5m}
                  - {name: s_5m, aggregation: sum, field: amount, window: 5m}
                  - {name: n_1h, aggregation: count, window: 1h, include_current: true}
                  - {name: s_24h, aggregation: sum, field: amount, window: 24h}
                  - {name: n_30d, aggregation: count, window: {trailing: 30d, tile: exact}}  # no key expires in a test
            state_dir: \(stateDirectory)
            grace: 1m
            \(extra)
            """
        return try TopologyLoader.parse(yaml: yaml, file: file ?? "\(name).yaml")
    }

    /// Writes the topology YAML to a file (for child processes).
    static func writeTopologyFile(_ topology: Topology, to directory: String) throws -> String {
        let features = topology.stages[0].features.map { f -> String in
            guard case .aggregate(let aggregation, let field, .trailing(let window, let tile)) = f.kind else {
                fatalError("the runtime tests write count and sum features only")
            }
            let agg = field.map { "aggregation: \(aggregation.rawValue), field: \($0)" } ?? "aggregation: \(aggregation.rawValue)"
            let w = "{trailing: \(DurationParser.format(window)), tile: \(tile.map(DurationParser.format) ?? "exact")}"
            return "      - {name: \(f.name), \(agg), window: \(w), include_current: \(f.includeCurrent)}"
        }.joined(separator: "\n")
        let yaml = """
            name: \(topology.name)
            source:
              topic: \(topology.source.topic)
              partitions: \(topology.source.partitions)
            stages:
              - name: \(topology.stages[0].name)
                key: card_id
                features:
            \(features)
            state_dir: \(topology.stateDirectory)
            grace: \(DurationParser.format(topology.graceMillis))
            """
        let path = "\(directory)/\(topology.name).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `count` generated transactions, encoded.
    static func transactions(count: Int, seed: UInt64, cards: Int = 200) -> [Transaction] {
        var config = GeneratorConfig()
        config.seed = seed
        config.cards = cards
        config.merchants = 100
        config.eventCount = count
        var generator = TransactionGenerator(config)
        var result: [Transaction] = []
        while let (t, _) = generator.next() { result.append(t) }
        return result
    }

    static func encode(_ t: Transaction) -> [UInt8] {
        var bytes: [UInt8] = []
        TransactionCodec.encode(t, into: &bytes)
        return bytes
    }

    /// Creates the topology's topics on the cluster.
    static func createTopics(_ topology: Topology, on cluster: EmbeddedKafka) throws {
        for (name, partitions) in topology.topics { try cluster.createTopic(name, partitions: partitions) }
    }

    /// Produces records keyed as given, in order, and waits for their delivery.
    static func produce(_ records: [(key: [UInt8]?, value: [UInt8]?)], topic: String, bootstrap: String) throws {
        var config = KafkaConfig(bootstrapServers: bootstrap)
        config["partitioner"] = "murmur2_random"
        config["linger.ms"] = "2"
        let producer = try KafkaProducer(config: config, logger: logger)
        for r in records { try producer.send(topic: topic, key: r.key, value: r.value) }
        try producer.flush(timeout: .seconds(60))
    }

    /// Reads the whole topic.
    static func readAll(_ topic: String, bootstrap: String) throws -> [KafkaMessage] {
        try TopicReader.readAll(topic: topic, bootstrapServers: bootstrap, properties: [:], logger: logger)
    }

    /// Runs blocking work on its own OS thread, keeping Swift's cooperative pool free.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try body()) } catch { continuation.resume(throwing: error) }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Waits until `condition` holds, checking every 100 ms on a thread of its own (conditions may block on Kafka),
    /// failing after `timeout`.
    static func waitUntil(
        timeout: Duration = .seconds(60), _ what: String, _ condition: @escaping @Sendable () throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !onThread(condition) {
            if ContinuousClock.now > deadline { throw TestFailure("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The naive reference: every feature of every event, computed by scanning each card's earlier events in log order.
/// Independent of the engine's data structures (no sorted state, no pruning, doubles compared via fixed point).
struct NaiveFeatures {
    /// Feature values by input event id (`topic:partition:offset`), as the numbers the feature event holds.
    var expected: [String: [String: Double]] = [:]

    init(topology: Topology, events: [(id: String, transaction: Transaction)]) {
        var history: [String: [Transaction]] = [:]
        for (id, t) in events {
            var values: [String: Double] = [:]
            let prior = history[t.cardID, default: []]
            for f in topology.stages[0].features {
                guard case .aggregate(let aggregation, _, .trailing(let window, _)) = f.kind else { continue }
                var inWindow = prior.filter { $0.timestamp > t.timestamp - window && $0.timestamp <= t.timestamp }
                if f.includeCurrent { inWindow.append(t) }
                switch aggregation {
                case .count: values[f.name] = Double(inWindow.count)
                default:
                    // Money is summed in cents-exact decimal: round each amount to 4 places like the docs say.
                    let units = inWindow.reduce(Int64(0)) { $0 + Int64(($1.amount * 10_000).rounded()) }
                    values[f.name] = Double(units) / 10_000
                }
            }
            expected[id] = values
            history[t.cardID, default: []].append(t)
        }
    }
}

/// A parsed feature event.
struct FeatureEvent: Equatable {
    var eventID: String
    var key: String
    var txnID: String
    var features: [String: Double]
    var raw: [UInt8]

    init(_ bytes: [UInt8]) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let id = object["event_id"] as? String, let key = object["key"] as? String,
              let txn = object["txn_id"] as? String, let features = object["features"] as? [String: Any]
        else { throw TestFailure("not a feature event: \(String(decoding: bytes, as: UTF8.self))") }
        eventID = id
        self.key = key
        txnID = txn
        self.features = features.compactMapValues { ($0 as? NSNumber)?.doubleValue }
        raw = bytes
    }
}
