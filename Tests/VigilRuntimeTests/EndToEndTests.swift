import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// The topology on the embedded Kafka cluster, end to end: generated transactions in, feature events and dead letters
/// out, every value checked against the naive reference.
@Suite("End to end on the embedded cluster")
struct EndToEndTests {
    /// Malformed records, each with the words its dead-letter reason must contain.
    static let malformed: [(value: [UInt8]?, reason: String)] = [
        (Array("hello, not json".utf8), "not JSON"),
        (Array(#"{"v":1,"txn_id":"x1","merchant_id":"m","amount":1,"currency":"EUR","country":"FR","mcc":5411,"channel":"pos","ts":1}"#.utf8), "card_id"),
        (Array(#"{"v":1,"txn_id":"x2","card_id":"c","merchant_id":"m","amount":"12.00","currency":"EUR","country":"FR","mcc":5411,"channel":"pos","ts":1}"#.utf8), "amount"),
        (Array(#"{"v":1,"txn_id":"x3","card_id":"c"#.utf8) + [0xC3, 0x28] + Array(#"","merchant_id":"m","amount":1,"currency":"EUR","country":"FR","mcc":5411,"channel":"pos","ts":1}"#.utf8), "UTF-8"),
        (nil, "tombstone"),
    ]

    @Test("every event gets its feature event, equal to the naive computation; malformed input goes to the DLQ")
    func featuresMatchNaiveComputation() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let stateDir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        let topology = try Support.topology(stateDirectory: stateDir)
        try Support.createTopics(topology, on: cluster)

        var records = Support.transactions(count: 6_000, seed: 7).map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        for (i, bad) in Self.malformed.enumerated() {
            records.insert((key: Array("bad".utf8), value: bad.value), at: 500 + i * 1_000)
        }
        let input = records
        let bootstrap = cluster.bootstrapServers
        try await Support.onThread { try Support.produce(input, topic: topology.source.topic, bootstrap: bootstrap) }

        let runner = Runner(
            topology: topology,
            options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, maxBatch: 700, stopWhenCaughtUp: true),
            logger: Support.logger)
        try await Support.onThread { try runner.run() }

        #expect(runner.counters.eventsIn == records.count)
        #expect(runner.counters.featuresOut == records.count - Self.malformed.count)
        #expect(runner.counters.deadLettered == Self.malformed.count)

        let (valid, byOffset) = try await Self.readInput(topology, bootstrap: bootstrap)
        #expect(valid.count == 6_000, "the whole input was read back")
        let outputs = try await Support.onThread { try Support.readAll(topology.sinks.features, bootstrap: bootstrap) }
        let events = try Self.uniqueFeatureEvents(outputs)
        #expect(events.count == valid.count)
        let naive = NaiveFeatures(topology: topology, events: valid)
        var checked = 0
        for (id, t) in valid {
            let event = try #require(events[id], "no feature event for \(id)")
            #expect(event.txnID == t.txnID)
            #expect(event.key == t.cardID)
            #expect(event.features == naive.expected[id], "\(id)")
            checked += 1
        }
        #expect(checked == 6_000)
        // Some cards must have history, or the comparison would prove little.
        #expect(events.values.contains { ($0.features["n_5m"] ?? 0) >= 2 })

        let dlq = try await Support.onThread { try Support.readAll(topology.sinks.deadLetter, bootstrap: bootstrap) }
        #expect(dlq.count == Self.malformed.count)
        for record in dlq {
            let source = "\(record.header("vigil.source.topic") ?? ""):\(record.header("vigil.source.partition") ?? ""):\(record.header("vigil.source.offset") ?? "")"
            let original = try #require(byOffset[source], "dead letter points at \(source)")
            #expect(record.value == original.value, "the original bytes are kept")
            #expect(record.key == Array("bad".utf8))
            let reason = try #require(record.header("vigil.error.reason"))
            let expected = Self.malformed.first { $0.value == original.value }!.reason
            #expect(reason.contains(expected), "reason \"\(reason)\" should mention \(expected)")
        }
    }

    @Test("three stream threads in one process split the partitions and count every event exactly once")
    func threeStreamThreads() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let stateDir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        let topology = try Support.topology(partitions: 6, stateDirectory: stateDir)
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        let records = Support.transactions(count: 5_000, seed: 17).map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        try await Support.onThread { try Support.produce(records, topic: topology.source.topic, bootstrap: bootstrap) }
        let runner = Runner(
            topology: topology,
            options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, threads: 3, maxBatch: 500, stopWhenCaughtUp: true),
            logger: Support.logger)
        try await Support.onThread { try runner.run() }
        #expect(runner.counters.eventsIn >= 5_000)
        try await RestartTests.checkExactlyOnce(topology, bootstrap: bootstrap, expectNoDuplicates: false, produced: 5_000)
    }

    @Test("state built from another log is refused instead of skipping records")
    func stateFromAnotherLogIsRefused() async throws {
        let stateDir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        let topology = try Support.topology(partitions: 1, stateDirectory: stateDir)
        let records = Support.transactions(count: 300, seed: 2).map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        // Run once on a cluster, then point the same state at a new, shorter log (a recreated topic).
        for (round, count) in [(0, 300), (1, 100)] {
            let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
            try Support.createTopics(topology, on: cluster)
            let bootstrap = cluster.bootstrapServers
            let input = Array(records.prefix(count))
            try await Support.onThread { try Support.produce(input, topic: topology.source.topic, bootstrap: bootstrap) }
            let runner = Runner(
                topology: topology,
                options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, stopWhenCaughtUp: true),
                logger: Support.logger)
            if round == 0 {
                try await Support.onThread { try runner.run() }
                #expect(runner.counters.eventsIn == 300)
            } else {
                let error = await #expect(throws: RuntimeError.self) { try await Support.onThread { try runner.run() } }
                #expect("\(error.map { "\($0)" } ?? "")".contains("belongs to another log"))
            }
        }
    }

    @Test("replaying the same log into empty state gives byte-identical feature events")
    func replayIsByteIdentical() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dirA = try Support.temporaryDirectory(), dirB = try Support.temporaryDirectory()
        defer { for d in [dirA, dirB] { try? FileManager.default.removeItem(atPath: d) } }
        let topology = try Support.topology(partitions: 2, stateDirectory: dirA)
        try Support.createTopics(topology, on: cluster)
        let records = Support.transactions(count: 3_000, seed: 11).map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        let bootstrap = cluster.bootstrapServers
        try await Support.onThread { try Support.produce(records, topic: topology.source.topic, bootstrap: bootstrap) }

        // Run twice, each with empty state and its own group, into two feature topics.
        var outputs: [[String: [UInt8]]] = []
        for (i, dir) in [dirA, dirB].enumerated() {
            var t = topology
            t.name = "\(topology.name)-\(i)"
            t.stateDirectory = dir
            t.sinks.features = "\(topology.sinks.features)-\(i)"
            try cluster.createTopic(t.sinks.features, partitions: 2)
            let runner = Runner(topology: t, options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, stopWhenCaughtUp: true), logger: Support.logger)
            try await Support.onThread { try runner.run() }
            let featureTopic = t.sinks.features
            let out = try await Support.onThread { try Support.readAll(featureTopic, bootstrap: bootstrap) }
            outputs.append(Dictionary(out.map { (try! FeatureEvent($0.value!).eventID, $0.value!) }, uniquingKeysWith: { a, _ in a }))
        }
        #expect(outputs[0].count == 3_000)
        // The topology name is part of the event; compare with it normalised.
        for (id, bytes) in outputs[0] {
            let a = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\(topology.name)-0", with: "T")
            let b = String(decoding: try #require(outputs[1][id]), as: UTF8.self).replacingOccurrences(of: "\(topology.name)-1", with: "T")
            #expect(a == b)
        }
    }

    /// The input topic read back: valid events in log order with their ids, and every record by id.
    static func readInput(_ topology: Topology, bootstrap: String) async throws
        -> (valid: [(id: String, transaction: Transaction)], byOffset: [String: KafkaMessage])
    {
        let input = try await Support.onThread { try Support.readAll(topology.source.topic, bootstrap: bootstrap) }
        let ordered = input.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
        var valid: [(String, Transaction)] = []
        var byOffset: [String: KafkaMessage] = [:]
        for m in ordered {
            let id = "\(m.topic):\(m.partition):\(m.offset)"
            byOffset[id] = m
            if let v = m.value, let t = try? TransactionCodec.decode(v) { valid.append((id, t)) }
        }
        return (valid, byOffset)
    }

    /// Feature events by id; a redelivered event must be byte-identical to the first.
    static func uniqueFeatureEvents(_ records: [KafkaMessage]) throws -> [String: FeatureEvent] {
        var events: [String: FeatureEvent] = [:]
        for record in records {
            let event = try FeatureEvent(try #require(record.value))
            if let previous = events[event.eventID] {
                #expect(previous.raw == event.raw, "redelivered \(event.eventID) differs")
            }
            events[event.eventID] = event
        }
        return events
    }
}
