import Foundation
import Testing
import VigilCore
import VigilRuntime
import VigilTesting
import VigilTopology

/// The topology test driver runs the same tasks as live, without a broker.
@Suite("Topology test driver")
struct TestDriverTests {
    static func tx(_ card: String, ts: Int64, amount: Double) -> [UInt8] {
        Support.encode(Transaction(
            txnID: "t\(ts)", cardID: card, merchantID: "m", amount: amount, currency: "EUR", country: "FR", mcc: 5411,
            channel: .pos, entryMode: .chip, deviceID: nil, timestamp: ts))
    }

    @Test("late events go to the dead-letter topic with their bytes and a reason, and leave state unchanged")
    func lateEventsAreDeadLettered() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let driver = try TopologyTestDriver(topology: try Support.topology(stateDirectory: dir))
        defer { driver.close() }
        let late = Self.tx("c1", ts: 1_000_000 - 61_000, amount: 5)  // grace is 1m
        try driver.pipe([
            (key: nil, value: Self.tx("c1", ts: 1_000_000, amount: 1)),
            (key: nil, value: late),
            (key: nil, value: Self.tx("c1", ts: 1_000_000 - 59_000, amount: 2)),
        ])
        #expect(driver.featureEvents.count == 2)
        let dlq = try #require(driver.deadLetters.first)
        #expect(driver.deadLetters.count == 1)
        #expect(dlq.value == late)
        #expect(dlq.header("vigil.error.kind") == "late")
        #expect(dlq.header("vigil.error.reason")?.contains("61000 ms behind") == true)
        #expect(dlq.header("vigil.source.offset") == "1")
        #expect(try driver.committedStates().map(\.eventCount) == [2])
    }

    @Test("state survives closing the driver: a new driver on the same directory resumes at the stored offset")
    func resumesFromStoredOffset() throws {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let topology = try Support.topology(stateDirectory: dir)
        let first = try TopologyTestDriver(topology: topology, stateDirectory: dir)
        try first.pipe([(key: nil, value: Self.tx("c1", ts: 1_000, amount: 1)), (key: nil, value: Self.tx("c1", ts: 2_000, amount: 2))])
        first.close()
        let second = try TopologyTestDriver(topology: topology, stateDirectory: dir)
        defer { second.close() }
        try second.pipe([(key: nil, value: Self.tx("c1", ts: 3_000, amount: 4))])
        let event = try FeatureEvent(try #require(second.featureEvents.first?.value))
        #expect(event.eventID.hasSuffix(":0:2"), "the third record gets offset 2")
        #expect(event.features["n_5m"] == 2)
        #expect(event.features["s_5m"] == 3)
        #expect(try second.committedStates().map(\.eventCount) == [3])
    }
}
