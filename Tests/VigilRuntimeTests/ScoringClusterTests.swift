import Foundation
import Synchronization
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// Scoring on the embedded cluster: a bundle swapped by the watcher under traffic, the latency header, and
/// `vigil alerts tail`'s client.
@Suite("Scoring on the embedded cluster")
struct ScoringClusterTests {
    static let champion = ScoringSupport.Logistic(
        version: "1", features: ["n_5m", "n_1h", "s_24h"], weights: [0.4, 0.3, 0.0001], intercept: -2.5)

    static func records(_ txs: ArraySlice<Transaction>) -> [(key: [UInt8]?, value: [UInt8]?)] {
        txs.map { (key: Array($0.cardID.utf8), value: Support.encode($0)) }
    }

    @Test("hot swap under traffic: the watcher swaps the bundle while the runner runs; every event is scored exactly once, by the version in force, with its latency in a header")
    func hotSwapUnderTraffic() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.champion.write(to: "\(dir)/champion")
        let topology = try ScoringSupport.topology(stateDirectory: dir, scoring: "model: \(dir)/champion\nreload: 100ms")
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        let txs = Support.transactions(count: 3_000, seed: 21, cards: 100)
        let first = Self.records(txs[..<1_500]), second = Self.records(txs[1_500...])
        try await Support.onThread { try Support.produce(first, topic: topology.source.topic, bootstrap: bootstrap) }

        let runner = Runner(
            topology: topology, options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, maxBatch: 300),
            logger: Support.logger)
        let running = Task.detached { try await Support.onThread { try runner.run() } }
        try await Support.waitUntil("the first wave scored") { runner.counters.eventsIn == 1_500 }

        var v2 = Self.champion
        v2.version = "2"
        v2.intercept = 0.5
        try v2.write(to: "\(dir)/champion")
        try await Support.waitUntil("the watcher swapping in version 2") { runner.models?.swaps == 1 }
        try await Support.onThread { try Support.produce(second, topic: topology.source.topic, bootstrap: bootstrap) }
        try await Support.waitUntil("the second wave scored") { runner.counters.eventsIn == 3_000 }
        runner.stop()
        try await running.value

        let predictions = try await Support.onThread { try Support.readAll(topology.sinks.predictions, bootstrap: bootstrap) }
        var byID: [String: (value: [UInt8], version: String, txn: String)] = [:]
        for record in predictions {
            let value = try #require(record.value)
            let o = try ScoringSupport.object(value)
            let id = o["event_id"] as! String
            if let seen = byID[id] { #expect(seen.value == value, "a redelivered prediction is byte-identical") }
            byID[id] = (value, o["model_version"] as! String, o["txn_id"] as! String)
            let latency = try #require(record.header("vigil.latency_ms").flatMap(Int64.init), "latency header")
            #expect(latency >= 0 && latency < 3_600_000, "a duration in ms since the source record, not garbage")
        }
        #expect(byID.count == 3_000, "every event scored")
        let firstWave = Set(txs[..<1_500].map(\.txnID))
        let versions = byID.values.map { (firstWave.contains($0.txn), $0.version) }
        #expect(versions.filter { $0.0 }.allSatisfy { $0.1 == "1" })
        #expect(versions.filter { !$0.0 }.allSatisfy { $0.1 == "2" })
        #expect(runner.counters.predictions.map(\.model).sorted() == ["test-model@1", "test-model@2"])
        #expect(runner.counters.predictions.reduce(0) { $0 + $1.count } == 3_000)
    }

    @Test("alerts tail: a consumer-group client prints the alerts at or above a severity, as JSON lines or a table")
    func alertsTail() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.champion.write(to: "\(dir)/champion")
        let topology = try ScoringSupport.topology(stateDirectory: dir, scoring: """
            model: \(dir)/champion
            alerts:
              - {name: busy_card, severity: warning, when: {n_1h: {at_least: 3}}}
              - {name: very_busy_card, severity: critical, when: {n_1h: {at_least: 5}}}
            """)
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        let input = Self.records(Support.transactions(count: 2_000, seed: 4, cards: 40)[...])
        try await Support.onThread { try Support.produce(input, topic: topology.source.topic, bootstrap: bootstrap) }
        let runner = Runner(
            topology: topology,
            options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, stopWhenCaughtUp: true),
            logger: Support.logger)
        try await Support.onThread { try runner.run() }
        let all = try await Support.onThread { try Support.readAll(topology.sinks.alerts, bootstrap: bootstrap) }
        let views = try all.map { try AlertView(json: try #require($0.value)) }
        let critical = views.filter { $0.severity == .critical }
        #expect(!critical.isEmpty && critical.count < views.count, "\(critical.count) critical of \(views.count)")
        #expect(views.count == runner.counters.alertsOut)

        for format in AlertTail.Format.allCases {
            var options = AlertTail.Options(topic: topology.sinks.alerts, bootstrapServers: bootstrap)
            options.properties = Support.fastGroup
            options.groupID = Support.unique("tail")
            options.minSeverity = .critical
            options.format = format
            options.fromBeginning = true
            let tailOptions = options
            let lines = try await Support.onThread { () -> [String] in
                let tail = try AlertTail(options: tailOptions, logger: Support.logger)
                defer { tail.close() }
                var lines: [String] = []
                let deadline = ContinuousClock.now + .seconds(60)
                let rows = format == .table ? critical.count + 1 : critical.count
                try tail.run(shouldStop: { lines.count >= rows || ContinuousClock.now > deadline }) { lines.append($0) }
                return lines
            }
            switch format {
            case .json:
                #expect(lines.count == critical.count)
                let ids = try Set(lines.map { try AlertView(json: Array($0.utf8)).alertID })
                #expect(ids == Set(critical.map(\.alertID)))
            case .table:
                #expect(lines.first == AlertView.tableHeader)
                #expect(lines.count == critical.count + 1)
                #expect(lines.dropFirst().allSatisfy { $0.contains("critical") && $0.contains("very_busy_card") })
            }
        }
    }
}
