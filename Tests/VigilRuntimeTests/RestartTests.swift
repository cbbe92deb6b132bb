import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilState
import VigilTopology
import VigilTesting

/// Stop and start again, gracefully and by SIGKILL: state counts every event exactly once, and every event has its
/// feature event.
@Suite("Restart and crash recovery")
struct RestartTests {
    @Test("stopped mid-stream and started again: every event counted once in state, each with one feature event")
    func restartMidStream() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let stateDir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        let topology = try Support.topology(stateDirectory: stateDir)
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        let all = Support.transactions(count: 5_000, seed: 3).map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        let halves = [Array(all[..<2_400]), Array(all[2_400...])]

        // Run 1 consumes the first part and stops (gracefully) once caught up; the rest arrives while it is down.
        var processed = 0
        for half in halves {
            try await Support.onThread { try Support.produce(half, topic: topology.source.topic, bootstrap: bootstrap) }
            let runner = Runner(
                topology: topology, options: RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, maxBatch: 300, stopWhenCaughtUp: true),
                logger: Support.logger)
            try await Support.onThread { try runner.run() }
            processed += runner.counters.eventsIn
        }
        #expect(processed == all.count, "the second run resumed where the first stopped: nothing reprocessed or skipped")

        try await Self.checkExactlyOnce(topology, bootstrap: bootstrap, expectNoDuplicates: true, produced: all.count)
    }

    @Test("a vigil run killed with SIGKILL mid-stream and restarted ends with the state and last features of an uninterrupted run")
    func killNineMidStream() async throws {
        let vigil = try Self.vigilExecutable()
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let stateDir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        // 8 partitions keep 40k events inside the mock's per-partition limit; small batches, each committed, keep the
        // child mid-stream long enough to be stopped there.
        let topology = try Support.topology(partitions: 8, stateDirectory: stateDir)
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        let count = 40_000
        let records = Support.transactions(count: count, seed: 5, cards: 800).map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        try await Support.onThread { try Support.produce(records, topic: topology.source.topic, bootstrap: bootstrap) }
        let file = try Support.writeTopologyFile(topology, to: stateDir)

        // Kill the child once a third of the feature events are out.
        let child = try Self.launch(vigil, ["run", file, "--bootstrap-servers", bootstrap, "--max-batch", "100", "--commit-interval-ms", "0", "--log-level", "warning"] + Support.fastGroupArguments)
        try await Support.waitUntil(timeout: .seconds(120), "a third of the output") {
            if !child.isRunning { return true }
            return try Self.highWatermarkSum(topology.sinks.features, partitions: topology.source.partitions, bootstrap: bootstrap) >= count / 3
        }
        #expect(child.isRunning, "the child was still mid-stream when killed")
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        #expect(child.terminationReason == .uncaughtSignal)
        let beforeRestart = try Self.highWatermarkSum(topology.sinks.features, partitions: topology.source.partitions, bootstrap: bootstrap)
        #expect(beforeRestart < count, "killed before the end")

        let restarted = try Self.launch(vigil, ["run", file, "--bootstrap-servers", bootstrap, "--until-caught-up", "--log-level", "warning"] + Support.fastGroupArguments)
        try await Support.onThread { restarted.waitUntilExit() }
        #expect(restarted.terminationStatus == 0)

        try await Self.checkExactlyOnce(topology, bootstrap: bootstrap, expectNoDuplicates: false, produced: count)
        try await Self.checkMatchesUninterrupted(topology, bootstrap: bootstrap)
    }

    @Test("SIGTERM stops vigil run gracefully: exit 0, and a restart re-emits nothing")
    func sigtermIsGraceful() async throws {
        let vigil = try Self.vigilExecutable()
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let stateDir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: stateDir) }
        // 8 partitions keep 40k events inside the mock's per-partition limit; small batches, each committed, keep the
        // child mid-stream long enough to be stopped there.
        let topology = try Support.topology(partitions: 8, stateDirectory: stateDir)
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        let count = 40_000
        let records = Support.transactions(count: count, seed: 9, cards: 800).map { (key: Optional(Array($0.cardID.utf8)), value: Optional(Support.encode($0))) }
        try await Support.onThread { try Support.produce(records, topic: topology.source.topic, bootstrap: bootstrap) }
        let file = try Support.writeTopologyFile(topology, to: stateDir)

        let child = try Self.launch(vigil, ["run", file, "--bootstrap-servers", bootstrap, "--max-batch", "100", "--commit-interval-ms", "0", "--log-level", "warning"] + Support.fastGroupArguments)
        try await Support.waitUntil(timeout: .seconds(120), "some output") {
            if !child.isRunning { return true }
            return try Self.highWatermarkSum(topology.sinks.features, partitions: topology.source.partitions, bootstrap: bootstrap) >= count / 4
        }
        #expect(child.isRunning, "the child was still mid-stream when signalled")
        kill(child.processIdentifier, SIGTERM)
        try await Support.onThread { child.waitUntilExit() }
        #expect(child.terminationReason == .exit && child.terminationStatus == 0)
        let stoppedAt = try Self.highWatermarkSum(topology.sinks.features, partitions: topology.source.partitions, bootstrap: bootstrap)
        #expect(stoppedAt < count, "stopped before the end")

        let restarted = try Self.launch(vigil, ["run", file, "--bootstrap-servers", bootstrap, "--until-caught-up", "--log-level", "warning"] + Support.fastGroupArguments)
        try await Support.onThread { restarted.waitUntilExit() }
        #expect(restarted.terminationStatus == 0)
        try await Self.checkExactlyOnce(topology, bootstrap: bootstrap, expectNoDuplicates: true, produced: count)
    }

    // MARK: - Checks

    /// Every valid input event is counted exactly once in the committed state, and has a correct feature event.
    static func checkExactlyOnce(
        _ topology: Topology, bootstrap: String, expectNoDuplicates: Bool, produced: Int
    ) async throws {
        let (valid, _) = try await EndToEndTests.readInput(topology, bootstrap: bootstrap)
        #expect(valid.count == produced, "the whole input was read back")
        var perCard: [String: Int64] = [:]
        for (_, t) in valid { perCard[t.cardID, default: 0] += 1 }

        var inState: [String: Int64] = [:]
        for p in 0..<topology.source.partitions {
            let task = try PartitionTask(topology: topology, partition: TopicPartition(topology.source.topic, p), settings: StateSettings())
            defer { task.close() }
            for s in try task.committedStates() { inState[s.key] = s.state.eventCount }
        }
        #expect(inState == perCard, "state counts every event exactly once")

        let outputs = try await Support.onThread { try Support.readAll(topology.sinks.features, bootstrap: bootstrap) }
        if expectNoDuplicates { #expect(outputs.count == valid.count, "a graceful stop re-emits nothing") }
        let events = try EndToEndTests.uniqueFeatureEvents(outputs)
        #expect(events.count == valid.count, "every event has its feature event")
        let naive = NaiveFeatures(topology: topology, events: valid)
        for (id, _) in valid { #expect(events[id]?.features == naive.expected[id], "\(id)") }
    }

    /// The same input through the test driver in one go gives the same state and the same last feature event per card.
    static func checkMatchesUninterrupted(_ topology: Topology, bootstrap: String) async throws {
        let input = try await Support.onThread { try Support.readAll(topology.source.topic, bootstrap: bootstrap) }
        let outputs = try await Support.onThread { try Support.readAll(topology.sinks.features, bootstrap: bootstrap) }
        let reference = try TopologyTestDriverRun(topology: topology, input: input)
        defer { reference.driver.close() }
        var lastLive: [String: (offset: Int64, raw: [UInt8])] = [:]
        for r in outputs {
            let e = try FeatureEvent(r.value!)
            let offset = Int64(e.eventID.split(separator: ":").last!)!
            if offset >= lastLive[e.key]?.offset ?? -1 { lastLive[e.key] = (offset, e.raw) }
        }
        #expect(lastLive.count == reference.lastFeature.count)
        for (card, ref) in reference.lastFeature { #expect(lastLive[card]?.raw == ref, "last feature of \(card)") }
        for p in 0..<topology.source.partitions {
            let task = try PartitionTask(topology: topology, partition: TopicPartition(topology.source.topic, p), settings: StateSettings())
            defer { task.close() }
            let live = try task.committedStates().map { "\($0.key) \($0.state.eventCount)" }
            let ref = try reference.driver.committedStates(partition: p).map { "\($0.key) \($0.state.eventCount)" }
            #expect(try task.committedStates().map(\.state) == reference.driver.committedStates(partition: p).map(\.state))
            #expect(live == ref, "partition \(p) state")
        }
    }

    // MARK: - Processes

    static func vigilExecutable() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for config in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(config)/vigil").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestFailure("the vigil executable is not built: run `swift build --product vigil` (ops/test does)")
    }

    static func launch(_ executable: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func highWatermarkSum(_ topic: String, partitions: Int32, bootstrap: String) throws -> Int {
        var config = KafkaConfig(bootstrapServers: bootstrap)
        config["group.id"] = Support.unique("probe")
        let consumer = try KafkaConsumer(config: config, logger: Support.logger)
        defer { consumer.close() }
        var sum: Int64 = 0
        for p in 0..<partitions { sum += try consumer.watermarks(TopicPartition(topic, p), timeout: .seconds(5)).high }
        return Int(sum)
    }
}

/// The uninterrupted reference: the input, partition by partition, through the test driver.
struct TopologyTestDriverRun {
    let driver: TopologyTestDriver
    var lastFeature: [String: [UInt8]] = [:]

    init(topology: Topology, input: [KafkaMessage]) throws {
        let dir = try Support.temporaryDirectory()
        driver = try TopologyTestDriver(topology: topology, stateDirectory: dir)
        for p in 0..<topology.source.partitions {
            let records = input.filter { $0.partition == p }.sorted { $0.offset < $1.offset }
            #expect(records.first?.offset ?? 0 == 0)
            try driver.pipe(records.map { (key: $0.key, value: $0.value) }, partition: p)
        }
        for r in driver.featureEvents {
            let e = try FeatureEvent(r.value!)
            lastFeature[e.key] = e.raw
        }
    }
}
