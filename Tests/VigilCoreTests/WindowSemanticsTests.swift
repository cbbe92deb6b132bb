import Testing
@testable import VigilCore

/// The worked examples of docs/semantics.md, table by table, and the window boundary rules.
@Suite("Window semantics (docs/semantics.md)")
struct WindowSemanticsTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    /// `hh:mm` of day 1000 since the epoch, in ms.
    static func at(_ h: Int64, _ m: Int64, _ s: Int64 = 0) -> Int64 { 1_000 * 24 * hour + h * hour + m * minute + s * 1_000 }

    static func units(_ d: Double) -> FeatureValue { .decimal(units: FixedPoint.units(d)) }

    typealias F = EngineFixtures

    @Test("exact window table: count and sum over (t − 1h, t], ties by log order, out-of-order events")
    func exactExample() throws {
        let features = [
            F.feature("count", .count, nil, .trailing(millis: Self.hour, tileMillis: nil)),
            F.feature("sum", .sum, "amount", .trailing(millis: Self.hour, tileMillis: nil)),
        ]
        let engine = try FeatureEngine(schema: F.schema, features: features, graceMillis: Self.hour)
        let rows: [(ts: Int64, amount: Double, count: Int64, sum: Double)] = [
            (Self.at(10, 0), 5.00, 0, 0), (Self.at(10, 30), 7.50, 1, 5), (Self.at(10, 30), 1.25, 2, 12.5),
            (Self.at(11, 0), 2.00, 2, 8.75), (Self.at(10, 45), 9.00, 3, 13.75),
        ]
        var key = KeyState()
        var values: [FeatureValue] = []
        var stream = Int64.min
        for (i, row) in rows.enumerated() {
            stream = max(stream, row.ts)
            engine.apply(
                F.record(ts: row.ts, amount: row.amount), key: &key, watermark: stream - Self.hour, upstream: [],
                into: &values)
            #expect(values == [.int(row.count), Self.units(row.sum)], "offset \(i)")
        }
    }

    @Test("tiled window table: W = 3h in 1h tiles next to the exact 3h window")
    func tiledExample() throws {
        let exact = Window.trailing(millis: 3 * Self.hour, tileMillis: nil)
        let tiled = Window.trailing(millis: 3 * Self.hour, tileMillis: Self.hour)
        let features = [
            F.feature("tiled_count", .count, nil, tiled), F.feature("tiled_sum", .sum, "amount", tiled),
            F.feature("exact_count", .count, nil, exact), F.feature("exact_sum", .sum, "amount", exact),
        ]
        let engine = try FeatureEngine(schema: F.schema, features: features, graceMillis: Self.hour)
        let rows: [(ts: Int64, amount: Double, tc: Int64, ts_: Double, ec: Int64, es: Double)] = [
            (Self.at(9, 10), 5, 0, 0, 0, 0), (Self.at(10, 20), 7, 1, 5, 1, 5), (Self.at(11, 5), 1, 2, 12, 2, 12),
            (Self.at(12, 30), 2, 2, 8, 2, 8), (Self.at(11, 40), 4, 3, 13, 3, 13), (Self.at(12, 59), 3, 4, 14, 4, 14),
            (Self.at(13, 0), 10, 4, 10, 5, 17), (Self.at(13, 50), 6, 5, 20, 5, 20), (Self.at(13, 20), 8, 6, 26, 5, 20),
        ]
        var key = KeyState()
        var values: [FeatureValue] = []
        var stream = Int64.min
        for (i, r) in rows.enumerated() {
            stream = max(stream, r.ts)
            engine.apply(
                F.record(ts: r.ts, amount: r.amount), key: &key, watermark: stream - Self.hour, upstream: [],
                into: &values)
            #expect(
                values == [.int(r.tc), Self.units(r.ts_), .int(r.ec), Self.units(r.es)], "offset \(i)")
        }
    }

    @Test("aggregations table: one key, W = 1h exact, with a missing amount")
    func aggregationsExample() throws {
        let w = Window.trailing(millis: Self.hour, tileMillis: nil)
        let features = [
            F.feature("count", .count, nil, w), F.feature("mean", .mean, "amount", w),
            F.feature("min", .min, "amount", w), F.feature("max", .max, "amount", w),
            F.feature("stddev", .stddev, "amount", w), F.feature("merchants", .distinctCount, "merchant", w),
            F.feature("first", .first, "amount", w), F.feature("last", .last, "amount", w),
            F.feature("since", .timeSinceLast, nil, w), F.feature("new_merchant", .firstSeen, "merchant", w),
            F.feature("z", .zScore, "amount", w),
        ]
        let engine = try FeatureEngine(schema: F.schema, features: features, graceMillis: 0)
        let m = FeatureValue.missing
        let rows: [(ts: Int64, amount: Double?, merchant: String, expected: [FeatureValue])] = [
            (Self.at(10, 0), 10, "A", [.int(0), m, m, m, m, .int(0), m, m, m, .int(1), m]),
            (Self.at(10, 10), 30, "B",
             [.int(1), .double(10), Self.units(10), Self.units(10), .double(0), .int(1), Self.units(10), Self.units(10),
              Self.units(600), .int(1), m]),
            (Self.at(10, 20), nil, "A",
             [.int(2), .double(20), Self.units(10), Self.units(30), .double(10), .int(2), Self.units(10), Self.units(30),
              Self.units(600), .int(0), m]),
            (Self.at(10, 30), 20, "C",
             [.int(3), .double(20), Self.units(10), Self.units(30), .double(10), .int(2), Self.units(10), Self.units(30),
              Self.units(600), .int(1), .double(0)]),
            (Self.at(11, 15), 40, "A",
             [.int(2), .double(20), Self.units(20), Self.units(20), .double(0), .int(2), Self.units(20), Self.units(20),
              Self.units(2700), .int(0), m]),
        ]
        var key = KeyState()
        var values: [FeatureValue] = []
        for (i, r) in rows.enumerated() {
            let record = F.record(key: "k", ts: r.ts, amount: r.amount.map { FixedPoint.units($0) }, merchant: r.merchant)
            engine.apply(record, key: &key, watermark: r.ts, upstream: [], into: &values)
            for (j, f) in engine.perEventFeatures.enumerated() {
                #expect(values[j] == r.expected[j], "offset \(i), \(f.name)")
            }
        }
    }

    @Test("windowed table: tumbling, hopping and session results and when they are emitted")
    func windowedExample() throws {
        let features = [
            F.feature("tumbling", .sum, "amount", .tumbling(sizeMillis: Self.hour)),
            F.feature("hopping", .sum, "amount", .hopping(sizeMillis: Self.hour, advanceMillis: 30 * Self.minute)),
            F.feature("session", .sum, "amount", .session(gapMillis: 25 * Self.minute)),
        ]
        let grace = 20 * Self.minute
        let engine = try FeatureEngine(schema: F.schema, features: features, graceMillis: grace)
        let events: [(name: String, ts: Int64, amount: Double)] = [
            ("a", Self.at(10, 5), 5), ("b", Self.at(10, 20), 3), ("c", Self.at(10, 50), 2), ("d", Self.at(11, 10), 4),
            ("e", Self.at(11, 40), 1), ("f", Self.at(11, 25), 7),
        ]
        struct Emitted: Equatable {
            var after: String
            var feature: String
            var start: Int64
            var end: Int64
            var count: Int64
            var sum: FeatureValue
        }
        var emitted: [Emitted] = []
        var key = KeyState()
        var values: [FeatureValue] = []
        var results: [FeatureEngine.WindowResult] = []
        var stream = Int64.min
        func collect(_ after: String) {
            for r in results {
                emitted.append(
                    Emitted(
                        after: after, feature: engine.windowedFeatures[r.featureIndex].name, start: r.start, end: r.end,
                        count: r.count, sum: r.value))
            }
            results.removeAll()
        }
        for e in events {
            stream = max(stream, e.ts)
            #expect(e.ts >= stream - grace)
            engine.apply(F.record(ts: e.ts, amount: e.amount), key: &key, watermark: stream - grace, upstream: [], into: &values)
            #expect(values.isEmpty)
            if key.nextTimer <= stream - grace { engine.closeWindows(&key, watermark: stream - grace, into: &results) }
            collect(e.name)
        }
        engine.closeWindows(&key, watermark: .max, into: &results)
        collect("end")
        let h = Self.at
        let expected = [
            Emitted(after: "c", feature: "hopping", start: h(9, 30, 0), end: h(10, 30, 0), count: 2, sum: Self.units(8)),
            Emitted(after: "d", feature: "session", start: h(10, 5, 0), end: h(10, 20, 0), count: 2, sum: Self.units(8)),
            Emitted(after: "e", feature: "tumbling", start: h(10, 0, 0), end: h(11, 0, 0), count: 3, sum: Self.units(10)),
            Emitted(after: "e", feature: "hopping", start: h(10, 0, 0), end: h(11, 0, 0), count: 3, sum: Self.units(10)),
            Emitted(after: "end", feature: "hopping", start: h(10, 30, 0), end: h(11, 30, 0), count: 3, sum: Self.units(13)),
            Emitted(after: "end", feature: "tumbling", start: h(11, 0, 0), end: h(12, 0, 0), count: 3, sum: Self.units(12)),
            Emitted(after: "end", feature: "hopping", start: h(11, 0, 0), end: h(12, 0, 0), count: 3, sum: Self.units(12)),
            Emitted(after: "end", feature: "session", start: h(10, 50, 0), end: h(11, 40, 0), count: 4, sum: Self.units(14)),
            Emitted(after: "end", feature: "hopping", start: h(11, 30, 0), end: h(12, 30, 0), count: 1, sum: Self.units(1)),
        ]
        #expect(emitted == expected)
        #expect(key.nextTimer == .max)
        #expect(engine.isExpired(key, watermark: .max))
    }

    @Test("lateness table: an event before the watermark is late, one exactly at it is applied")
    func latenessExample() {
        let grace = 10 * Self.minute
        let times = [Self.at(10, 0), Self.at(10, 30), Self.at(10, 21), Self.at(10, 19), Self.at(10, 20)]
        var stream = Int64.min
        var applied: [Bool] = []
        for ts in times {
            let watermark = stream == .min ? Int64.min : stream - grace
            applied.append(ts >= watermark)
            if ts >= watermark { stream = max(stream, ts) }
        }
        #expect(applied == [true, true, true, false, true])
    }

    struct Boundary: Sendable, CustomTestStringConvertible {
        var priorOffset: Int64  // the prior event's ts relative to the current one
        var includeCurrent: Bool
        var tile: Int64?
        var expectedCount: Int64
        var testDescription: String {
            "prior at \(priorOffset) ms, includeCurrent=\(includeCurrent), tile \(tile.map(String.init) ?? "none")"
        }
    }

    @Test(
        "window boundaries: (t − W, t] exact, [(k+1)R − W, (k+1)R) tiled, current event excluded unless asked",
        arguments: [
            Boundary(priorOffset: -3_600_000, includeCurrent: false, expectedCount: 0),  // exactly W old: out
            Boundary(priorOffset: -3_599_999, includeCurrent: false, expectedCount: 1),  // 1 ms inside
            Boundary(priorOffset: 0, includeCurrent: false, expectedCount: 1),  // same ms, earlier offset: in
            Boundary(priorOffset: 1, includeCurrent: false, expectedCount: 0),  // the future: out
            Boundary(priorOffset: -3_600_000, includeCurrent: true, expectedCount: 1),
            Boundary(priorOffset: 0, includeCurrent: true, expectedCount: 2),
            // t = 100h + 30min; tile 15 min: k covers [97h45, 100h45).
            Boundary(priorOffset: -9_900_000, includeCurrent: false, tile: 900_000, expectedCount: 1),  // 97h45: in
            Boundary(priorOffset: -9_900_001, includeCurrent: false, tile: 900_000, expectedCount: 0),  // 97h44:59.999
            Boundary(priorOffset: 899_999, includeCurrent: false, tile: 900_000, expectedCount: 1),  // later in t's tile
            Boundary(priorOffset: 900_000, includeCurrent: false, tile: 900_000, expectedCount: 0),  // next tile
        ])
    func boundaries(_ b: Boundary) throws {
        let t: Int64 = 100 * Self.hour + 30 * Self.minute
        let w = b.tile == nil ? Self.hour : 3 * Self.hour
        let engine = try FeatureEngine(
            schema: F.schema,
            features: [F.feature("n", .count, nil, .trailing(millis: w, tileMillis: b.tile), includeCurrent: b.includeCurrent)],
            graceMillis: 2 * Self.hour)
        var key = KeyState()
        var values: [FeatureValue] = []
        let first = t + b.priorOffset
        engine.apply(F.record(ts: first, amount: 1.0), key: &key, watermark: first - Self.hour, upstream: [], into: &values)
        engine.apply(F.record(ts: t, amount: 1.0), key: &key, watermark: min(t, first) - Self.hour, upstream: [], into: &values)
        #expect(values == [.int(b.expectedCount)])
    }

    @Test("a key's first event: count 0, sum 0, distinct 0, first_seen 1, the rest missing")
    func noHistory() throws {
        let w = Window.trailing(millis: Self.hour, tileMillis: nil)
        let tiled = Window.trailing(millis: Self.hour, tileMillis: Self.minute)
        var features: [FeatureSpec] = []
        for window in [w, tiled] {
            for a in Aggregation.allCases {
                features.append(F.feature("\(a.rawValue)_\(window == w ? "e" : "t")", a, F.fieldFor(a), window))
            }
        }
        let engine = try FeatureEngine(schema: F.schema, features: features, graceMillis: 0)
        var key = KeyState()
        var values: [FeatureValue] = []
        engine.apply(
            F.record(ts: 5_000, amount: 9_999, qty: 1, merchant: "m", flag: true), key: &key, watermark: 5_000,
            upstream: [], into: &values)
        for (i, f) in engine.perEventFeatures.enumerated() {
            guard case .aggregate(let a, _, _) = f.kind else { continue }
            let expected: FeatureValue =
                switch a {
                case .count, .distinctCount: .int(0)
                case .sum: .decimal(units: 0)
                case .firstSeen: .int(1)
                default: .missing
                }
            #expect(values[i] == expected, "\(f.name)")
        }
    }
}
