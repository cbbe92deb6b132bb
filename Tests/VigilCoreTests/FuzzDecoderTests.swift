import Foundation
import Testing

@testable import VigilCore

/// Hostile input for the event decoders (docs/reliability.md, "Hostile input"): at least 100 000 mutated
/// transactions and labels through `SchemaDecoder` (the runtime's decoder), `TransactionCodec` and `LabelCodec`.
/// Each input must decode — and then re-encode to bytes that decode to the same value — or be rejected with a
/// `DecodeError` of a documented kind and a non-empty reason; nothing may trap, and the decoders, which share one
/// JSON reader, must agree on syntax errors.
///
/// `VIGIL_FUZZ_INPUTS` and `VIGIL_FUZZ_SEED` change the size and the seed (ops/fuzz runs a bigger release version).
@Suite("hostile input: event decoders")
struct FuzzDecoderTests {
    /// The kinds docs/events.md lists for the decoders.
    static let documentedKinds: Set<DecodeError.Kind> = [
        .emptyInput, .notJSON, .notUTF8, .notAnObject, .missingField, .wrongType, .invalidValue,
    ]
    /// Kinds that come from the shared reader (syntax), on which all decoders must agree.
    static let syntaxKinds: Set<DecodeError.Kind> = [.emptyInput, .notJSON, .notUTF8, .notAnObject]

    /// The number of inputs and the seed, from the environment or the defaults.
    static func settings(defaultInputs: Int) -> (inputs: Int, seed: UInt64) {
        let env = ProcessInfo.processInfo.environment
        return (env["VIGIL_FUZZ_INPUTS"].flatMap(Int.init) ?? defaultInputs, env["VIGIL_FUZZ_SEED"].flatMap(UInt64.init) ?? 7)
    }

    /// What a run saw, for its summary line and its assertions.
    struct Tally {
        var inputs = 0
        var decoded: [String: Int] = [:]
        var rejected: [String: Int] = [:]
        var byMutation: [String: Int] = [:]
        var inexactDecimals = 0

        mutating func count(_ decoder: String, _ result: Result<Void, DecodeError>) {
            switch result {
            case .success: decoded[decoder, default: 0] += 1
            case .failure(let error): rejected["\(decoder).\(error.kind.rawValue)", default: 0] += 1
            }
        }

        /// `name=count` pairs: `inputs`, `decoded.<decoder>`, `rejected.<decoder>.<kind>`, `mutation.<class>`,
        /// `inexact_decimals` (re-encoded decimals beyond 2^48 units that came back a few units off).
        var summary: String {
            var pairs = [("inputs", inputs), ("inexact_decimals", inexactDecimals)]
            pairs += decoded.map { ("decoded.\($0.key)", $0.value) }
            pairs += rejected.map { ("rejected.\($0.key)", $0.value) }
            pairs += byMutation.map { ("mutation.\($0.key)", $0.value) }
            return pairs.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
        }
    }

    /// The inputs are split in four shards with seeds of their own, run in parallel.
    static let shards = 4

    // Shards one after another (.serialized): four CPU-bound shards at once held Swift's two shared test threads long
    // enough to starve other suites' network clients for a minute on CI.
    @Test(
        "100k mutated transactions and labels (4 shards): each decodes and round-trips, or is rejected with a documented kind and a reason",
        .serialized, arguments: 0..<shards)
    func mutatedEvents(shard: Int) async throws {
        let (total, baseSeed) = Self.settings(defaultInputs: 100_000)
        let inputs = total / Self.shards + (shard < total % Self.shards ? 1 : 0)
        let seed = baseSeed &+ UInt64(shard) &* 1_000
        var config = GeneratorConfig()
        config.seed = seed
        config.cards = 500
        config.eventCount = 2_000
        config.labelLegit = true
        var generator = TransactionGenerator(config)
        var transactions: [[UInt8]] = []
        while let (t, _) = generator.next() { transactions.append(TransactionCodec.encode(t)) }
        let labels = generator.remainingLabels().map { LabelCodec.encode($0) }
        try #require(!transactions.isEmpty && !labels.isEmpty)

        var mutator = FuzzEventMutator(seed: seed &+ 1, hugeValues: 1)
        var schemaDecoder = SchemaDecoder(schema: .transactionV1)
        var tally = Tally()
        let started = ContinuousClock.now
        for n in 0..<inputs {
            // Tests share Swift's cooperative threads (two on two cores): let the others run now and then.
            if n % 64 == 0 { await Task.yield() }
            // Four transactions for one label.
            let base = n % 5 == 4 ? labels[n / 5 % labels.count] : transactions[n % transactions.count]
            let (bytes, mutation) = mutator.mutate(base)
            tally.inputs += 1
            tally.byMutation[mutation.rawValue, default: 0] += 1
            try Self.check(bytes, mutation: mutation, schemaDecoder: &schemaDecoder, tally: &tally)
        }
        let elapsed = ContinuousClock.now - started
        // One line per shard, which ops/fuzz adds up.
        print("FUZZ decoders shard=\(shard) seed=\(seed) \(tally.summary) seconds=\(elapsed.components.seconds)")
        #expect(tally.inputs == inputs)
        guard inputs >= 10_000 else { return }
        // The mutator reaches every class, and the decoders every outcome.
        #expect(Set(tally.byMutation.keys).isSuperset(of: FuzzEventMutator.Mutation.allCases.map(\.rawValue).filter { $0 != "hugeValue" }))
        #expect(tally.decoded["schema", default: 0] > 0 && tally.decoded["transaction", default: 0] > 0)
        #expect(tally.decoded["label", default: 0] > 0)
        for kind in Self.documentedKinds {
            #expect(tally.rejected["schema.\(kind.rawValue)", default: 0] > 0, "no input was rejected as \(kind)")
        }
    }

    /// Runs one input through the three decoders and checks every outcome.
    static func check(
        _ bytes: [UInt8], mutation: FuzzEventMutator.Mutation, schemaDecoder: inout SchemaDecoder, tally: inout Tally
    ) throws {
        let context = Comment(rawValue: "\(mutation): \(preview(bytes))")
        var syntax: [DecodeError] = []

        // The runtime's decoder.
        let schemaResult = Result { () throws(DecodeError) -> Record in try schemaDecoder.decode(bytes) }
        switch schemaResult {
        case .success(let record):
            // Re-encoded, it decodes to the same record.
            let again = try #require(try? schemaDecoder.decode(encode(record, schema: schemaDecoder.schema)), context)
            if again != record {
                // Decimals go through a Double: exact up to 2^48 units (docs/reliability.md).
                #expect(Self.onlyLargeDecimalsDiffer(record, again), context)
                tally.inexactDecimals += 1
            }
        case .failure(let error):
            try checkError(error, bytes, context)
            // The runtime puts this reason in a dead letter's header: it stays short whatever the input.
            #expect(error.reason.utf8.count < 400, "a long reason: \(error.reason.prefix(200))…: \(context)")
            if syntaxKinds.contains(error.kind) { syntax.append(error) }
        }
        tally.count("schema", schemaResult.map { _ in })

        // The transaction codec.
        let transactionResult = Result { () throws(DecodeError) -> Transaction in try TransactionCodec.decode(bytes) }
        switch transactionResult {
        case .success(let t):
            #expect(try TransactionCodec.decode(TransactionCodec.encode(t)) == t, context)
            #expect(t.amount.isFinite && t.amount >= 0 && t.timestamp >= 0 && (0...9999).contains(t.mcc), context)
        case .failure(let error):
            try checkError(error, bytes, context)
            if syntaxKinds.contains(error.kind) { syntax.append(error) }
        }
        tally.count("transaction", transactionResult.map { _ in })

        // The label codec.
        let labelResult = Result { () throws(DecodeError) -> Label in try LabelCodec.decode(bytes) }
        switch labelResult {
        case .success(let label):
            #expect(try LabelCodec.decode(LabelCodec.encode(label)) == label, context)
            #expect(label.eventTimestamp >= 0 && label.availableAt >= label.eventTimestamp, context)
        case .failure(let error):
            try checkError(error, bytes, context)
            if syntaxKinds.contains(error.kind) { syntax.append(error) }
        }
        tally.count("label", labelResult.map { _ in })

        // The decoders share one reader: a syntax error is seen by all three, identically.
        if let first = syntax.first {
            #expect(syntax.count == 3, "only some decoders saw \(first): \(context)")
            #expect(syntax.allSatisfy { $0 == first }, "decoders disagree: \(syntax): \(context)")
        }
    }

    static func checkError(_ error: DecodeError, _ bytes: [UInt8], _ context: Comment) throws {
        #expect(documentedKinds.contains(error.kind), "undocumented kind \(error.kind): \(context)")
        #expect(!error.reason.isEmpty, context)
        if let offset = error.offset { #expect((0...bytes.count).contains(offset), context) }
    }

    static func onlyLargeDecimalsDiffer(_ a: Record, _ b: Record) -> Bool {
        guard a.timestamp == b.timestamp, a.values.count == b.values.count else { return false }
        for (x, y) in zip(a.values, b.values) where x != y {
            guard case .decimal(let u) = x, case .decimal(let v) = y, u.magnitude >= 1 << 48 else { return false }
            // Still within a few parts in 10^15.
            guard Double(u.magnitude) * 1e-14 >= Double((u &- v).magnitude) else { return false }
        }
        return true
    }

    /// A record as a JSON event of `schema`: fields in schema order, missing ones omitted, decimals written exactly.
    static func encode(_ record: Record, schema: EventSchema) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for (spec, value) in zip(schema.fields, record.values) {
            if value == .missing { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            EventJSONWriter.appendString(spec.name, to: &out)
            out.append(UInt8(ascii: ":"))
            switch value {
            case .missing: break
            case .string(let s): EventJSONWriter.appendString(s, to: &out)
            case .int(let v): EventJSONWriter.appendInt(v, to: &out)
            case .bool(let b): out += Array((b ? "true" : "false").utf8)
            case .decimal(let units):
                if units < 0 { out.append(UInt8(ascii: "-")) }
                let m = units.magnitude, scale = UInt64(FixedPoint.scale)
                EventJSONWriter.appendUnsigned(m / scale, to: &out)
                let fraction = String(m % scale)
                out += Array(("." + String(repeating: "0", count: 4 - fraction.count) + fraction).utf8)
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The first 160 bytes of an input, for failure messages.
    static func preview(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes.prefix(160), as: UTF8.self)
        return bytes.count > 160 ? "\(text)… (\(bytes.count) bytes)" : text
    }
}
