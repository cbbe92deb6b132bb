@testable import VigilCore

/// Shared fixtures of the engine tests: a small event schema, feature builders, a reproducible RNG and a harness
/// that runs an engine like the runtime does (stream time, watermark, lateness, window closing, expiry) next to the
/// naive ``ReferenceEngine``.
enum EngineFixtures {
    /// `key` string, `amount` decimal?, `qty` int?, `merchant` string?, `flag` bool?, `ts`.
    static let schema = EventSchema(
        fields: [
            FieldSpec(name: "key", type: .string, required: true),
            FieldSpec(name: "amount", type: .decimal, required: false),
            FieldSpec(name: "qty", type: .int, required: false),
            FieldSpec(name: "merchant", type: .string, required: false),
            FieldSpec(name: "flag", type: .bool, required: false),
            FieldSpec(name: "ts", type: .timestamp, required: true),
        ],
        timestampField: 5)

    static func record(
        key: String = "k", ts: Int64, amount: Int64? = nil, qty: Int64? = nil, merchant: String? = nil,
        flag: Bool? = nil
    ) -> Record {
        Record(
            values: [
                .string(key), amount.map { .decimal(units: $0) } ?? .missing, qty.map { .int($0) } ?? .missing,
                merchant.map { .string($0) } ?? .missing, flag.map { .bool($0) } ?? .missing, .int(ts),
            ],
            timestamp: ts)
    }

    /// A record with `amount` given in whole units (e.g. 12.5).
    static func record(key: String = "k", ts: Int64, amount: Double, merchant: String? = nil) -> Record {
        record(key: key, ts: ts, amount: FixedPoint.units(amount), merchant: merchant)
    }

    static func feature(
        _ name: String, _ aggregation: Aggregation, _ field: String? = nil, _ window: Window,
        includeCurrent: Bool = false
    ) -> FeatureSpec {
        FeatureSpec(name: name, kind: .aggregate(aggregation, field: field, window: window), includeCurrent: includeCurrent)
    }

    static func fieldFor(_ a: Aggregation) -> String? {
        switch a {
        case .count, .timeSinceLast: nil
        case .distinctCount, .firstSeen: "merchant"
        default: "amount"
        }
    }

    /// Every trailing aggregation over `window` (with `include_current` variants where allowed), plus a few on the
    /// int field and the bool field.
    static func trailingFeatures(_ tag: String, _ window: Window) -> [FeatureSpec] {
        var out: [FeatureSpec] = []
        for a in Aggregation.allCases {
            out.append(feature("\(a.rawValue)_\(tag)", a, fieldFor(a), window))
            switch a {
            case .zScore, .timeSinceLast, .firstSeen: break
            default: out.append(feature("\(a.rawValue)_\(tag)_cur", a, fieldFor(a), window, includeCurrent: true))
            }
        }
        out.append(feature("qty_sum_\(tag)", .sum, "qty", window))
        out.append(feature("qty_stddev_\(tag)", .stddev, "qty", window, includeCurrent: true))
        out.append(feature("flag_distinct_\(tag)", .distinctCount, "flag", window))
        return out
    }

    /// Every windowed aggregation over `window`.
    static func windowedFeatures(_ tag: String, _ window: Window) -> [FeatureSpec] {
        let aggregations: [Aggregation] = [.count, .sum, .mean, .min, .max, .variance, .stddev, .distinctCount, .first, .last]
        return aggregations.map { feature("\($0.rawValue)_\(tag)", $0, fieldFor($0), window) }
    }

    /// Exact trailing windows of two lengths, and ratios.
    static let exactFeatures: [FeatureSpec] =
        [FeatureSpec(name: "ratio_forward", kind: .ratio(numerator: "ratio_up2", denominator: "count_e3s"))]
        + trailingFeatures("e1s", .trailing(millis: 1_000, tileMillis: nil))
        + [FeatureSpec(name: "ratio_sum", kind: .ratio(numerator: "sum_e1s", denominator: "sum_e3s"))]
        + trailingFeatures("e3s", .trailing(millis: 3_000, tileMillis: nil))
        + [
            FeatureSpec(name: "ratio_up", kind: .ratio(numerator: "count_e1s", denominator: "up")),
            FeatureSpec(name: "ratio_chain", kind: .ratio(numerator: "mean_e3s", denominator: "ratio_sum")),
            FeatureSpec(name: "ratio_up2", kind: .ratio(numerator: "up", denominator: "stddev_e3s")),
        ]

    /// Tiled trailing windows: six tiles of 500 ms, and a single tile of 1 s.
    static let tiledFeatures: [FeatureSpec] =
        trailingFeatures("t3s", .trailing(millis: 3_000, tileMillis: 500))
        + trailingFeatures("t1s", .trailing(millis: 1_000, tileMillis: 1_000))
        + [FeatureSpec(name: "ratio_tiles", kind: .ratio(numerator: "sum_t1s", denominator: "sum_t3s"))]

    /// Tumbling, hopping and session windows, with two trailing features alongside.
    static let windowedMix: [FeatureSpec] =
        windowedFeatures("tumble", .tumbling(sizeMillis: 1_500))
        + [feature("count_e2s", .count, nil, .trailing(millis: 2_000, tileMillis: nil))]
        + windowedFeatures("hop", .hopping(sizeMillis: 2_000, advanceMillis: 500))
        + windowedFeatures("session", .session(gapMillis: 400))
        + [feature("first_seen_t2s", .firstSeen, "merchant", .trailing(millis: 2_000, tileMillis: 250))]

    /// Everything at once.
    static let allFeatures: [FeatureSpec] = exactFeatures + tiledFeatures + windowedMix
}

/// SplitMix64, for reproducible test inputs.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x2545_F491_4F6C_DD1D &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: UInt64) -> UInt64 { next() % n }
    mutating func int(_ n: Int64) -> Int64 { Int64(next() % UInt64(n)) }
    mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
}

/// Runs an engine the way the runtime does — per-partition stream time, watermark = stream time − grace, late
/// records skipped, windows closed when a key's timer passes the watermark, expired keys deleted — next to the
/// reference, and records every disagreement.
struct EngineHarness {
    let engine: FeatureEngine
    var reference: ReferenceEngine
    let grace: Int64
    var states: [String: KeyState] = [:]
    var keys: [String] = []
    var streamTime = Int64.min
    var previousWatermark = Int64.min
    var values: [FeatureValue] = []
    var results: [FeatureEngine.WindowResult] = []
    var failures: [String] = []
    var applied = 0
    var late = 0
    var windowResults = 0
    var expiries = 0
    var roundTrips = 0
    /// Percent chance of an encode/decode round trip of the key's state before an event.
    var roundTripPercent: UInt64 = 10
    var rng: TestRNG
    var label: String

    init(
        features: [FeatureSpec], grace: Int64, limit: Int, upstream: [String] = [], seed: UInt64, label: String = ""
    ) throws {
        engine = try FeatureEngine(
            schema: EngineFixtures.schema, features: features, graceMillis: grace, distinctExactLimit: limit,
            upstreamFeatureNames: upstream)
        reference = ReferenceEngine(
            schema: EngineFixtures.schema, features: features, distinctExactLimit: limit, upstreamNames: upstream)
        self.grace = grace
        rng = TestRNG(seed: seed ^ 0xABCD)
        self.label = label
    }

    var watermark: Int64 { streamTime == .min ? .min : streamTime - grace }

    mutating func fail(_ text: String) {
        if failures.count < 20 { failures.append("\(label) \(text)") }
    }

    /// Feeds one record of `key` (skipped when late).
    mutating func feed(_ record: Record, key: String, upstream: [FeatureValue] = []) {
        if record.timestamp < watermark {
            late += 1
            return
        }
        if !keys.contains(key) { keys.append(key) }
        streamTime = max(streamTime, record.timestamp)
        let w = watermark
        if let state = states[key], rng.chance(roundTripPercent) {
            roundTrips += 1
            do {
                let bytes = state.encoded()
                if bytes != state.referenceEncoded() {
                    fail("event \(applied): state of \(key) encodes to other bytes than the reference encoder's")
                }
                let decoded = try KeyState(decoding: bytes, engine: engine)
                if decoded != state { fail("event \(applied): state of \(key) changed in an encode/decode round trip") }
                states[key] = decoded
            } catch {
                fail("event \(applied): decode failed: \(error)")
            }
        }
        engine.apply(record, key: &states[key, default: KeyState()], watermark: w, upstream: upstream, into: &values)
        let expected = reference.apply(key: key, record: record, upstream: upstream)
        if values.count != expected.count {
            fail("event \(applied): \(values.count) values, expected \(expected.count)")
        } else {
            for i in values.indices where !expected[i].matches(values[i]) {
                fail("event \(applied) key \(key) ts \(record.timestamp): \(engine.perEventFeatures[i].name) = \(values[i]), expected \(expected[i])")
            }
        }
        applied += 1
        if w > previousWatermark { advance(to: w) }
    }

    /// Closes due windows of every key and deletes expired keys, as the runtime's timer pass would.
    mutating func advance(to w: Int64) {
        for key in keys {
            results.removeAll()
            if var state = states[key], state.nextTimer <= w {
                engine.closeWindows(&state, watermark: w, into: &results)
                states[key] = state
            }
            let expected = reference.closeWindows(key: key, after: previousWatermark, upTo: w)
            windowResults += results.count
            if results.count != expected.count {
                fail("watermark \(w) key \(key): \(results.count) window results, expected \(expected.count): \(results.map { ($0.featureIndex, $0.start) }) vs \(expected.map { ($0.result.featureIndex, $0.result.start) })")
            } else {
                for (r, e) in zip(results, expected) {
                    let name = engine.windowedFeatures[r.featureIndex].name
                    if r.featureIndex != e.result.featureIndex || r.start != e.result.start || r.end != e.result.end
                        || r.count != e.result.count || !e.expected.matches(r.value)
                    {
                        fail("watermark \(w) key \(key): \(name) [\(r.start), \(r.end)] n=\(r.count) = \(r.value); expected \(engine.windowedFeatures[e.result.featureIndex].name) [\(e.result.start), \(e.result.end)] n=\(e.result.count) = \(e.expected)")
                    }
                }
            }
            if let state = states[key], engine.isExpired(state, watermark: w) {
                states[key] = nil
                expiries += 1
            }
        }
        previousWatermark = w
    }

    /// Closes everything (end of input).
    mutating func finish() { advance(to: .max) }
}
