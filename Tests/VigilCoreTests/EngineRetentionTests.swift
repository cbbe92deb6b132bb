import Testing
@testable import VigilCore

/// Bounded state: what a key keeps, and when it can be deleted.
@Suite("Retention and expiry")
struct EngineRetentionTests {
    typealias F = EngineFixtures
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day = 24 * hour

    @Test("100 simulated days of one event a minute: the encoded state stops growing after the longest window")
    func steadyTrafficHasBoundedState() throws {
        let features = [
            F.feature("n1h", .count, nil, .trailing(millis: Self.hour, tileMillis: nil)),
            F.feature("s1h", .sum, "amount", .trailing(millis: Self.hour, tileMillis: nil)),
            F.feature("d1h", .distinctCount, "merchant", .trailing(millis: Self.hour, tileMillis: nil)),
            F.feature("since", .timeSinceLast, nil, .trailing(millis: Self.hour, tileMillis: nil)),
            F.feature("n30d", .count, nil, .trailing(millis: 30 * Self.day, tileMillis: Self.hour)),
            F.feature("z30d", .zScore, "amount", .trailing(millis: 30 * Self.day, tileMillis: Self.hour)),
            F.feature("max30d", .max, "amount", .trailing(millis: 30 * Self.day, tileMillis: Self.hour)),
            F.feature("d30d", .distinctCount, "merchant", .trailing(millis: 30 * Self.day, tileMillis: Self.day)),
            F.feature("new30d", .firstSeen, "merchant", .trailing(millis: 30 * Self.day, tileMillis: nil)),
            F.feature("session", .sum, "amount", .session(gapMillis: 30 * Self.minute)),
            F.feature("daily", .distinctCount, "merchant", .tumbling(sizeMillis: Self.day)),
        ]
        let grace = 10 * Self.minute
        let engine = try FeatureEngine(schema: F.schema, features: features, graceMillis: grace)
        var key = KeyState()
        var values: [FeatureValue] = []
        var results: [FeatureEngine.WindowResult] = []
        var sizes: [Int: Int] = [:]
        var bytes: [UInt8] = []
        var rng = TestRNG(seed: 5)
        for i in 0..<(100 * 24 * 60) {
            // One event a minute, a little disorder; merchants churn (a new one every few hours).
            let ts = Int64(i) * Self.minute - rng.int(5 * Self.minute)
            let merchant = "m\(i / 240 + Int(rng.int(5)))"
            engine.apply(
                F.record(ts: ts, amount: rng.int(1_000_000), merchant: merchant), key: &key,
                watermark: Int64(i) * Self.minute - grace, upstream: [], into: &values)
            if key.nextTimer <= Int64(i) * Self.minute - grace {
                results.removeAll(keepingCapacity: true)
                engine.closeWindows(&key, watermark: Int64(i) * Self.minute - grace, into: &results)
            }
            if i % (24 * 60) == 0 {
                bytes.removeAll(keepingCapacity: true)
                key.encode(into: &bytes)
                sizes[i / (24 * 60)] = bytes.count
            }
        }
        let day40 = sizes[40]!
        let day99 = sizes[99]!
        print("state bytes: day 10 \(sizes[10]!), day 40 \(day40), day 70 \(sizes[70]!), day 99 \(day99); approximateBytes \(key.approximateBytes)")
        #expect(sizes[10]! < day40)  // still filling the 30-day windows
        #expect(abs(day99 - day40) < day40 / 20)  // then flat
        #expect(day99 < 200_000)
        #expect(key.approximateBytes < 600_000)
        guard case .int(let lastHour) = values[0] else {
            Issue.record("count is \(values[0])")
            return
        }
        #expect((50...70).contains(lastHour))
    }

    struct ExpiryCase: Sendable, CustomTestStringConvertible {
        var window: Window
        /// The first watermark at which a key whose only event is at `eventTime` has expired.
        var eventTime: Int64
        var expiresAt: Int64
        var testDescription: String { "\(window), event at \(eventTime)" }
    }

    @Test(
        "a key expires exactly when no event at or after the watermark can see its newest event",
        arguments: [
            // Exact 1h: seen by t while event > t − 1h, so expired once watermark >= event + 1h.
            ExpiryCase(window: .trailing(millis: hour, tileMillis: nil), eventTime: 10 * hour + 7, expiresAt: 11 * hour + 7),
            // Tiled 3h in 1h tiles: seen by t in tile k while event >= (k+1)h − 3h, i.e. until tile k = 12 ends.
            ExpiryCase(
                window: .trailing(millis: 3 * hour, tileMillis: hour), eventTime: 10 * hour + 7, expiresAt: 13 * hour),
            ExpiryCase(window: .trailing(millis: 3 * hour, tileMillis: hour), eventTime: 10 * hour, expiresAt: 13 * hour),
        ])
    func expiryBoundary(_ c: ExpiryCase) throws {
        for aggregation in [Aggregation.count, .timeSinceLast, .firstSeen] {
            let engine = try FeatureEngine(
                schema: F.schema, features: [F.feature("f", aggregation, F.fieldFor(aggregation), c.window)],
                graceMillis: 0)
            var key = KeyState()
            var values: [FeatureValue] = []
            engine.apply(F.record(ts: c.eventTime, amount: 1.0, merchant: "m"), key: &key, watermark: c.eventTime, upstream: [], into: &values)
            #expect(!engine.isExpired(key, watermark: c.expiresAt - 1), "\(aggregation)")
            #expect(engine.isExpired(key, watermark: c.expiresAt), "\(aggregation)")
            // Just before expiry, an event at the watermark still sees it.
            var probe = key
            engine.apply(F.record(ts: c.expiresAt - 1, amount: 1.0, merchant: "m"), key: &probe, watermark: c.expiresAt - 1, upstream: [], into: &values)
            let unseen: FeatureValue =
                switch aggregation {
                case .count: .int(0)
                case .firstSeen: .int(1)
                default: .missing
                }
            #expect(values[0] != unseen, "\(aggregation)")
            // At expiry it does not: deleting the state changes nothing.
            probe = key
            engine.apply(F.record(ts: c.expiresAt, amount: 1.0, merchant: "m"), key: &probe, watermark: c.expiresAt, upstream: [], into: &values)
            #expect(values[0] == unseen, "\(aggregation)")
        }
    }

    @Test("a key with an open window is not expired until the window is closed")
    func openWindowsKeepKeys() throws {
        let engine = try FeatureEngine(
            schema: F.schema, features: [F.feature("s", .count, nil, .session(gapMillis: Self.minute))], graceMillis: 0)
        var key = KeyState()
        var values: [FeatureValue] = []
        var results: [FeatureEngine.WindowResult] = []
        engine.apply(F.record(ts: 1_000, amount: 1.0), key: &key, watermark: 1_000, upstream: [], into: &values)
        #expect(key.nextTimer == 61_000)
        #expect(!engine.isExpired(key, watermark: 10 * Self.hour))
        engine.closeWindows(&key, watermark: 60_999, into: &results)
        #expect(results.isEmpty)
        engine.closeWindows(&key, watermark: 61_000, into: &results)
        #expect(results == [FeatureEngine.WindowResult(featureIndex: 0, start: 1_000, end: 1_000, count: 1, value: .int(1))])
        #expect(engine.isExpired(key, watermark: 61_000))
    }
}
