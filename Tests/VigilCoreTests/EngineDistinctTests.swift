import Testing
@testable import VigilCore

/// Distinct counts: the stable value hash, the exact-to-HyperLogLog switch and the estimate's accuracy.
@Suite("Distinct counts")
struct EngineDistinctTests {
    typealias F = EngineFixtures
    static let hour: Int64 = 3_600_000

    @Test("the value hash is stable: these outputs are part of the stored state and must never change")
    func stableHash() {
        #expect(StableHash.hash(.missing) == 0)
        #expect(StableHash.hash(.string("m000123")) == 0xE9A5_F628_77D9_8C69)
        #expect(StableHash.hash(.string("")) == 0x0D7C_EA42_B505_7E4C)
        #expect(StableHash.hash(.int(42)) == 0x516B_ABD4_525E_6505)
        #expect(StableHash.hash(.decimal(units: 42)) == 0x2548_2CBE_5788_A6D8)
        #expect(StableHash.hash(.bool(true)) == 0x7FDB_A882_4E8C_E82A)
        // (Checked against an independent Python implementation of FNV-1a 64 + fmix64.)
        // Type-tagged: the same bits of another type hash differently.
        #expect(StableHash.hash(.int(42)) != StableHash.hash(.decimal(units: 42)))
        // Non-ASCII strings hash their UTF-8 bytes.
        #expect(StableHash.hash(.string("café")) == StableHash.hash(string: "caf\u{E9}"))
        #expect(StableHash.hash(.string("café")) != StableHash.hash(.string("cafe")))
    }

    @Test("HyperLogLog estimates stay within 4 standard errors", arguments: [10, 100, 1_000, 5_000, 20_000, 200_000])
    func hyperLogLogAccuracy(n: Int) {
        var registers = [UInt8](repeating: 0, count: HyperLogLog.registerCount)
        var state = HyperLogLogState()
        state.reset()
        for i in 0..<n {
            let h = StableHash.hash(.string("value-\(i)"))
            HyperLogLog.add(h, to: &registers)
            state.add(h)
        }
        let estimate = HyperLogLog.estimate(registers)
        #expect(state.estimate(adding: 0) == estimate)  // incremental and full estimates agree exactly
        let error = abs(Double(estimate - Int64(n))) / Double(n)
        #expect(error <= 4 * 1.04 / 64, "n \(n): estimate \(estimate)")
    }

    @Test("a sketch is exact up to the limit, then approximate for good; unions follow")
    func sketch() {
        var s = DistinctSketch()
        for i in 0..<10 {
            let grew = s.insert(StableHash.hash(.int(Int64(i))), limit: 10)
            #expect(grew)
        }
        let again = s.insert(StableHash.hash(.int(3)), limit: 10)
        #expect(!again)
        #expect(s.isExact && s.cardinality == 10)
        s.insert(StableHash.hash(.int(10)), limit: 10)
        #expect(!s.isExact && s.cardinality == 11)
        var t = DistinctSketch()
        t.insert(StableHash.hash(.int(99)), limit: 10)
        t.formUnion(s, limit: 10)
        #expect(!t.isExact && t.cardinality == 12)
    }

    @Test("a tiled window is exact while every tile is exact and the union is within the limit")
    func tiledExactness() throws {
        // 1h window in 10-minute tiles, limit 8.
        let engine = try FeatureEngine(
            schema: F.schema,
            features: [
                F.feature("d", .distinctCount, "merchant", .trailing(millis: Self.hour, tileMillis: 600_000)),
                F.feature("d_cur", .distinctCount, "merchant", .trailing(millis: Self.hour, tileMillis: 600_000), includeCurrent: true),
            ],
            graceMillis: 0, distinctExactLimit: 8)
        var key = KeyState()
        var values: [FeatureValue] = []
        var t: Int64 = 100 * Self.hour
        // 8 distinct merchants over several tiles: exact.
        for i in 0..<8 {
            engine.apply(F.record(ts: t, amount: 1.0, merchant: "m\(i)"), key: &key, watermark: t, upstream: [], into: &values)
            t += 300_000
        }
        engine.apply(F.record(ts: t, amount: 1.0, merchant: "m0"), key: &key, watermark: t, upstream: [], into: &values)
        #expect(values == [.int(8), .int(8)])
        #expect(key.caches.allSatisfy { $0.mode == .exact })
        // A ninth value: the union exceeds the limit, the value is the estimate (here exactly 9 as well).
        t += 300_000
        engine.apply(F.record(ts: t, amount: 1.0, merchant: "m8"), key: &key, watermark: t, upstream: [], into: &values)
        #expect(values == [.int(8), .int(9)])
        t += 300_000
        engine.apply(F.record(ts: t, amount: 1.0, merchant: "m0"), key: &key, watermark: t, upstream: [], into: &values)
        #expect(values == [.int(9), .int(9)])
        #expect(key.caches[0].mode == .approximate)
        // An hour later the old values have left the window: exact again.
        t += Self.hour
        engine.apply(F.record(ts: t, amount: 1.0, merchant: "m0"), key: &key, watermark: t, upstream: [], into: &values)
        #expect(values == [.int(0), .int(1)])
        t += 60_000
        engine.apply(F.record(ts: t, amount: 1.0, merchant: "m1"), key: &key, watermark: t, upstream: [], into: &values)
        #expect(values == [.int(1), .int(2)])
        #expect(key.caches[0].mode == .exact)
    }

    @Test("tiled and windowed distinct counts of many values are within 4 standard errors")
    func largeCardinalities() throws {
        let engine = try FeatureEngine(
            schema: F.schema,
            features: [
                F.feature("d7d", .distinctCount, "merchant", .trailing(millis: 7 * 24 * Self.hour, tileMillis: Self.hour)),
                F.feature("tumble", .distinctCount, "merchant", .tumbling(sizeMillis: 1_000 * Self.hour)),
            ],
            graceMillis: 0, distinctExactLimit: 100)
        var key = KeyState()
        var values: [FeatureValue] = []
        var results: [FeatureEngine.WindowResult] = []
        let n = 30_000
        for i in 0..<n {
            // A value seen twice (exact duplicates must not count twice), spread over 100 hours.
            let t = Int64(i) * 12_000
            engine.apply(F.record(ts: t, amount: 1.0, merchant: "v\(i / 2)"), key: &key, watermark: t, upstream: [], into: &values)
        }
        guard case .int(let estimate) = values[0] else {
            Issue.record("not an int: \(values[0])")
            return
        }
        let truth = Double(n / 2)
        #expect(abs(Double(estimate) - truth) <= 4 * 1.04 / 64 * truth, "tiled estimate \(estimate)")
        engine.closeWindows(&key, watermark: .max, into: &results)
        guard results.count == 1, case .int(let windowed) = results[0].value else {
            Issue.record("results \(results)")
            return
        }
        #expect(abs(Double(windowed) - truth) <= 4 * 1.04 / 64 * truth, "windowed estimate \(windowed)")
        #expect(results[0].count == Int64(n))
    }
}
