import Foundation
import Testing
@testable import VigilCore

/// Performance sanity, not asserted as time: prints events/s of the realistic card stage
/// (``FeatureEngineBenchmark``). Run it in release for meaningful numbers:
/// `swift test -c release -Xswiftc -enable-testing --filter EngineThroughputCheck` (`VIGIL_ENGINE_EVENTS` overrides
/// the event count, `VIGIL_ENGINE_MERCHANTS` the merchant stage's number of keys).
@Suite("Engine throughput check")
struct EngineThroughputCheck {
    @Test("applies a realistic mix of ~16 per-event features and prints events/s")
    func throughput() throws {
        #if DEBUG
        let defaultEvents = 20_000
        #else
        let defaultEvents = 200_000
        #endif
        let events = ProcessInfo.processInfo.environment["VIGIL_ENGINE_EVENTS"].flatMap { Int($0) } ?? defaultEvents
        let m = try FeatureEngineBenchmark.run(events: events)
        print(
            "engine throughput (card stage): \(m.events) events × \(m.featuresPerEvent) features in \(m.seconds) s = \(Int(m.eventsPerSecond)) events/s; \(m.windowResults) window results; state \(m.keys) keys, \(m.stateBytes) bytes, encoded in \(m.encodeSeconds) s, decoded in \(m.decodeSeconds) s; checksum \(m.checksum)"
        )
        #expect(m.events > events * 9 / 10)
        #expect(m.featuresPerEvent >= 15)
        #expect(m.windowResults > 0)
    }

    @Test("applies a merchant stage (few busy keys) and prints events/s")
    func merchantThroughput() throws {
        #if DEBUG
        let defaultEvents = 10_000
        #else
        let defaultEvents = 200_000
        #endif
        let events = ProcessInfo.processInfo.environment["VIGIL_ENGINE_EVENTS"].flatMap { Int($0) } ?? defaultEvents
        let merchants = ProcessInfo.processInfo.environment["VIGIL_ENGINE_MERCHANTS"].flatMap { Int($0) } ?? 50
        let m = try FeatureEngineBenchmark.run(events: events, stage: .merchant, merchants: merchants)
        print(
            "engine throughput (merchant stage, \(merchants) merchants): \(m.events) events × \(m.featuresPerEvent) features in \(m.seconds) s = \(Int(m.eventsPerSecond)) events/s; \(m.windowResults) window results; state \(m.keys) keys, \(m.stateBytes) bytes, encoded in \(m.encodeSeconds) s, decoded in \(m.decodeSeconds) s"
        )
        #expect(m.events > events * 9 / 10)
        #expect(m.windowResults > 0)
    }
}

