import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

/// Two Vigil instances in one consumer group split the partitions; Kafka is the distributed engine.
@Suite("Rebalance between instances")
struct RebalanceTests {
    @Test("a second instance takes half the partitions: revoked tasks are closed cleanly, moved partitions are rebuilt with identical outputs")
    func secondInstanceJoins() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dirA = try Support.temporaryDirectory(), dirB = try Support.temporaryDirectory()
        defer { for d in [dirA, dirB] { try? FileManager.default.removeItem(atPath: d) } }
        let topology = try Support.topology(stateDirectory: dirA)
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        let records = Support.transactions(count: 8_000, seed: 21).map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        try await Support.onThread { try Support.produce(records, topic: topology.source.topic, bootstrap: bootstrap) }

        let a = Runner(topology: topology, options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, maxBatch: 100), logger: Support.logger)
        let b = Runner(topology: topology, options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, maxBatch: 100, stateDirectory: dirB), logger: Support.logger)
        async let runA: Void = Support.onThread { try a.run() }
        try await Support.waitUntil("instance A processing") { a.counters.eventsIn > 0 }
        async let runB: Void = Support.onThread { try b.run() }
        try await Support.waitUntil("the group split 2/2") { a.assignment.count == 2 && b.assignment.count == 2 }
        #expect(Set(a.assignment).isDisjoint(with: b.assignment))

        // A closed the stores of the partitions it lost: they open again (RocksDB refuses a store still open).
        for tp in b.assignment {
            let task = try PartitionTask(topology: topology, partition: tp, settings: StateSettings())
            task.close()
        }

        let (valid, _) = try await EndToEndTests.readInput(topology, bootstrap: bootstrap)
        #expect(valid.count == 8_000)
        try await Support.waitUntil(timeout: .seconds(120), "every event's feature event") {
            let out = try Support.readAll(topology.sinks.features, bootstrap: bootstrap)
            return Set(try out.map { try FeatureEvent($0.value!).eventID }).count >= valid.count
        }
        let finalA = a.assignment.map(\.partition), finalB = b.assignment.map(\.partition)
        a.stop()
        b.stop()
        try await runA
        try await runB
        #expect(b.counters.eventsIn > 0)

        let outputs = try await Support.onThread { try Support.readAll(topology.sinks.features, bootstrap: bootstrap) }
        let events = try EndToEndTests.uniqueFeatureEvents(outputs)  // duplicates must be byte-identical
        #expect(events.count == valid.count)
        let naive = NaiveFeatures(topology: topology, events: valid)
        for (id, _) in valid { #expect(events[id]?.features == naive.expected[id], "\(id)") }

        // State: each partition's final owner counted each of its events exactly once.
        var perCard: [String: Int64] = [:]
        for (_, t) in valid { perCard[t.cardID, default: 0] += 1 }
        var inState: [String: Int64] = [:]
        #expect(Set(finalA + finalB) == Set(0..<topology.source.partitions))
        for (dir, partitions) in [(dirA, finalA), (dirB, finalB)] {
            var t = topology
            t.stateDirectory = dir
            for p in partitions {
                let task = try PartitionTask(topology: t, partition: TopicPartition(t.source.topic, p), settings: StateSettings())
                defer { task.close() }
                for s in try task.committedStates() { inState[s.key, default: 0] += s.state.eventCount }
            }
        }
        #expect(inState == perCard)
    }
}
