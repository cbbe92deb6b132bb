import Foundation
import Testing
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTesting
import VigilTopology

/// Hostile input through the whole flagship pipeline (docs/reliability.md, "Hostile input"): mutated transactions,
/// with valid ones between them so that the features, the model and the monitor have state to work on, piped in
/// batches through `TopologyTestDriver` with topologies/fraud-scoring.yaml (card → merchant → device, scoring).
///
/// Every input is accounted for exactly once, by its source partition and offset: a feature event, a dead letter
/// (the original key and value bytes, a kind and a reason) or a late event (the original bytes). The process never
/// crashes.
///
/// The test runs 15 000 mutated records by default; `VIGIL_FUZZ_PIPELINE_INPUTS` and `VIGIL_FUZZ_SEED` change the
/// size and the seed (ops/fuzz runs 100 000 in a release build).
@Suite("hostile input: the flagship pipeline")
struct FuzzPipelineTests {
    /// Records per `pipe` call (one batch, committed).
    static let batchSize = 100
    /// Records per driver: a fresh driver (and state) after this many, so that an event far in the future does not
    /// make the rest of the run late.
    static let roundSize = 1_000
    static let partitions: Int32 = 4

    /// What one run saw.
    struct Tally {
        var inputs = 0
        var mutated = 0
        var valid = 0
        var tombstones = 0
        var features = 0
        var late = 0
        var deadLetters: [String: Int] = [:]
        var predictions = 0
        var otherOutputs = 0

        var summary: String {
            var pairs = [
                ("inputs", inputs), ("mutated", mutated), ("valid", valid), ("tombstones", tombstones),
                ("features", features), ("late", late), ("dead_letters", deadLetters.values.reduce(0, +)),
                ("predictions", predictions), ("other_outputs", otherOutputs),
            ]
            pairs += deadLetters.map { ("dlq.\($0.key)", $0.value) }
            return pairs.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        }
    }

    @Test("mutated records through the flagship: every input is one feature event, one dead letter with its bytes and a reason, or one late event")
    func flagshipAccountsForEveryInput() async throws {
        let env = ProcessInfo.processInfo.environment
        let mutatedTarget = env["VIGIL_FUZZ_PIPELINE_INPUTS"].flatMap(Int.init) ?? 15_000
        let seed = env["VIGIL_FUZZ_SEED"].flatMap(UInt64.init) ?? 7
        var mutator = FuzzEventMutator(seed: seed &+ 2, hugeValues: 2)
        var rng = Xoshiro256StarStar(seed: seed &+ 3)
        var tally = Tally()
        let started = ContinuousClock.now

        // Rounds until enough mutated records went through (about one valid record for three mutated ones).
        var round: UInt64 = 0
        while tally.mutated < mutatedTarget {
            try await Self.runRound(count: Self.roundSize, seed: seed &+ round, mutator: &mutator, rng: &rng, tally: &tally)
            round += 1
        }
        let elapsed = ContinuousClock.now - started
        print("FUZZ pipeline seed=\(seed) \(tally.summary) seconds=\(elapsed.components.seconds)")

        #expect(tally.mutated >= mutatedTarget && tally.inputs > tally.mutated)
        #expect(tally.features + tally.late + tally.deadLetters.values.reduce(0, +) == tally.inputs)
        // An event with a plausible but far-future time (a flipped digit) moves its partition's stream time ahead:
        // the rest of the round is late there. Most valid records still get through.
        #expect(tally.features > tally.valid / 2, "the valid records become feature events")
        #expect(tally.predictions == tally.features, "the model scores every feature event")
        #expect(tally.deadLetters.count >= 6, "dead letters of many kinds: \(tally.deadLetters)")
    }

    /// One driver's worth of records: generated, mutated, piped in batches, and accounted for batch by batch.
    static func runRound(
        count: Int, seed: UInt64, mutator: inout FuzzEventMutator, rng: inout Xoshiro256StarStar, tally: inout Tally
    ) async throws {
        let driver = try TopologyTestDriver(topology: try FlagshipTests.flagship(stateDirectory: "unused"))
        defer { driver.close() }
        let topology = driver.topology
        let transactions = Support.transactions(count: count, seed: seed, cards: 300)
        var nextOffset = [Int64](repeating: 0, count: Int(partitions))
        var start = 0
        while start < transactions.count {
            // Tests share Swift's cooperative threads (two on two cores): let the others run between batches.
            await Task.yield()
            let slice = transactions[start..<min(start + batchSize, transactions.count)]
            start += slice.count
            // The batch, and what each (partition, offset) was.
            var batch: [(partition: Int32, key: [UInt8]?, value: [UInt8]?)] = []
            var inputs: [SourceKey: (key: [UInt8]?, value: [UInt8]?)] = [:]
            for t in slice {
                let valid = Support.encode(t)
                var key: [UInt8]? = Array(t.cardID.utf8)
                let value: [UInt8]?
                switch rng.int(below: 400) {
                case 0:
                    value = nil  // a tombstone
                    tally.tombstones += 1
                case 1...99:
                    value = valid
                    tally.valid += 1
                default:
                    value = mutator.mutate(valid).bytes
                    tally.mutated += 1
                    if rng.int(below: 20) == 0 { key = rng.int(below: 2) == 0 ? nil : [0xFF, 0x00, 0xC0] }
                }
                let partition = KafkaPartitioner.partition(key: Array(t.cardID.utf8), partitions: partitions)
                batch.append((partition, key, value))
                inputs[SourceKey(partition: partition, offset: nextOffset[Int(partition)])] = (key, value)
                nextOffset[Int(partition)] += 1
            }
            tally.inputs += batch.count
            try driver.pipe(batch)
            try account(driver.drainOutput(), inputs: inputs, topology: topology, tally: &tally)
        }
    }

    struct SourceKey: Hashable {
        var partition: Int32
        var offset: Int64
    }

    /// Checks that the outputs of one batch account for each of its inputs exactly once.
    static func account(
        _ outputs: [MemorySink.Record], inputs: [SourceKey: (key: [UInt8]?, value: [UInt8]?)], topology: Topology,
        tally: inout Tally
    ) throws {
        var seen: Set<SourceKey> = []
        func claim(_ source: SourceKey, _ what: String) {
            #expect(inputs[source] != nil, "\(what) for an input that was not in the batch: \(source)")
            #expect(seen.insert(source).inserted, "a second output (\(what)) for input \(source)")
        }
        let reader = FeatureEventReader()
        for record in outputs {
            switch record.topic {
            case topology.sinks.features:
                let event = try reader.read(try #require(record.value))
                // event_id is "topic:partition:offset".
                let parts = event.eventID.split(separator: ":")
                let source = SourceKey(
                    partition: try #require(Int32(parts[parts.count - 2])), offset: try #require(Int64(parts[parts.count - 1])))
                claim(source, "a feature event")
                tally.features += 1
            case topology.sinks.deadLetter:
                let source = try sourceHeaders(record)
                claim(source, "a dead letter")
                let kind = try #require(record.header(DeadLetter.kindHeader))
                let reason = try #require(record.header(DeadLetter.reasonHeader))
                #expect(!kind.isEmpty && !reason.isEmpty)
                #expect(record.header(DeadLetter.truncatedHeader) == nil)
                if let input = inputs[source] {
                    #expect(record.value == input.value, "a dead letter carries the original bytes (\(kind): \(reason))")
                    #expect(record.key == input.key, "a dead letter carries the original key")
                }
                tally.deadLetters[kind, default: 0] += 1
            case topology.sinks.late:
                let source = try sourceHeaders(record)
                claim(source, "a late event")
                if let input = inputs[source] { #expect(record.value == input.value, "a late event carries the event's bytes") }
                tally.late += 1
            case topology.sinks.predictions:
                tally.predictions += 1
            default:
                tally.otherOutputs += 1
            }
        }
        let unaccounted = Set(inputs.keys).subtracting(seen)
        #expect(unaccounted.isEmpty, "inputs with no output: \(unaccounted.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }.prefix(5))")
    }

    /// The source partition and offset a dead letter or late event names in its headers.
    static func sourceHeaders(_ record: MemorySink.Record) throws -> SourceKey {
        SourceKey(
            partition: try #require(record.header(DeadLetter.partitionHeader).flatMap { Int32($0) }),
            offset: try #require(record.header(DeadLetter.offsetHeader).flatMap { Int64($0) }))
    }
}
