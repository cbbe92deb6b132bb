import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// The monitor and the promotion path on the embedded cluster: drift and performance events from a live run, labels
/// read from their topic, and a challenger shadowed then promoted through the models topic, with its audit trail.
@Suite("Monitoring on the embedded cluster")
struct MonitorClusterTests {
    static let champion = ScoringSupport.Logistic(
        version: "1", features: ["n_5m", "n_1h", "s_24h"], weights: [0.4, 0.3, 0.0001], intercept: -2.5)

    static func records(_ txs: ArraySlice<Transaction>) -> [(key: [UInt8]?, value: [UInt8]?)] {
        txs.map { (key: Array($0.cardID.utf8), value: Support.encode($0)) }
    }

    @Test("promotion path: shadow a challenger, promote it, every step audited; drift, labels and performance flow through the monitor")
    func promotionPath() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.champion.write(to: "\(dir)/champion")
        var challenger = Self.champion
        challenger.version = "2"
        challenger.intercept = -1
        try challenger.write(to: "\(dir)/v2")
        let name = Support.unique("loop")
        let topology = try Support.topology(
            name: name, partitions: 2, stateDirectory: dir,
            extra: """
                scoring:
                  model: \(dir)/champion
                  reload: 0s
                monitoring:
                  window: 1d
                  labels: {topic: \(name)-labels, report_after: 1h, horizon: 30d}
                """,
            file: "\(dir)/\(name).yaml")
        try Support.createTopics(topology, on: cluster)
        try cluster.createTopic("\(name)-labels", partitions: 2)
        let bootstrap = cluster.bootstrapServers
        let txs = Support.transactions(count: 3_000, seed: 5, cards: 100)
        try await Support.onThread { try Support.produce(Self.records(txs[..<1_000]), topic: topology.source.topic, bootstrap: bootstrap) }

        let runner = Runner(
            topology: topology, options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, maxBatch: 300),
            logger: Support.logger)
        let running = Task.detached { try await Support.onThread { try runner.run() } }
        try await Support.waitUntil("the first wave scored") { runner.counters.eventsIn == 1_000 }

        let control: @Sendable (ModelControl) throws -> Void = { c in
            try Support.produce([(key: nil, value: c.encode())], topic: topology.sinks.models, bootstrap: bootstrap)
        }
        try await Support.onThread { try control(ModelControl(action: .shadow, bundle: "\(dir)/v2", reason: "test")) }
        try await Support.waitUntil("the challenger in shadow") { runner.models?.current.challenger?.version == "2" }
        try await Support.onThread { try Support.produce(Self.records(txs[1_000..<2_000]), topic: topology.source.topic, bootstrap: bootstrap) }
        try await Support.waitUntil("the second wave scored") { runner.counters.eventsIn == 2_000 }

        try await Support.onThread { try control(ModelControl(action: .promote, reason: "won the gate")) }
        try await Support.waitUntil("the challenger promoted") {
            runner.models?.current.champion.version == "2" && runner.models?.current.challenger == nil
        }
        // Labels: the first 300 transactions are labelled fraud, known a second after each.
        let labels = txs[..<300].map { t in
            (key: Optional(Array(t.cardID.utf8)), value: Optional(LabelCodec.encode(Label(
                txnID: t.txnID, cardID: t.cardID, isFraud: true, eventTimestamp: t.timestamp,
                availableAt: t.timestamp + 1_000))))
        }
        try await Support.onThread { try Support.produce(labels, topic: "\(name)-labels", bootstrap: bootstrap) }
        try await Support.onThread { try Support.produce(Self.records(txs[2_000...]), topic: topology.source.topic, bootstrap: bootstrap) }
        try await Support.waitUntil("the third wave scored") { runner.counters.eventsIn == 3_000 }
        try await Support.waitUntil("the monitor joined the labels") { runner.counters.monitor.labelsJoined == 300 }
        runner.stop()
        try await running.value

        let predictions = try await Support.onThread { try Support.readAll(topology.sinks.predictions, bootstrap: bootstrap) }
        let shadow = try await Support.onThread { try Support.readAll(topology.sinks.shadow, bootstrap: bootstrap) }
        let third = Set(txs[2_000...].map(\.txnID))
        var live: [String: String] = [:]
        for record in predictions {
            let o = try ScoringSupport.object(record.value)
            live[o["txn_id"] as! String] = o["model_version"] as? String
        }
        #expect(live.count == 3_000)
        #expect(third.allSatisfy { live[$0] == "2" }, "after the promotion, version 2 decides")
        #expect(txs[..<1_000].allSatisfy { live[$0.txnID] == "1" })
        let shadowed = try shadow.map { try ScoringSupport.object($0.value) }
        #expect(!shadowed.isEmpty && shadowed.allSatisfy { $0["model_version"] as? String == "2" && $0["role"] as? String == "shadow" })

        let audit = try await Support.onThread { try Support.readAll(topology.sinks.audit, bootstrap: bootstrap) }
        let actions = try audit.map { try ScoringSupport.object($0.value)["action"] as? String }
        #expect(actions.contains("model_shadow"))
        #expect(actions.contains("model_promote"))

        let drift = try await Support.onThread { try Support.readAll(topology.sinks.drift, bootstrap: bootstrap) }
        let driftObjects = try drift.map { try ScoringSupport.object($0.value) }
        #expect(driftObjects.contains { $0["type"] as? String == "drift_summary" && $0["model_version"] as? String == "1" })
        let performance = try await Support.onThread { try Support.readAll(topology.sinks.performance, bootstrap: bootstrap) }
        let reports = try performance.map { try ScoringSupport.object($0.value) }
        let fraud = reports.filter { $0["model_version"] as? String == "1" }.map { $0["fraud"] as? Int ?? 0 }
        #expect(!reports.isEmpty)
        #expect(fraud.max() ?? 0 > 0, "labels joined version 1's predictions")
    }
}
