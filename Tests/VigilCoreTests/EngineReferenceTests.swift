import Testing
@testable import VigilCore

/// The engine against the naive reference (docs/semantics.md) on randomised streams: out-of-order events within
/// grace, late events, equal timestamps, bursty and idle keys, missing optional values, every aggregation × window
/// kind, ratios over local and upstream values, encode/decode round trips and key expiry.
@Suite("Feature engine matches the naive reference")
struct EngineReferenceTests {
    /// Generates one randomised stream and feeds it through a harness.
    static func run(
        seed: UInt64, events: Int, limit: Int, grace: Int64 = 800, features: [FeatureSpec] = EngineFixtures.allFeatures
    ) throws -> EngineHarness {
        var h = try EngineHarness(
            features: features, grace: grace, limit: limit, upstream: ["up"], seed: seed, label: "seed \(seed):")
        var rng = TestRNG(seed: seed)
        let keyCount = 1 + rng.int(5)
        let merchants = limit < 100 ? 12 : 6
        var clock: Int64 = 1_000_000 + rng.int(10_000)
        var stream: Int64 = 0
        for _ in 0..<events {
            // Bursts (many events per ms range), normal traffic, and occasional long idle gaps (expiry).
            if rng.chance(3) {
                clock += 3_000 + rng.int(20_000)
            } else if rng.chance(25) {
                clock += rng.int(10)
            } else {
                clock += rng.int(250)
            }
            var ts = clock
            if rng.chance(25) { ts -= rng.int(grace + grace / 3) }  // out of order; beyond the grace it is late
            if rng.chance(50) { ts = ts / 100 * 100 }  // ties, and times on window and tile boundaries
            if stream > 0 && rng.chance(6) { ts = stream - grace }  // exactly at the watermark: still applied
            if stream > 0 && rng.chance(2) { ts = stream - grace - 1 }  // 1 ms late
            ts = max(ts, 0)
            if ts >= stream - grace { stream = max(stream, ts) }
            let key = "k\(min(rng.int(keyCount), rng.int(keyCount)))"  // skewed: k0 busiest
            let amount: Int64? =
                rng.chance(15) ? nil : rng.chance(30) ? [10_000, 20_000][Int(rng.int(2))] : rng.int(2_000_000) - 200_000
            let qty: Int64? = rng.chance(20) ? nil : rng.int(10)
            let merchant: String? = rng.chance(15) ? nil : "m\(rng.int(Int64(merchants)))"
            let flag: Bool? = rng.chance(10) ? nil : rng.chance(50)
            let upstream: [FeatureValue] = [[.missing, .int(0), .int(3), .decimal(units: 25_000), .double(1.5)][Int(rng.int(5))]]
            h.feed(
                EngineFixtures.record(key: key, ts: ts, amount: amount, qty: qty, merchant: merchant, flag: flag),
                key: key, upstream: upstream)
        }
        h.finish()
        return h
    }

    /// The feature groups of the randomised runs (each seed runs one group; the interplay of all features is
    /// covered by ``allFeaturesTogether``).
    static let groups: [(name: String, features: [FeatureSpec])] = [
        ("exact", EngineFixtures.exactFeatures), ("tiled", EngineFixtures.tiledFeatures),
        ("windowed", EngineFixtures.windowedMix),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var group: Int
        var limit: Int
        var grace: Int64
        var seeds: Range<UInt64>
        var testDescription: String {
            "\(EngineReferenceTests.groups[group].name) features, distinct limit \(limit), grace \(grace) ms, seeds \(seeds)"
        }
    }

    /// 2 limits × (3 groups with 800 ms of grace + 2 groups with a grace longer than some windows) × 20 seeds =
    /// 200 randomised streams of 250 events.
    static let cases: [Case] = [1000, 3].flatMap { limit in
        [(0, 800), (1, 800), (2, 800), (0, 2_500), (1, 2_500)].map { g, grace in
            let first = UInt64(limit * 10 + g * 100 + Int(grace))
            return Case(group: g, limit: limit, grace: Int64(grace), seeds: first..<(first + 20))
        }
    }

    @Test("random streams: every value, window result and expiry matches the reference", arguments: cases)
    func randomStreams(_ c: Case) throws {
        var late = 0, roundTrips = 0, expiries = 0, results = 0
        for seed in c.seeds {
            let h = try Self.run(
                seed: seed, events: 250, limit: c.limit, grace: c.grace, features: Self.groups[c.group].features)
            #expect(h.failures.isEmpty, "\(h.failures.joined(separator: "\n"))")
            late += h.late
            roundTrips += h.roundTrips
            expiries += h.expiries
            results += h.windowResults
        }
        // The streams exercise what they claim to.
        #expect(late > 30)
        #expect(roundTrips > 100)
        #expect(expiries > 10)
        if c.group == 2 { #expect(results > 2_000) }
    }

    @Test("random streams with every feature kind in one stage", arguments: [1000, 3])
    func allFeaturesTogether(limit: Int) throws {
        for seed in UInt64(500)..<UInt64(504) {
            let h = try Self.run(seed: seed, events: 250, limit: limit)
            #expect(h.failures.isEmpty, "\(h.failures.joined(separator: "\n"))")
        }
    }
}
