import Foundation
import Testing
import VigilCore
import VigilRuntime
import VigilTesting
import VigilTopology

/// The topology test driver runs the same tasks as live, without a broker: event time, lateness, windows, idle
/// partitions, expiry and stable state across topology edits.
@Suite("Topology test driver")
struct TestDriverTests {
    static let minute: Int64 = 60_000
    static let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00Z

    static func tx(_ card: String, ts: Int64, amount: Double = 1, merchant: String = "m") -> [UInt8] {
        Support.encode(Transaction(
            txnID: "t\(ts)-\(card)", cardID: card, merchantID: merchant, amount: amount, currency: "EUR", country: "FR",
            mcc: 5411, channel: .pos, entryMode: .chip, deviceID: nil, timestamp: ts))
    }

    static func records(_ values: [[UInt8]]) -> [(key: [UInt8]?, value: [UInt8]?)] {
        values.map { (key: nil, value: $0) }
    }

    static func topology(_ features: String, extra: String = "", dir: String) throws -> Topology {
        let yaml = """
            name: drv
            source: {topic: drv-in, partitions: 1}
            stages:
              - name: card
                key: card_id
                features:
            \(features)
            grace: 5m
            state_dir: \(dir)
            \(extra)
            """
        return try TopologyLoader.parse(yaml: yaml, file: "drv.yaml")
    }

    @Test("an event behind the partition's stream time by more than the grace period goes to the late topic, unchanged, and changes no state")
    func lateEvents() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try Self.topology("      - {name: n_1h, aggregation: count, window: 1h}", dir: dir)
        let driver = try TopologyTestDriver(topology: t)
        defer { driver.close() }
        let late = Self.tx("c2", ts: Self.t0 - 1)  // another card: lateness is per partition, not per key
        try driver.pipe(Self.records([
            Self.tx("c1", ts: Self.t0),
            Self.tx("c1", ts: Self.t0 + 5 * Self.minute),  // stream time 00:05, watermark 00:00
            Self.tx("c1", ts: Self.t0 + 3 * Self.minute),  // 2 min behind: applied at its place
            late,                                            // 5 min + 1 ms behind: late
            Self.tx("c1", ts: Self.t0 + 6 * Self.minute),
        ]))
        let events = try driver.featureEvents.map { try FeatureEvent(try #require($0.value)) }
        #expect(events.map { $0.features["n_1h"] } == [0, 1, 1, 3])
        #expect(driver.lateEvents.count == 1)
        let record = try #require(driver.lateEvents.first)
        #expect(record.value == late)
        #expect(record.header("vigil.error.kind") == "late")
        #expect(record.header("vigil.error.reason")?.contains("300001 ms behind") == true)
        #expect(record.header("vigil.error.reason")?.contains("grace period of 300000 ms") == true)
        #expect(record.header("vigil.source.offset") == "3")
        #expect(driver.deadLetters.isEmpty)
        #expect(try driver.committedStates().map(\.key) == ["c1"], "the late card left no state")
    }

    @Test("a session window's result is written when the watermark passes its last event plus the gap")
    func sessionWindowCloses() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try Self.topology("""
                  - {name: n_1h, aggregation: count, window: 1h}
                  - {name: session_n, aggregation: count, window: {session: 30m}}
                  - {name: session_sum, aggregation: sum, field: amount, window: {session: 30m}}
            """, dir: dir)
        let driver = try TopologyTestDriver(topology: t)
        defer { driver.close() }
        try driver.pipe(Self.records([
            Self.tx("c1", ts: Self.t0, amount: 1),
            Self.tx("c1", ts: Self.t0 + 10 * Self.minute, amount: 2),
            Self.tx("c1", ts: Self.t0 + 20 * Self.minute, amount: 4),
            Self.tx("c2", ts: Self.t0 + 54 * Self.minute),  // watermark 00:49 < 00:50: still open
        ]))
        #expect(driver.windowEvents.isEmpty)
        try driver.pipe(Self.records([Self.tx("c2", ts: Self.t0 + 55 * Self.minute)]))  // watermark 00:50: closes
        let windows = try driver.windowEvents.map { record -> [String: Any] in
            let value = try #require(record.value)
            return try #require(try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])
        }
        #expect(windows.count == 2)
        for w in windows {
            #expect(w["key"] as? String == "c1")
            let window = try #require(w["window"] as? [String: Any])
            #expect(window["kind"] as? String == "session")
            #expect((window["start"] as? NSNumber)?.int64Value == Self.t0)
            #expect((window["end"] as? NSNumber)?.int64Value == Self.t0 + 20 * Self.minute)
            #expect((w["count"] as? NSNumber)?.intValue == 3)
        }
        #expect(windows.compactMap { w in w["feature"] as? String == "session_sum" ? (w["value"] as? NSNumber)?.doubleValue : nil } == [7])
        #expect(windows.compactMap { w in w["feature"] as? String == "session_n" ? (w["value"] as? NSNumber)?.intValue : nil } == [3])
        let id = try #require(windows.first?["event_id"] as? String)
        #expect(id.hasPrefix("drv:card:session_") && id.hasSuffix(":c1:\(Self.t0)"))
    }

    @Test("with idle_timeout, a quiet partition's windows close on the wall clock; without it they wait for events")
    func idleTimeoutClosesWindows() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for idle in [false, true] {
            let t = try Self.topology(
                "      - {name: tumbling_n, aggregation: count, window: {tumbling: 10m}}",
                extra: idle ? "idle_timeout: 30s" : "", dir: "\(dir)/\(idle)")
            let driver = try TopologyTestDriver(topology: t)
            defer { driver.close() }
            try driver.pipe(Self.records([Self.tx("c1", ts: Self.t0), Self.tx("c1", ts: Self.t0 + Self.minute)]))
            try driver.advanceWallClock(by: .seconds(20))
            #expect(driver.windowEvents.isEmpty, "20 s of quiet is less than the timeout")
            try driver.advanceWallClock(by: .seconds(20 * 60))
            #expect(driver.windowEvents.count == (idle ? 1 : 0))
        }
    }

    @Test("a key with nothing left that a future event could see is removed from RocksDB, touched or not")
    func idleKeysExpire() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try Self.topology("      - {name: n_1h, aggregation: count, window: 1h}", dir: dir)
        let driver = try TopologyTestDriver(topology: t)
        defer { driver.close() }
        try driver.pipe(Self.records((0..<50).map { Self.tx("old\($0)", ts: Self.t0 + Int64($0)) }))
        #expect(try driver.committedStates().count == 50)
        // A day later only c1 is active: the 50 old keys are beyond 1h + 5m of every applicable event.
        try driver.pipe(Self.records((0..<10).map { Self.tx("c1", ts: Self.t0 + 86_400_000 + Int64($0) * Self.minute) }))
        try driver.compactState()
        #expect(try driver.committedStates().map(\.key) == ["c1"])
    }

    @Test("a key with steady traffic keeps bounded state")
    func steadyKeyIsBounded() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try Self.topology("""
                  - {name: n_1h, aggregation: count, window: 1h}
                  - {name: s_7d, aggregation: sum, field: amount, window: 7d}
                  - {name: z_30d, aggregation: zscore, field: amount, window: 30d}
                  - {name: seen_m, aggregation: first_seen, field: merchant_id, window: 30d}
            """, dir: dir)
        let driver = try TopologyTestDriver(topology: t)
        defer { driver.close() }
        var sizes: [Int] = []
        for day in 0..<60 {
            // One event every 10 minutes, merchants cycling through 20.
            let day0 = Self.t0 + Int64(day) * 86_400_000
            try driver.pipe(Self.records((0..<144).map {
                Self.tx("c1", ts: day0 + Int64($0) * 10 * Self.minute, merchant: "m\(($0 + day) % 20)")
            }))
            if day == 39 || day == 59 {
                sizes.append(try #require(driver.committedStates().first).state.approximateBytes)
            }
        }
        #expect(sizes.count == 2)
        #expect(sizes[1] <= sizes[0] + sizes[0] / 10, "state after 60 days (\(sizes[1]) B) is no larger than after 40 (\(sizes[0]) B)")
    }

    @Test("adding and removing features keeps the state of the others (stable ids)")
    func stableIdsAcrossEdits() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let v1 = try Self.topology("""
                  - {name: n_1h, aggregation: count, window: 1h}
                  - {name: s_1h, aggregation: sum, field: amount, window: 1h}
            """, dir: dir)
        let first = try TopologyTestDriver(topology: v1, stateDirectory: dir)
        try first.pipe(Self.records((0..<5).map { Self.tx("c1", ts: Self.t0 + Int64($0) * Self.minute, amount: 2) }))
        first.close()
        // v2 drops s_1h, renames n_1h (keeping its id) and adds distinct merchants.
        let v2 = try Self.topology("""
                  - {name: card_count_1h, id: n_1h, aggregation: count, window: 1h}
                  - {name: merchants_1h, aggregation: distinct_count, field: merchant_id, window: 1h}
            """, dir: dir)
        let second = try TopologyTestDriver(topology: v2, stateDirectory: dir)
        defer { second.close() }
        try second.pipe(Self.records([Self.tx("c1", ts: Self.t0 + 10 * Self.minute)]))
        let event = try FeatureEvent(try #require(second.featureEvents.first?.value))
        #expect(event.features["card_count_1h"] == 5, "the count kept its history across the edit")
        #expect(event.eventID.hasSuffix(":0:5"))
    }

    @Test("an event time in microseconds goes to the dead-letter topic instead of moving the stream time centuries ahead")
    func implausibleEventTime() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try Self.topology("      - {name: n_1h, aggregation: count, window: 1h}", dir: dir)
        let driver = try TopologyTestDriver(topology: t)
        defer { driver.close() }
        let micros = Self.tx("c1", ts: Self.t0 * 1_000)
        try driver.pipe(Self.records([Self.tx("c1", ts: Self.t0), micros, Self.tx("c1", ts: Self.t0 + Self.minute)]))
        #expect(driver.featureEvents.count == 2)
        #expect(driver.lateEvents.isEmpty, "the next event is not late: the stream time did not jump")
        let dead = try #require(driver.deadLetters.first)
        #expect(dead.value == micros)
        #expect(dead.header("vigil.error.kind") == "invalid_value")
        #expect(dead.header("vigil.error.reason")?.contains("after the year 3000") == true)
    }

    @Test("a key longer than 64 KiB travels through the repartition topics intact")
    func longKeyThroughStages() throws {
        var t = try TopologyLoader.load(path: FlagshipTests.flagshipPath)
        t.stateDirectory = "unused"
        let driver = try TopologyTestDriver(topology: t)
        defer { driver.close() }
        let card = String(repeating: "c", count: 70_000)
        try driver.pipe([(key: nil, value: Self.tx(card, ts: Self.t0, merchant: String(repeating: "m", count: 66_000)))])
        #expect(driver.deadLetters.isEmpty)
        let event = try FeatureEvent(try #require(driver.featureEvents.first?.value))
        #expect(event.key == card)
    }

    @Test("keys are compared by their bytes, as RocksDB does: canonically equivalent spellings are different keys")
    func keysAreBytes() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = try Self.topology("      - {name: n_1h, aggregation: count, window: 1h}", dir: dir)
        let driver = try TopologyTestDriver(topology: t)
        defer { driver.close() }
        let composed = "caf\u{E9}", decomposed = "cafe\u{301}"
        #expect(composed == decomposed, "Swift strings compare by canonical equivalence")
        try driver.pipe(Self.records([Self.tx(composed, ts: Self.t0), Self.tx(decomposed, ts: Self.t0 + 1)]))
        let counts = try driver.featureEvents.map { try FeatureEvent(try #require($0.value)).features["n_1h"] }
        #expect(counts == [0, 0], "the second spelling has no history of its own")
        #expect(try driver.committedStates().count == 2)
    }
}
