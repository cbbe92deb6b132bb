import Foundation
import Testing
import VigilCore
@testable import VigilTopology

/// Hostile input for the topology parser (docs/reliability.md, "Hostile input"): at least 10 000 mutated versions of
/// the shipped topologies through `TopologyLoader.parse`. Each returns a topology or throws a `TopologyError` whose
/// every issue names the file, a line and column, the field (or the whole document) and a message; nothing traps,
/// and alias bombs ("billion laughs") and deep nesting are rejected quickly.
///
/// `VIGIL_FUZZ_TOPOLOGY_INPUTS` and `VIGIL_FUZZ_SEED` change the size and the seed.
@Suite("hostile input: the topology parser")
struct FuzzTopologyTests {
    static let shards = 4
    static let shipped = ["fraud-scoring", "card-velocity"].map { "\(ShippedTopologyTests.root)/topologies/\($0).yaml" }
    /// Codes whose issues are about the whole document rather than one field.
    static let documentCodes: Set<TopologyError.Code> = [.invalidYAML, .emptyFile, .duplicateKey, .wrongType]

    struct Tally {
        var inputs = 0
        var accepted = 0
        var rejected: [String: Int] = [:]
        var issues = 0
        var slowest: Duration = .zero
        var slowestMutations: [FuzzYAMLMutator.Mutation] = []

        var summary: String {
            var pairs = [("inputs", inputs), ("accepted", accepted), ("rejected", inputs - accepted), ("issues", issues)]
            pairs += rejected.map { ("rejected.\($0.key)", $0.value) }
            let slow = "slowest_ms=\(slowest.components.seconds * 1_000 + slowest.components.attoseconds / 1_000_000_000_000_000) slowest_mutations=\(slowestMutations.map(\.rawValue).joined(separator: ","))"
            return pairs.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: " ") + " " + slow
        }
    }

    // One shard at a time (.serialized): see FuzzDecoderTests.
    @Test("10k mutated topologies (4 shards): each parses or is rejected with located issues, quickly", .serialized, arguments: 0..<shards)
    func mutatedTopologies(shard: Int) async throws {
        let env = ProcessInfo.processInfo.environment
        let total = env["VIGIL_FUZZ_TOPOLOGY_INPUTS"].flatMap(Int.init) ?? 10_000
        let seed = (env["VIGIL_FUZZ_SEED"].flatMap(UInt64.init) ?? 7) &+ UInt64(shard) &* 1_000
        let inputs = total / Self.shards + (shard < total % Self.shards ? 1 : 0)
        let bases = try Self.shipped.map { path in (path, try String(contentsOfFile: path, encoding: .utf8)) }
        var mutator = FuzzYAMLMutator(seed: seed)
        var tally = Tally()
        let started = ContinuousClock.now
        for n in 0..<inputs {
            // Tests share Swift's cooperative threads (two on two cores): let the others run now and then.
            if n % 4 == 0 { await Task.yield() }
            let (path, text) = bases[n % bases.count]
            let (mutated, mutations) = mutator.mutate(text)
            let context = "\(mutations.map(\.rawValue)): \(mutated.prefix(300))"
            let clock = ContinuousClock.now
            do {
                let topology = try TopologyLoader.parse(yaml: mutated, file: path)
                #expect(!topology.stages.isEmpty && !topology.name.isEmpty, "\(context)")
                tally.accepted += 1
            } catch {
                try Self.check(error, file: path, context: context)
                tally.issues += error.issues.count
                for code in Set(error.issues.map(\.code.rawValue)) { tally.rejected[code, default: 0] += 1 }
            }
            let took = ContinuousClock.now - clock
            if took > tally.slowest { (tally.slowest, tally.slowestMutations) = (took, mutations) }
            tally.inputs += 1
        }
        let elapsed = ContinuousClock.now - started
        print("FUZZ topology shard=\(shard) seed=\(seed) \(tally.summary) seconds=\(elapsed.components.seconds)")
        #expect(tally.inputs == inputs)
        // A bound against exponential blow-ups (an alias bomb expanded), not a timing: 10⁹ nodes would take hours;
        // the slowest document takes about 2 s in a debug build.
        #expect(tally.slowest < .seconds(120), "one document took \(tally.slowest): \(tally.slowestMutations)")
        if inputs >= 1_000 {
            #expect(tally.accepted > 0 && tally.rejected.count >= 5, "\(tally.summary)")
        }
    }

    /// Every issue is located and explained.
    static func check(_ error: TopologyError, file: String, context: String) throws {
        #expect(!error.issues.isEmpty, "a TopologyError without issues: \(context)")
        for issue in error.issues {
            #expect(issue.file == file, "\(issue): \(context)")
            #expect(issue.line >= 1 && issue.column >= 1, "an issue without a position: \(issue): \(context)")
            #expect(!issue.message.isEmpty, "\(issue): \(context)")
            // The field is the dotted path; empty for the whole document, or for a top-level key that is itself empty.
            let emptyKey = issue.code == .unknownField && issue.message == #"unknown field """#
            #expect(
                !issue.field.isEmpty || documentCodes.contains(issue.code) || emptyKey,
                "an issue without a field: \(issue): \(context)")
        }
    }

    @Test("a billion laughs is rejected quickly, as a value and as a mapping key")
    func billionLaughs() throws {
        var bomb = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            bomb += "lol\(level): &l\(level) [\(Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", "))]\n"
        }
        for use in ["kafka: *l9", "? *l9\n: x", "*l9 : x", "[*l9, *l9]: y", "crlf"] {
            let clock = ContinuousClock.now
            let yaml = use == "crlf"
                ? ("name: bomb\n" + bomb + "*l9 : x\n").replacing("\n", with: "\r\n")
                : "name: bomb\n" + bomb + use + "\n"
            #expect(throws: TopologyError.self, "\(use)") {
                try TopologyLoader.parse(yaml: yaml, file: "bomb.yaml")
            }
            // A bound against expansion (10⁹ nodes would take hours), not a timing.
            #expect(ContinuousClock.now - clock < .seconds(60), "\(use)")
        }
    }

    @Test("aliases for values still work, in block and flow style; only aliases in keys are refused")
    func aliasesForValues() throws {
        let yaml = """
            name: aliased
            source: {topic: tx, partitions: 2}
            stages:
              - name: card
                key: card_id
                features:
                  - {name: n_5m, aggregation: count, window: &w 5m}
                  - {name: s_5m, aggregation: sum, field: amount, window: *w}
                  - name: m_5m   # "*w: x" in a comment is not a key
                    aggregation: max
                    field: amount
                    window: *w
            grace: &g 1m
            """
        let t = try TopologyLoader.parse(yaml: yaml, file: "aliased.yaml")
        #expect(t.stages[0].features.count == 3)
        #expect(TopologyLoader.aliasInKey(yaml) == nil)
        #expect(TopologyLoader.aliasInKey("a: {x: *y, *z : 1}")! == (1, 12))
        #expect(TopologyLoader.aliasInKey("a: &y 1\n? b\n: *y")! == (2, 1))
        #expect(TopologyLoader.aliasInKey("a: &y 1\r\n*y : 2\r\n")! == (2, 1), "CRLF line ends")
        #expect(TopologyLoader.aliasInKey("a: \"*y: 1\"") == nil)
        #expect(TopologyLoader.aliasInKey("? b\n: c") == nil, "an explicit key without aliases is harmless")
    }

    @Test("a control character is reported at its line and column")
    func controlCharacterIsLocated() throws {
        let error = try #require(throws: TopologyError.self) {
            try TopologyLoader.parse(yaml: "name: x\nsource:\n  topic: t\u{7}x\n", file: "bell.yaml")
        }
        let issue = try #require(error.issues.first)
        #expect(error.issues.count == 1)
        #expect((issue.line, issue.column) == (3, 11))
        #expect(issue.code == .invalidYAML && issue.message.contains("U+0007"), "\(issue)")
    }
}
