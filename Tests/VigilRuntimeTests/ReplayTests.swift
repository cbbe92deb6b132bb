import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTesting
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

    @Test("replay the log into fresh state with outputs going nowhere, resume it for the tail, hand over, go live: every later event counts every earlier one exactly once, through the repartition hop")
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
        let history = records(all[..<1_500]), tail = records(all[1_500..<2_000]), later = records(all[2_000...])
        try await Support.onThread { try Support.produce(history, topic: topology.source.topic, bootstrap: bootstrap) }

        let replay = Replay(topology: topology, options: Replay.Options(bootstrapServers: bootstrap), logger: Support.logger)
        let report = try await Support.onThread { try replay.run() }
        #expect(report.events == 1_500)
        #expect(report.outputs == 1_500, "feature events built and dropped (outputs: none)")
        #expect(report.resumeAt.values.reduce(0, +) == 1_500)
        // A second replay into the same directory is refused: it rebuilds into fresh state only...
        #expect(throws: RuntimeError.self) { try replay.run() }
        // ...unless it continues the first one: only what arrived since is replayed.
        try await Support.onThread { try Support.produce(tail, topic: topology.source.topic, bootstrap: bootstrap) }
        var resumeOptions = Replay.Options(bootstrapServers: bootstrap)
        resumeOptions.resume = true
        let resumed = Replay(topology: topology, options: resumeOptions, logger: Support.logger)
        let second = try await Support.onThread { try resumed.run() }
        #expect(second.events == 500)
        #expect(second.resumeAt.values.reduce(0, +) == 2_000)

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
        // Each card's events stay in order through its partition: a later event sees every earlier event of its
        // card exactly once, history included.
        var cardCount: [String: Int] = [:]
        var checked = 0
        for t in all.sorted(by: { $0.timestamp < $1.timestamp }) {
            cardCount[t.cardID, default: 0] += 1
            guard let event = byTxn[t.txnID] else { continue }
            #expect(event.value("card_all") == String(cardCount[t.cardID]!), "\(t.txnID)")
            checked += 1
        }
        #expect(checked == 1_000)
        // A merchant's events come from every card partition, so the order they reach the merchant stage in (and the
        // counts a hot merchant's events see) depends on timing; its state must still hold every event once.
        let driver = try TopologyTestDriver(topology: topology, stateDirectory: dir)
        defer { driver.close() }
        var merchantEvents: [String: Int64] = [:]
        for p in Int32(0)..<4 {
            for (key, state) in try driver.committedStates(partition: p, stage: 1) { merchantEvents[key] = state.eventCount }
        }
        var expected: [String: Int64] = [:]
        for t in all { expected[t.merchantID, default: 0] += 1 }
        #expect(merchantEvents == expected, "every event applied exactly once in the merchant stage's state")
        #expect(byTxn.values.contains { Int($0.value("card_all")!)! > 30 }, "cards carry history from the replay")
    }
}
