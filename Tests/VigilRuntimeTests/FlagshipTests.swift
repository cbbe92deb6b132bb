import Foundation
import Testing
import VigilCore
import VigilKafka
@testable import VigilRuntime
import VigilTesting
import VigilTopology

/// The flagship topology (topologies/fraud-scoring.yaml): card → merchant → device, through repartition topics.
@Suite("Flagship fraud-scoring topology")
struct FlagshipTests {
    static let flagshipPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("topologies/fraud-scoring.yaml").path

    /// The flagship with unique topic names and the given state directory and partitions.
    static func flagship(stateDirectory: String, partitions: Int32 = 4) throws -> Topology {
        var t = try TopologyLoader.load(path: flagshipPath)
        let name = Support.unique("fraud")
        t.name = name
        t.stateDirectory = stateDirectory
        t.source.topic = "\(name)-transactions"
        t.stages[0].inputTopic = t.source.topic
        t.source.partitions = partitions
        for i in t.stages.indices.dropFirst() { t.stages[i].inputTopic = "\(name)-\(t.stages[i].name)-repartition" }
        t.sinks.features = "\(name)-features"
        t.sinks.windows = "\(name)-windows"
        t.sinks.deadLetter = "\(name)-dlq"
        t.sinks.late = "\(name)-late"
        t.sinks.predictions = "\(name)-predictions"
        t.sinks.alerts = "\(name)-alerts"
        t.sinks.monitor = "\(name)-monitor"
        t.sinks.drift = "\(name)-drift"
        t.sinks.performance = "\(name)-performance"
        t.sinks.triggers = "\(name)-retrain"
        t.sinks.models = "\(name)-models"
        t.sinks.audit = "\(name)-audit"
        t.monitoring?.labels?.topic = "\(name)-labels"
        return t
    }

    static func createTopics(_ t: Topology, on cluster: EmbeddedKafka) throws {
        for (topic, partitions) in t.topics { try cluster.createTopic(topic, partitions: partitions) }
        if let labels = t.monitoring?.labels { try cluster.createTopic(labels.topic, partitions: t.source.partitions) }
    }

    @Test("the flagship has card, merchant and device stages and at least 25 per-event features")
    func shape() throws {
        let t = try TopologyLoader.load(path: Self.flagshipPath)
        #expect(t.stages.map(\.key) == ["card_id", "merchant_id", "device_id"])
        let perEvent = t.stages.flatMap { $0.features.filter(\.isPerEvent) }
        #expect(perEvent.count >= 25)
    }

    @Test("in the test driver, every transaction's feature event carries its card, merchant and device features; a replay is byte-identical")
    func driverReplayIsByteIdentical() throws {
        let transactions = Support.transactions(count: 4_000, seed: 5, cards: 150)
        var runs: [[[UInt8]]] = []
        for _ in 0..<2 {
            let driver = try TopologyTestDriver(topology: try Self.flagship(stateDirectory: "unused"))
            defer { driver.close() }
            // Four source partitions, by card, fed in event-time order as aligned stream threads would (one
            // record per batch: the repartitioned records follow each one through the next stages).
            for t in transactions {
                let key = Array(t.cardID.utf8)
                try driver.pipe([(key, Support.encode(t))], partition: KafkaPartitioner.partition(key: key, partitions: 4))
            }
            #expect(driver.deadLetters.isEmpty)
            let events = driver.featureEvents
            #expect(events.count + driver.lateEvents.count == transactions.count)
            #expect(driver.lateEvents.isEmpty, "in-order input has no late events")
            try Self.checkCarriesEveryStage(events.map { $0.value! }, topology: driver.topology, transactions: transactions)
            runs.append(events.map { $0.value! })
        }
        // Topic names differ between the two topologies; normalise them before comparing bytes.
        #expect(runs[0].count == runs[1].count)
        let a = runs[0].map(Self.normalised), b = runs[1].map(Self.normalised)
        #expect(a == b, "the same input into empty state gives byte-identical feature events")
    }

    static func normalised(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self).replacing(/fraud-[0-9a-f]+/, with: "T")
    }

    /// Every event names its three keys as the transaction has them and has a value (or null) for every per-event
    /// feature of every stage; counts are never null.
    static func checkCarriesEveryStage(_ values: [[UInt8]], topology: Topology, transactions: [Transaction]) throws {
        let byTxn = Dictionary(uniqueKeysWithValues: transactions.map { ($0.txnID, $0) })
        let names = topology.stages.flatMap { $0.features.filter(\.isPerEvent).map(\.name) }
        let counts = Set(topology.stages.flatMap { $0.features.compactMap { f -> String? in
            if case .aggregate(.count, _, .trailing) = f.kind { f.name } else { nil }
        } })
        var withDevice = 0
        for bytes in values {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            let txnID = try #require(object["txn_id"] as? String)
            let t = try #require(byTxn[txnID])
            let keys = try #require(object["keys"] as? [String: Any])
            #expect(keys["card"] as? String == t.cardID)
            #expect(keys["merchant"] as? String == t.merchantID)
            if let device = t.deviceID {
                #expect(keys["device"] as? String == device)
                withDevice += 1
            } else {
                #expect(keys["device"] is NSNull)
            }
            let features = try #require(object["features"] as? [String: Any])
            #expect(Set(features.keys) == Set(names))
            for name in counts where name.hasPrefix("card") || name.hasPrefix("merchant") {
                #expect(features[name] is NSNumber, "\(name) of \(txnID)")
            }
        }
        #expect(withDevice > 0, "the generator makes e-commerce transactions with devices")
    }

    @Test("on the embedded cluster through repartition topics: one feature event per transaction, with counts equal to a naive count over each stage's input log")
    func embeddedCluster() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let stateDir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        var flagship = try Self.flagship(stateDirectory: stateDir)
        // 5000 generated events span days of event time, so 100 ms of producer batching between two threads is
        // hours of event time: a grace longer than the whole span keeps lateness (tested in TestDriverTests) out of
        // this test, which checks every event's features.
        flagship.graceMillis = 30 * 86_400_000
        let topology = flagship
        try Self.createTopics(topology, on: cluster)
        let transactions = Support.transactions(count: 5_000, seed: 9, cards: 300)
        let records = transactions.map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        let bootstrap = cluster.bootstrapServers
        try await Support.onThread { try Support.produce(records, topic: topology.source.topic, bootstrap: bootstrap) }
        let runner = Runner(
            topology: topology,
            options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, threads: 2, maxBatch: 500, stopWhenCaughtUp: true),
            logger: Support.logger)
        try await Support.onThread { try runner.run() }
        #expect(runner.counters.eventsIn == 5_000)
        #expect(runner.counters.deadLettered == 0)
        // The missing-value rate of each schema field is counted (device_id is optional: card-present has none).
        let fields = runner.counters.fieldMissing
        let deviceField = try #require(topology.source.schema.index(of: "device_id"))
        #expect(fields.decoded == 5_000)
        #expect(fields.missing[deviceField] == transactions.filter { $0.deviceID == nil }.count)
        #expect(fields.missing[try #require(topology.source.schema.index(of: "card_id"))] == 0)

        let out = try await Support.onThread { try Support.readAll(topology.sinks.features, bootstrap: bootstrap) }
        var byID: [String: [UInt8]] = [:]
        for m in out {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(m.value!)) as? [String: Any])
            let id = try #require(object["event_id"] as? String)
            if let previous = byID[id] { #expect(previous == m.value!, "a redelivered event is byte-identical") }
            byID[id] = m.value!
        }
        let late = try await Support.onThread { try Support.readAll(topology.sinks.late, bootstrap: bootstrap) }
        #expect(byID.count == 5_000, "every transaction has its feature event")
        #expect(late.isEmpty && runner.counters.late == 0)
        try Self.checkCarriesEveryStage(Array(byID.values), topology: topology, transactions: transactions)

        // Each stage's counts against a naive count over that stage's input log, in log order.
        let features = try byID.mapValues { bytes -> [String: Any] in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            return try #require(object["features"] as? [String: Any])
        }
        var checked = 0
        for (index, stage) in topology.stages.enumerated() {
            let log = try await Self.stageLog(topology, stage: index, bootstrap: bootstrap)
            let countFeatures = stage.features.compactMap { f -> (String, Int64)? in
                if case .aggregate(.count, _, .trailing(let w, nil)) = f.kind, !f.includeCurrent { (f.name, w) } else { nil }
            }
            var history: [String: [Int64]] = [:]
            for entry in log {
                guard let key = entry.key else { continue }
                defer { history[key, default: []].append(entry.ts) }
                guard let values = features[entry.id] else { continue }  // late at a later stage
                for (name, window) in countFeatures {
                    let expected = history[key, default: []].filter { $0 > entry.ts - window && $0 <= entry.ts }.count
                    #expect((values[name] as? NSNumber)?.intValue == expected, "\(name) at \(entry.id)")
                    checked += 1
                }
            }
        }
        #expect(checked > 10_000)
    }

    @Test("an input whose repartition record would exceed the producer's size limit goes to the DLQ, and the stream goes on")
    func oversizedOutputIsDeadLettered() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let stateDir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        let topology = try Self.flagship(stateDirectory: stateDir)
        try Self.createTopics(topology, on: cluster)
        var records = Support.transactions(count: 200, seed: 3, cards: 50).map {
            (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0)))
        }
        // A valid event with an undeclared 19.9 kB field: fine to read, too big once wrapped for the next stage
        // with message.max.bytes = 20000.
        var big = Support.encode(Support.transactions(count: 1, seed: 4, cards: 1)[0])
        big.removeLast()  // the closing brace
        big += Array(",\"blob\":\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: 19_900 - big.count - 11) + Array("\"}".utf8)
        records.insert((key: Array("big".utf8), value: big), at: 100)
        let input = records
        let bootstrap = cluster.bootstrapServers
        try await Support.onThread { try Support.produce(input, topic: topology.source.topic, bootstrap: bootstrap) }
        var kafka = Support.fastGroup
        kafka["message.max.bytes"] = "20000"
        let runner = Runner(
            topology: topology,
            options: RuntimeOptions(bootstrapServers: bootstrap, kafka: kafka, stopWhenCaughtUp: true),
            logger: Support.logger)
        try await Support.onThread { try runner.run() }
        #expect(runner.counters.eventsIn == 201)
        #expect(runner.counters.featuresOut == 200)
        let dlq = try await Support.onThread { try Support.readAll(topology.sinks.deadLetter, bootstrap: bootstrap) }
        #expect(dlq.count == 1)
        let dead = try #require(dlq.first)
        #expect(dead.header("vigil.error.kind") == "too_large")
        #expect(dead.header("vigil.source.offset") != nil)
        // The dead letter itself is over the limit with its headers: its first kilobyte is kept, with the size.
        #expect(dead.header("vigil.error.truncated") == "\(big.count)")
        #expect(dead.value == Array(big.prefix(1024)))
    }

    /// A stage's input log in partition and offset order: the source event id, the stage key and the event time of
    /// each record (late records included: they are in the log, but not in the state).
    static func stageLog(_ t: Topology, stage: Int, bootstrap: String) async throws -> [(id: String, key: String?, ts: Int64)] {
        let topic = t.stages[stage].inputTopic
        let messages = try await Support.onThread { try Support.readAll(topic, bootstrap: bootstrap) }
        let late = try await Support.onThread { try Support.readAll(t.sinks.late, bootstrap: bootstrap) }
        let lateHere = Set(late.filter { $0.header("vigil.stage") == t.stages[stage].name }.map {
            "\($0.header("vigil.source.topic")!):\($0.header("vigil.source.partition")!):\($0.header("vigil.source.offset")!)"
        })
        var result: [(String, String?, Int64)] = []
        var decoder = SchemaDecoder(schema: t.source.schema)
        let keyField = t.stages[stage].keyField
        for m in messages.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            let id: String
            let event: [UInt8]
            if stage == 0 {
                id = "\(m.topic):\(m.partition):\(m.offset)"
                event = m.value!
            } else {
                guard case .success(let envelope) = RepartitionEnvelope.decode(m.value!) else {
                    throw TestFailure("not an envelope on \(topic)")
                }
                id = envelope.source.description
                event = envelope.event
            }
            if lateHere.contains(id) { continue }
            let record = try decoder.decode(event)
            result.append((id, StageProcessor.keyString(record.values[keyField]), record.timestamp))
        }
        return result
    }
}
