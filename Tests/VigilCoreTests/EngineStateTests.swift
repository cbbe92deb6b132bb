import Testing
@testable import VigilCore

/// The binary form of `KeyState`: header, round trips, malformed input, and feature changes between runs.
@Suite("Key state encoding")
struct EngineStateTests {
    typealias F = EngineFixtures
    static let hour: Int64 = 3_600_000
    static let day = 24 * hour

    /// A stream of one key: an event every 7 minutes, some out of order, merchants from a small set.
    static func events(_ range: Range<Int>) -> [Record] {
        range.map { i in
            let ts = Int64(i) * 7 * 60_000 - (i % 5 == 3 ? 9 * 60_000 : 0)
            return F.record(
                ts: ts, amount: i % 4 == 1 ? nil : Int64(i * 3_517 % 100_000), qty: Int64(i % 3),
                merchant: i % 6 == 0 ? nil : "m\(i % 9)")
        }
    }

    static let richFeatures: [FeatureSpec] = [
        F.feature("n1h", .count, nil, .trailing(millis: hour, tileMillis: nil)),
        F.feature("var1h", .variance, "amount", .trailing(millis: hour, tileMillis: nil)),
        F.feature("d1h", .distinctCount, "merchant", .trailing(millis: hour, tileMillis: nil)),
        F.feature("since", .timeSinceLast, nil, .trailing(millis: day, tileMillis: hour)),
        F.feature("seen7d", .firstSeen, "merchant", .trailing(millis: 7 * day, tileMillis: nil)),
        F.feature("sum30d", .sum, "amount", .trailing(millis: 30 * day, tileMillis: day)),
        F.feature("last30d", .last, "amount", .trailing(millis: 30 * day, tileMillis: day)),
        F.feature("d30d", .distinctCount, "merchant", .trailing(millis: 30 * day, tileMillis: day)),
        F.feature("tumble", .mean, "amount", .tumbling(sizeMillis: hour)),
        F.feature("session", .distinctCount, "merchant", .session(gapMillis: 20 * 60_000)),
    ]

    /// Applies `records` with a watermark 10 minutes behind the stream time, closing due windows.
    static func run(
        _ engine: FeatureEngine, _ records: [Record], _ key: inout KeyState, stream: inout Int64
    ) -> (values: [[FeatureValue]], results: [FeatureEngine.WindowResult]) {
        var out: [[FeatureValue]] = []
        var results: [FeatureEngine.WindowResult] = []
        var values: [FeatureValue] = []
        for r in records {
            stream = max(stream, r.timestamp)
            let w = stream - 600_000
            guard r.timestamp >= w else { continue }
            engine.apply(r, key: &key, watermark: w, upstream: [], into: &values)
            out.append(values)
            if key.nextTimer <= w { engine.closeWindows(&key, watermark: w, into: &results) }
        }
        return (out, results)
    }

    /// The section ids of an encoded state.
    static func sections(_ bytes: [UInt8]) -> [UInt32] {
        bytes.withUnsafeBytes { raw in
            var r = StateReader(raw, from: 17)
            var ids: [UInt32] = []
            let n = r.read(UInt16.self) ?? 0
            for _ in 0..<n {
                guard let id = r.readID(KeyState.formatVersion), let length = r.readCount(KeyState.formatVersion),
                    r.skip(length)
                else { break }
                ids.append(id)
            }
            return ids
        }
    }

    @Test("the fixed header gives the newest event time and the next timer without decoding")
    func header() throws {
        let engine = try FeatureEngine(schema: F.schema, features: Self.richFeatures, graceMillis: 600_000)
        var key = KeyState()
        var stream = Int64.min
        _ = Self.run(engine, Self.events(0..<40), &key, stream: &stream)
        let bytes = key.encoded()
        #expect(bytes[0] == KeyState.formatVersion)
        let header = bytes.withUnsafeBytes { KeyState.header(of: $0) }
        #expect(header?.newest == key.newestTimestamp)
        #expect(header?.nextTimer == key.nextTimer)
        #expect(key.nextTimer < .max)
        #expect(Array(bytes.prefix(16)).withUnsafeBytes { KeyState.header(of: $0) } == nil)
        #expect(([KeyState.formatVersion + 1] + bytes.dropFirst()).withUnsafeBytes { KeyState.header(of: $0) } == nil)
        let empty = KeyState().encoded()
        #expect(empty.withUnsafeBytes { KeyState.header(of: $0) }! == (Int64.min, Int64.max))
        #expect(try KeyState(decoding: empty, engine: engine) == KeyState())
    }

    @Test("the encoder writes the reference encoder's bytes, for small states and for sections longer than 16 KiB")
    func matchesTheReferenceEncoder() throws {
        // A 30-day exact buffer and daily tiles keep every event: lengths need 1-, 2- and 3-byte varints.
        let features = Self.richFeatures + [
            F.feature("sum30dExact", .sum, "amount", .trailing(millis: 30 * Self.day, tileMillis: nil)),
            F.feature("d30dExact", .distinctCount, "merchant", .trailing(millis: 30 * Self.day, tileMillis: nil)),
        ]
        for limit in [1000, 3] {
            let engine = try FeatureEngine(
                schema: F.schema, features: features, graceMillis: 600_000, distinctExactLimit: limit)
            var key = KeyState()
            #expect(key.encoded() == key.referenceEncoded())
            var stream = Int64.min
            var checked = 0
            for chunk in stride(from: 0, to: 6_000, by: 250) {
                _ = Self.run(engine, Self.events(chunk..<(chunk + 250)), &key, stream: &stream)
                let bytes = key.encoded()
                #expect(bytes == key.referenceEncoded(), "after \(chunk + 250) events, limit \(limit)")
                var prefixed: [UInt8] = [7, 7]
                key.encode(into: &prefixed)
                #expect(prefixed == [7, 7] + bytes)
                checked = bytes.count
            }
            #expect(checked > 3 * 16_384)
        }
    }

    @Test("a state stored in format 1 (names, fixed-width columns) still decodes")
    func formatOne() throws {
        let engine = try FeatureEngine(
            schema: F.schema, features: [F.feature("n", .count, nil, .trailing(millis: Self.hour, tileMillis: nil))],
            graceMillis: 0)
        func name(_ text: String) -> [UInt8] { le(UInt16(text.utf8.count)) + Array(text.utf8) }
        func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        let times: [Int64] = [1_000, 2_000, 2_500]
        let column = name("@ts") + [StateCoding.int64] + le(UInt32(24)) + times.flatMap { le($0) }
        let events = le(Int64.min) + le(UInt32(3)) + le(UInt16(1)) + column
        let count = le(Int64(3))
        let bytes: [UInt8] = [1] + le(Int64(2_500)) + le(Int64.max) + le(UInt16(2))
            + name("count") + le(UInt32(count.count)) + count + name("events") + le(UInt32(events.count)) + events
        var state = try KeyState(decoding: bytes, engine: engine)
        #expect(state.eventCount == 3)
        #expect(state.newestTimestamp == 2_500)
        var values: [FeatureValue] = []
        engine.apply(F.record(ts: 3_000, amount: 1.0), key: &state, watermark: 0, upstream: [], into: &values)
        #expect(values == [.int(3)])
        let again = try KeyState(decoding: state.encoded(), engine: engine)
        #expect(again == state)
        #expect(state.encoded()[0] == KeyState.formatVersion)
    }

    @Test("a decoded state is equal and gives the same values and window results as the original")
    func roundTrip() throws {
        let engine = try FeatureEngine(
            schema: F.schema, features: Self.richFeatures, graceMillis: 600_000, distinctExactLimit: 4)
        var original = KeyState()
        var stream = Int64.min
        _ = Self.run(engine, Self.events(0..<300), &original, stream: &stream)
        var decoded = try KeyState(decoding: original.encoded(), engine: engine)
        #expect(decoded == original)
        #expect(decoded.encoded().count == original.encoded().count)
        var s1 = stream
        var s2 = stream
        let a = Self.run(engine, Self.events(300..<600), &original, stream: &s1)
        let b = Self.run(engine, Self.events(300..<600), &decoded, stream: &s2)
        #expect(a.values == b.values)
        #expect(a.results == b.results)
        #expect(!a.results.isEmpty)
        #expect(decoded == original)
    }

    @Test("every truncation and many corruptions of an encoding are rejected or decoded, never a crash")
    func malformedInput() throws {
        let engine = try FeatureEngine(
            schema: F.schema, features: Self.richFeatures, graceMillis: 600_000, distinctExactLimit: 4)
        var key = KeyState()
        var stream = Int64.min
        _ = Self.run(engine, Self.events(0..<120), &key, stream: &stream)
        let bytes = key.encoded()
        for n in 0..<bytes.count {
            #expect(throws: FeatureEngineError.self) { try KeyState(decoding: Array(bytes.prefix(n)), engine: engine) }
        }
        #expect(throws: FeatureEngineError.self) { try KeyState(decoding: bytes + [0], engine: engine) }
        var rng = TestRNG(seed: 99)
        var rejected = 0
        for _ in 0..<1_500 {
            var corrupt = bytes
            for _ in 0..<(1 + rng.int(3)) {
                corrupt[Int(rng.int(Int64(corrupt.count)))] = UInt8(truncatingIfNeeded: rng.next())
            }
            do {
                var state = try KeyState(decoding: corrupt, engine: engine)
                // Whatever decoded must be usable.
                var s = stream
                _ = Self.run(engine, Self.events(120..<130), &state, stream: &s)
                _ = state.encoded()
            } catch {
                rejected += 1
                #expect(error.code == .corruptState)
            }
        }
        #expect(rejected > 50)
    }

    @Test("adding and removing features keeps the other features' state")
    func featureChanges() throws {
        let before = [
            F.feature("n1h", .count, nil, .trailing(millis: Self.hour, tileMillis: nil)),
            F.feature("d1h", .distinctCount, "merchant", .trailing(millis: Self.hour, tileMillis: nil)),
            F.feature("sum30d", .sum, "amount", .trailing(millis: 30 * Self.day, tileMillis: Self.day)),
            F.feature("tumble", .sum, "amount", .tumbling(sizeMillis: Self.hour)),
            F.feature("gone", .max, "amount", .hopping(sizeMillis: 2 * Self.hour, advanceMillis: Self.hour)),
        ]
        let after = [
            F.feature("sum1h", .sum, "amount", .trailing(millis: Self.hour, tileMillis: nil)),  // new buffer column
            before[0], before[1], before[2],
            F.feature("max30d", .max, "amount", .trailing(millis: 30 * Self.day, tileMillis: Self.day)),  // new tile column
            before[3],
            F.feature("tumble_mean", .mean, "amount", .tumbling(sizeMillis: Self.hour)),  // new windowed feature
        ]
        let a = try FeatureEngine(schema: F.schema, features: before, graceMillis: 600_000)
        let b = try FeatureEngine(schema: F.schema, features: after, graceMillis: 600_000)
        var keyA = KeyState()
        var keyB = KeyState()  // b from the start, for comparison
        var sa = Int64.min
        var sb = Int64.min
        _ = Self.run(a, Self.events(0..<200), &keyA, stream: &sa)
        _ = Self.run(b, Self.events(0..<200), &keyB, stream: &sb)
        let bytes = keyA.encoded()
        #expect(Self.sections(bytes).contains(StateNames.id("window/gone")))
        var switched = try KeyState(decoding: bytes, engine: b)
        #expect(!Self.sections(switched.encoded()).contains(StateNames.id("window/gone")))
        let continued = Self.run(b, Self.events(200..<400), &switched, stream: &sa)
        let reference = Self.run(b, Self.events(200..<400), &keyB, stream: &sb)
        for (x, y) in zip(continued.values, reference.values) {
            #expect(Array(x[1...3]) == Array(y[1...3]))  // n1h, d1h, sum30d: unaffected
        }
        // sum1h read the old entries' amounts as missing; an hour later both agree.
        #expect(continued.values[0][0] != reference.values[0][0])
        #expect(continued.values.last![0] == reference.values.last![0])
        // max30d started from tiles without a max: it only knows the events since the switch.
        #expect(continued.values.last![4] != reference.values.last![4])
        let tumble = b.windowedFeatures.firstIndex { $0.name == "tumble" }!
        #expect(continued.results.filter { $0.featureIndex == tumble } == reference.results.filter { $0.featureIndex == tumble })
        // The new windowed feature's first window lacks the events before the switch.
        let mean = b.windowedFeatures.firstIndex { $0.name == "tumble_mean" }!
        #expect(continued.results.first { $0.featureIndex == mean } != reference.results.first { $0.featureIndex == mean })
    }

    @Test("a windowed feature whose definition changed (same id) drops its open windows")
    func changedDefinition() throws {
        let old = try FeatureEngine(
            schema: F.schema, features: [F.feature("t", .sum, "amount", .tumbling(sizeMillis: Self.hour))],
            graceMillis: 0)
        let new = try FeatureEngine(
            schema: F.schema, features: [F.feature("t", .sum, "amount", .tumbling(sizeMillis: 2 * Self.hour))],
            graceMillis: 0)
        var key = KeyState()
        var values: [FeatureValue] = []
        old.apply(F.record(ts: 10 * Self.hour + 5, amount: 1.0), key: &key, watermark: 0, upstream: [], into: &values)
        #expect(key.nextTimer == 11 * Self.hour)
        let decoded = try KeyState(decoding: key.encoded(), engine: new)
        #expect(decoded.nextTimer == .max)
        #expect(new.isExpired(decoded, watermark: 0))
        let same = try KeyState(decoding: key.encoded(), engine: old)
        #expect(same.nextTimer == 11 * Self.hour)
    }

    @Test("a state applied by an engine with another layout is converted on first use")
    func stateFromAnotherEngine() throws {
        let small = try FeatureEngine(
            schema: F.schema, features: [F.feature("n", .count, nil, .trailing(millis: Self.hour, tileMillis: nil))],
            graceMillis: 0)
        let large = try FeatureEngine(
            schema: F.schema,
            features: [
                F.feature("n", .count, nil, .trailing(millis: Self.hour, tileMillis: nil)),
                F.feature("s", .sum, "amount", .trailing(millis: Self.hour, tileMillis: nil)),
            ], graceMillis: 0)
        var key = KeyState()
        var values: [FeatureValue] = []
        small.apply(F.record(ts: 1_000, amount: 2.0), key: &key, watermark: 0, upstream: [], into: &values)
        large.apply(F.record(ts: 2_000, amount: 3.0), key: &key, watermark: 0, upstream: [], into: &values)
        #expect(values == [.int(1), .decimal(units: 0)])
        large.apply(F.record(ts: 3_000, amount: 4.0), key: &key, watermark: 0, upstream: [], into: &values)
        #expect(values == [.int(2), .decimal(units: 30_000)])
    }
}
