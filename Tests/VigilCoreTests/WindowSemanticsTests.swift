import Foundation
import Testing
@testable import VigilCore

/// Checks the trailing-window operator against docs/semantics.md and against a naive reference implementation.
@Suite("Trailing window semantics")
struct WindowSemanticsTests {
    static let hour: Int64 = 3_600_000

    static func transaction(card: String = "c1", ts: Int64, amount: Double) -> Transaction {
        Transaction(
            txnID: "t\(ts)", cardID: card, merchantID: "m1", amount: amount, currency: "EUR", country: "FR",
            mcc: 5411, channel: .pos, entryMode: .chip, deviceID: nil, timestamp: ts)
    }

    @Test("the worked example of docs/semantics.md")
    func documentedExample() {
        let base: Int64 = 10 * Self.hour
        let events: [(Int64, Double)] = [
            (base, 5.00), (base + Self.hour / 2, 7.50), (base + Self.hour / 2, 1.25), (base + Self.hour, 2.00),
            (base + 3 * Self.hour / 4, 9.00),
        ]
        let expected: [(Int64, Double)] = [(0, 0), (1, 5), (2, 12.5), (2, 8.75), (3, 13.75)]
        let aggregator = TrailingWindowAggregator(
            features: [
                FeatureSpec(name: "n", aggregation: .count, windowMillis: Self.hour),
                FeatureSpec(name: "s", aggregation: .sum(.amount), windowMillis: Self.hour),
            ], graceMillis: Self.hour)
        var state = KeyWindowState()
        var values: [FeatureValue] = []
        for (i, (ts, amount)) in events.enumerated() {
            aggregator.apply(Self.transaction(ts: ts, amount: amount), state: &state, into: &values)
            #expect(values == [.int(expected[i].0), .decimal(units: FixedPoint.units(expected[i].1))], "offset \(i)")
        }
    }

    struct Boundary: Sendable, CustomTestStringConvertible {
        var priorOffset: Int64   // prior event's ts relative to the current one
        var includeCurrent: Bool
        var expectedCount: Int64
        var testDescription: String { "prior at \(priorOffset) ms, includeCurrent=\(includeCurrent)" }
    }

    @Test("window boundaries: (t − W, t], current event excluded unless asked", arguments: [
        Boundary(priorOffset: -3_600_000, includeCurrent: false, expectedCount: 0),  // exactly W old: out
        Boundary(priorOffset: -3_599_999, includeCurrent: false, expectedCount: 1),  // 1 ms inside
        Boundary(priorOffset: 0, includeCurrent: false, expectedCount: 1),           // same ms, earlier offset: in
        Boundary(priorOffset: 1, includeCurrent: false, expectedCount: 0),           // the future: out
        Boundary(priorOffset: -3_600_000, includeCurrent: true, expectedCount: 1),
        Boundary(priorOffset: 0, includeCurrent: true, expectedCount: 2),
    ])
    func boundaries(_ b: Boundary) {
        let t: Int64 = 100 * Self.hour
        let aggregator = TrailingWindowAggregator(
            features: [FeatureSpec(name: "n", aggregation: .count, windowMillis: Self.hour, includeCurrent: b.includeCurrent)],
            graceMillis: Self.hour)
        var state = KeyWindowState()
        var values: [FeatureValue] = []
        aggregator.apply(Self.transaction(ts: t + b.priorOffset, amount: 1), state: &state, into: &values)
        aggregator.apply(Self.transaction(ts: t, amount: 1), state: &state, into: &values)
        #expect(values == [.int(b.expectedCount)])
    }

    @Test("an event more than the grace period behind its key's newest is late and changes nothing; at the limit it is applied")
    func lateEvents() {
        let aggregator = TrailingWindowAggregator(
            features: [FeatureSpec(name: "n", aggregation: .count, windowMillis: Self.hour)], graceMillis: 60_000)
        var state = KeyWindowState()
        var values: [FeatureValue] = []
        let t: Int64 = 10 * Self.hour
        #expect(aggregator.apply(Self.transaction(ts: t, amount: 1), state: &state, into: &values) == .applied)
        let before = state
        #expect(aggregator.apply(Self.transaction(ts: t - 60_001, amount: 1), state: &state, into: &values) == .late(behindMillis: 60_001))
        #expect(state == before)
        #expect(values.isEmpty)
        #expect(aggregator.apply(Self.transaction(ts: t - 60_000, amount: 1), state: &state, into: &values) == .applied)
        #expect(values == [.int(0)])  // the newer event is its future
        #expect(state.eventCount == 2)
    }

    @Test("a key's first event has count 0 and sum 0")
    func noHistory() {
        let aggregator = TrailingWindowAggregator(
            features: [FeatureSpec(name: "s", aggregation: .sum(.amount), windowMillis: Self.hour)], graceMillis: 0)
        var state = KeyWindowState()
        var values: [FeatureValue] = []
        aggregator.apply(Self.transaction(ts: 5, amount: 99.99), state: &state, into: &values)
        #expect(values == [.decimal(units: 0)])
    }

    @Test("matches a naive reference on random, disordered, tied input", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func matchesNaiveReference(seed: UInt64) {
        var rng = TestRNG(seed: seed)
        let features = [
            FeatureSpec(name: "n5m", aggregation: .count, windowMillis: 300_000),
            FeatureSpec(name: "s5m", aggregation: .sum(.amount), windowMillis: 300_000),
            FeatureSpec(name: "n1h", aggregation: .count, windowMillis: Self.hour, includeCurrent: true),
            FeatureSpec(name: "s1h", aggregation: .sum(.amount), windowMillis: Self.hour, includeCurrent: true),
        ]
        let grace: Int64 = 600_000
        let aggregator = TrailingWindowAggregator(features: features, graceMillis: grace)
        var states: [String: KeyWindowState] = [:]
        var log: [Transaction] = []
        var clock: Int64 = 1_700_000_000_000
        var values: [FeatureValue] = []
        for _ in 0..<3_000 {
            clock += Int64(rng.next() % 120_000)
            // Up to grace behind the clock, with ties from coarse rounding.
            let ts = clock - Int64(rng.next() % UInt64(grace)) / 10_000 * 10_000
            let card = "c\(rng.next() % 12)"
            let amount = Double(rng.next() % 100_000) / 100
            let t = Self.transaction(card: card, ts: ts, amount: amount)
            aggregator.apply(t, state: &states[card, default: KeyWindowState()], into: &values)
            // Naive: scan every earlier event of the card.
            var expected: [FeatureValue] = []
            for f in features {
                var count: Int64 = 0
                var sum: Int64 = 0
                for prior in log where prior.cardID == card && prior.timestamp > ts - f.windowMillis && prior.timestamp <= ts {
                    count += 1
                    sum += FixedPoint.units(prior.amount)
                }
                if f.includeCurrent { count += 1; sum += FixedPoint.units(amount) }
                switch f.aggregation {
                case .count: expected.append(.int(count))
                case .sum: expected.append(.decimal(units: sum))
                }
            }
            #expect(values == expected)
            log.append(t)
        }
        #expect(states.values.reduce(0) { $0 + $1.eventCount } == 3_000)
    }

    @Test("state is bounded: entries older than the longest window plus grace are dropped")
    func boundedState() {
        let aggregator = TrailingWindowAggregator(
            features: [FeatureSpec(name: "n", aggregation: .count, windowMillis: 60_000)], graceMillis: 10_000)
        var state = KeyWindowState()
        var values: [FeatureValue] = []
        for i in 0..<10_000 {
            aggregator.apply(Self.transaction(ts: Int64(i) * 1_000, amount: 1), state: &state, into: &values)
        }
        #expect(state.count <= 70)
        #expect(state.eventCount == 10_000)
        #expect(values == [.int(59)])  // the events at t−59s … t−1s; t−60s is exactly one window old
    }

    @Test("state encoding round-trips and rejects foreign bytes")
    func stateEncoding() {
        var state = KeyWindowState()
        for i in 0..<50 { state.insert(timestamp: Int64(i * 7 % 13), value: Int64(i) - 20, retentionMillis: 1_000) }
        var bytes: [UInt8] = []
        state.encode(into: &bytes)
        #expect(KeyWindowState(decoding: bytes) == state)
        #expect(KeyWindowState(decoding: Array(bytes.dropLast())) == nil)
        #expect(KeyWindowState(decoding: [9] + bytes.dropFirst()) == nil)
        #expect(KeyWindowState(decoding: []) == nil)
    }
}

/// SplitMix64, for reproducible test inputs.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
