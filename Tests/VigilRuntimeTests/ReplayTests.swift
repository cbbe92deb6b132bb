import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// `vigil replay` (issue 5): state rebuilt from the log, then live from exactly where the log ended.
@Suite("Replay")
struct ReplayTests {
    static func topology(_ name: String, dir: String) throws -> Topology {
        try TopologyLoader.parse(yaml: """
            name: \(name)
            source: {topic: \(name)-in, partitions: 4}
            stages:
              - name: card
                key: card_id
                features:
                  - {name: card_all, aggregation: count, window: {trailing: 30d, tile: exact}, include_current: true}
              - name: merchant
                key: merchant_id
                features:
                  - {name: merchant_all, aggregation: count, window: {trailing: 30d, tile: exact}, include_current: true}
            grace: 30d
            state_dir: \(dir)
            """, file: "\(name).yaml")
    }

    @Test("replay the log into fresh state with outputs going nowhere, hand over, go live: every later event counts every earlier one exactly once, through the repartition hop")
    func replayThenLive() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let topology = try Self.topology(Support.unique("rp"), dir: dir)
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        let all = Support.transactions(count: 3_000, seed: 31, cards: 60)
        func records(_ txs: ArraySlice<Transaction>) -> [(key: [UInt8]?, value: [UInt8]?)] {
            txs.map { (key: Array($0.cardID.utf8), value: Support.encode($0)) }
        }
        let history = records(all[..<2_000]), later = records(all[2_000...])
        try await Support.onThread { try Support.produce(history, topic: topology.source.topic, bootstrap: bootstrap) }

        let replay = Replay(topology: topology, options: Replay.Options(bootstrapServers: bootstrap), logger: Support.logger)
        let report = try await Support.onThread { try replay.run() }
        #expect(report.events == 2_000)
        #expect(report.outputs == 2_000, "feature events built and dropped (outputs: none)")
        #expect(report.resumeAt.values.reduce(0, +) == 2_000)
        // A second replay into the same directory is refused: it rebuilds into fresh state only.
        #expect(throws: RuntimeError.self) { try replay.run() }

        let runner = Runner(
            topology: topology, options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup),
            logger: Support.logger)
        let running = Task.detached { try await Support.onThread { try runner.run() } }
        try await Support.waitUntil("the live runner owning every partition") { runner.assignment.count == 8 }
        try await Support.onThread { try Support.produce(later, topic: topology.source.topic, bootstrap: bootstrap) }
        try await Support.waitUntil("the later events processed") { runner.counters.featuresOut == 1_000 }
        runner.stop()
        try await running.value
        #expect(runner.counters.eventsIn == 1_000, "live processed only what came after the hand-over")

        let outputs = try await Support.onThread { try Support.readAll(topology.sinks.features, bootstrap: bootstrap) }
        let reader = FeatureEventReader()
        var byTxn: [String: FeatureEventReader.Event] = [:]
        for record in outputs {
            let event = try reader.read(try #require(record.value))
            byTxn[event.txnID!] = event
        }
        #expect(byTxn.count == 1_000, "one feature event per later event, none for the replayed history")
        // Naive counts over the whole log, in event-time order: each later event sees all earlier events of its
        // card and of its merchant, exactly once.
        var cardCount: [String: Int] = [:], merchantCount: [String: Int] = [:]
        var checked = 0
        for t in all.sorted(by: { $0.timestamp < $1.timestamp }) {
            cardCount[t.cardID, default: 0] += 1
            merchantCount[t.merchantID, default: 0] += 1
            guard let event = byTxn[t.txnID] else { continue }
            #expect(event.value("card_all") == String(cardCount[t.cardID]!), "\(t.txnID)")
            #expect(event.value("merchant_all") == String(merchantCount[t.merchantID]!), "\(t.txnID)")
            checked += 1
        }
        #expect(checked == 1_000)
        #expect(byTxn.values.contains { Int($0.value("card_all")!)! > 30 }, "cards carry history from the replay")
    }
}
