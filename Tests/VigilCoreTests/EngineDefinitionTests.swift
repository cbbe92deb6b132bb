import Testing
@testable import VigilCore

/// What `FeatureEngine.init` accepts and rejects, and how it lays out the features.
@Suite("Feature engine definitions")
struct EngineDefinitionTests {
    typealias F = EngineFixtures
    static let hour: Int64 = 3_600_000
    static let w1h = Window.trailing(millis: hour, tileMillis: nil)

    struct Invalid: Sendable, CustomTestStringConvertible {
        var description: String
        var features: [FeatureSpec]
        var code: FeatureEngineError.Code
        var testDescription: String { description }
    }

    static let invalid: [Invalid] = [
        Invalid(description: "unknown field", features: [F.feature("f", .sum, "amount_eur", w1h)], code: .unknownField),
        Invalid(description: "sum of a string field", features: [F.feature("f", .sum, "merchant", w1h)], code: .fieldType),
        Invalid(description: "zscore of a bool field", features: [F.feature("f", .zScore, "flag", w1h)], code: .fieldType),
        Invalid(description: "first of a timestamp field", features: [F.feature("f", .first, "ts", w1h)], code: .fieldType),
        Invalid(description: "mean without a field", features: [F.feature("f", .mean, nil, w1h)], code: .fieldUsage),
        Invalid(description: "count with a field", features: [F.feature("f", .count, "amount", w1h)], code: .fieldUsage),
        Invalid(
            description: "include_current on zscore",
            features: [F.feature("f", .zScore, "amount", w1h, includeCurrent: true)], code: .includeCurrent),
        Invalid(
            description: "include_current on first_seen",
            features: [F.feature("f", .firstSeen, "merchant", w1h, includeCurrent: true)], code: .includeCurrent),
        Invalid(
            description: "include_current on time_since_last",
            features: [F.feature("f", .timeSinceLast, nil, w1h, includeCurrent: true)], code: .includeCurrent),
        Invalid(
            description: "include_current on a tumbling window",
            features: [F.feature("f", .count, nil, .tumbling(sizeMillis: hour), includeCurrent: true)],
            code: .includeCurrent),
        Invalid(
            description: "tile width not dividing the window",
            features: [F.feature("f", .count, nil, .trailing(millis: hour, tileMillis: 7 * 60_000))], code: .invalidWindow),
        Invalid(
            description: "zero window", features: [F.feature("f", .count, nil, .trailing(millis: 0, tileMillis: nil))],
            code: .invalidWindow),
        Invalid(
            description: "hopping advance not dividing the size",
            features: [F.feature("f", .count, nil, .hopping(sizeMillis: hour, advanceMillis: 25 * 60_000))],
            code: .invalidWindow),
        Invalid(
            description: "zero session gap", features: [F.feature("f", .count, nil, .session(gapMillis: 0))],
            code: .invalidWindow),
        Invalid(
            description: "zscore over a session window",
            features: [F.feature("f", .zScore, "amount", .session(gapMillis: 1_000))], code: .invalidWindow),
        Invalid(
            description: "ratio of an unknown feature",
            features: [
                F.feature("n", .count, nil, w1h), FeatureSpec(name: "r", kind: .ratio(numerator: "n", denominator: "m")),
            ], code: .unknownFeature),
        Invalid(
            description: "ratio of a windowed feature",
            features: [
                F.feature("n", .count, nil, w1h), F.feature("t", .count, nil, .tumbling(sizeMillis: hour)),
                FeatureSpec(name: "r", kind: .ratio(numerator: "n", denominator: "t")),
            ], code: .unknownFeature),
        Invalid(
            description: "ratios forming a cycle",
            features: [
                F.feature("n", .count, nil, w1h), FeatureSpec(name: "r1", kind: .ratio(numerator: "n", denominator: "r2")),
                FeatureSpec(name: "r2", kind: .ratio(numerator: "r1", denominator: "n")),
            ], code: .unknownFeature),
        Invalid(
            description: "a ratio of itself",
            features: [F.feature("n", .count, nil, w1h), FeatureSpec(name: "r", kind: .ratio(numerator: "r", denominator: "n"))],
            code: .unknownFeature),
        Invalid(
            description: "duplicate names",
            features: [F.feature("n", .count, nil, w1h), F.feature("n", .sum, "amount", w1h)], code: .duplicateFeature),
        Invalid(
            description: "duplicate ids",
            features: [
                FeatureSpec(name: "a", id: "x", kind: .aggregate(.count, field: nil, window: w1h)),
                FeatureSpec(name: "b", id: "x", kind: .aggregate(.count, field: nil, window: w1h)),
            ], code: .duplicateFeature),
    ]

    @Test("inconsistent definitions are rejected with a code and the feature's name", arguments: invalid)
    func rejects(_ c: Invalid) {
        do {
            _ = try FeatureEngine(schema: F.schema, features: c.features, graceMillis: 0)
            Issue.record("accepted: \(c.description)")
        } catch {
            #expect(error.code == c.code, "\(error)")
            #expect(error.message.contains("\""), "\(error)")
        }
    }

    @Test("engine parameters are checked")
    func parameters() {
        #expect(throws: FeatureEngineError.self) {
            try FeatureEngine(schema: F.schema, features: [], graceMillis: -1)
        }
        #expect(throws: FeatureEngineError.self) {
            try FeatureEngine(schema: F.schema, features: [], graceMillis: 0, distinctExactLimit: 0)
        }
        var schema = F.schema
        schema.timestampField = 0
        #expect(throws: FeatureEngineError.self) { try FeatureEngine(schema: schema, features: [], graceMillis: 0) }
    }

    @Test("per-event and windowed features keep declaration order; retention = longest span (+ tile) + grace")
    func layout() throws {
        let features = [
            F.feature("sess", .count, nil, .session(gapMillis: 5 * 60_000)),
            F.feature("n1h", .count, nil, Self.w1h),
            FeatureSpec(name: "r", kind: .ratio(numerator: "n1h", denominator: "up")),
            F.feature("tumble", .sum, "amount", .tumbling(sizeMillis: 2 * Self.hour)),
            F.feature("n30d", .count, nil, .trailing(millis: 30 * 24 * Self.hour, tileMillis: 24 * Self.hour)),
        ]
        let engine = try FeatureEngine(
            schema: F.schema, features: features, graceMillis: 600_000, upstreamFeatureNames: ["up"])
        #expect(engine.perEventFeatures.map(\.name) == ["n1h", "r", "n30d"])
        #expect(engine.windowedFeatures.map(\.name) == ["sess", "tumble"])
        #expect(engine.retentionMillis == 31 * 24 * Self.hour + 600_000)
    }

    @Test("a ratio may use a ratio declared after it; values keep declaration order")
    func ratioOrder() throws {
        let features = [
            FeatureSpec(name: "r1", kind: .ratio(numerator: "r2", denominator: "n")),
            F.feature("n", .count, nil, Self.w1h, includeCurrent: true),
            FeatureSpec(name: "r2", kind: .ratio(numerator: "s", denominator: "n")),
            F.feature("s", .sum, "amount", Self.w1h, includeCurrent: true),
        ]
        let engine = try FeatureEngine(schema: F.schema, features: features, graceMillis: 0)
        var key = KeyState()
        var values: [FeatureValue] = []
        engine.apply(F.record(ts: 1_000, amount: 4.0), key: &key, watermark: 0, upstream: [], into: &values)
        #expect(values == [.double(4), .int(1), .double(4), .decimal(units: 40_000)])
        engine.apply(F.record(ts: 2_000, amount: 2.0), key: &key, watermark: 0, upstream: [], into: &values)
        #expect(values == [.double(1.5), .int(2), .double(3), .decimal(units: 60_000)])
    }

    @Test("ratios: operands of every type, upstream values, missing and zero denominators")
    func ratios() throws {
        let features = [
            F.feature("n", .count, nil, Self.w1h, includeCurrent: true),
            F.feature("s", .sum, "amount", Self.w1h, includeCurrent: true),
            FeatureSpec(name: "s_per_n", kind: .ratio(numerator: "s", denominator: "n")),
            FeatureSpec(name: "n_per_up", kind: .ratio(numerator: "n", denominator: "up")),
            FeatureSpec(name: "up_per_ratio", kind: .ratio(numerator: "up", denominator: "s_per_n")),
            F.feature("mean", .mean, "amount", Self.w1h),
            FeatureSpec(name: "s_per_mean", kind: .ratio(numerator: "s", denominator: "mean")),
        ]
        let engine = try FeatureEngine(
            schema: F.schema, features: features, graceMillis: 0, upstreamFeatureNames: ["up"])
        var key = KeyState()
        var values: [FeatureValue] = []
        engine.apply(F.record(ts: 1_000, amount: 3.0), key: &key, watermark: 0, upstream: [.int(4)], into: &values)
        #expect(values == [.int(1), .decimal(units: 30_000), .double(3), .double(0.25), .double(4.0 / 3), .missing, .missing])
        engine.apply(F.record(ts: 2_000, amount: 5.0), key: &key, watermark: 0, upstream: [.double(0)], into: &values)
        #expect(values == [.int(2), .decimal(units: 80_000), .double(4), .missing, .double(0), .double(3), .double(8.0 / 3)])
        engine.apply(F.record(ts: 3_000, amount: 1.0), key: &key, watermark: 0, upstream: [.missing], into: &values)
        #expect(values[3] == .missing && values[4] == .missing)
        engine.apply(F.record(ts: 4_000, amount: 1.0), key: &key, watermark: 0, upstream: [], into: &values)
        #expect(values[3] == .missing)  // no upstream value given
        engine.apply(F.record(ts: 5_000, amount: 1.0), key: &key, watermark: 0, upstream: [.decimal(units: 25_000)], into: &values)
        #expect(values[3] == .double(5 / 2.5))
    }
}
