import Foundation
import Testing
import VigilCore
import VigilKafka
@testable import VigilRuntime
import VigilTesting
import VigilTopology

/// W3C trace context through the flagship's three stages and two repartition hops.
@Suite("Trace context")
struct TraceContextTests {
    static let trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let parent = "00-\(trace)-00f067aa0ba902b7-01"

    /// The outputs of piping the transactions, the one at `traced` with a `traceparent` (and a `tracestate`).
    static func run(_ txs: [Transaction], traced: Int, topology base: Topology) throws -> [MemorySink.Record] {
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var topology = base
        topology.stateDirectory = dir
        let driver = try TopologyTestDriver(topology: topology, stateDirectory: dir)
        defer { driver.close() }
        try driver.pipe(records: txs.enumerated().map { i, t in
            LocalPipeline.SourceRecord(
                partition: 0, key: Array(t.cardID.utf8), value: Support.encode(t),
                headers: i == traced
                    ? [KafkaHeader(key: "traceparent", value: Array(parent.utf8)),
                       KafkaHeader(key: "tracestate", value: Array("vendor=abc".utf8))]
                    : [])
        })
        return driver.drainOutput()
    }

    @Test("a traced input's feature event, prediction and alert carry its trace id with the last stage's span; untraced ones carry none; a replay writes the same headers")
    func propagatesThroughStages() throws {
        let txs = Support.transactions(count: 300, seed: 3, cards: 30)
        let traced = 150
        var topology = try FlagshipTests.flagship(stateDirectory: "unused", partitions: 1)
        topology.graceMillis = 30 * 86_400_000
        let out = try Self.run(txs, traced: traced, topology: topology)
        let txn = txs[traced].txnID
        func txnID(_ r: MemorySink.Record) -> String? {
            guard let v = r.value, let o = try? JSONSerialization.jsonObject(with: Data(v)) as? [String: Any] else { return nil }
            return o["txn_id"] as? String
        }
        let withTrace = out.filter { $0.header("traceparent") != nil }
        let topics = Set(withTrace.map(\.topic))
        #expect(topics.contains { $0.hasSuffix("-features") })
        #expect(topics.contains { $0.hasSuffix("-predictions") })
        #expect(withTrace.allSatisfy { txnID($0) == txn }, "only the traced event's outputs")
        let headers = Set(withTrace.compactMap { $0.header("traceparent") })
        #expect(headers.count == 1, "feature event and prediction share the last stage's span")
        let header = try #require(headers.first)
        #expect(header.hasPrefix("00-\(Self.trace)-"))
        #expect(header.hasSuffix("-01"))
        #expect(!header.contains("00f067aa0ba902b7"), "a new span, not the input's")
        #expect(withTrace.allSatisfy { $0.header("tracestate") == "vendor=abc" })
        // Deterministic: the same input gives the same span.
        let again = try Self.run(txs, traced: traced, topology: topology).compactMap { $0.header("traceparent") }
        #expect(Set(again) == headers)
    }

    @Test("a malformed traceparent starts no trace")
    func malformedIsIgnored() {
        let source = SourceCoordinates(topic: "t", partition: 0, offset: 1)
        for bad in [
            "00-\(Self.trace)-00f067aa0ba902b7", "01-\(Self.trace)-00f067aa0ba902b7-01", "00-\(Self.trace.uppercased())-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "00-\(Self.trace)-0000000000000000-01", "",
        ] {
            #expect(TraceContext.child(of: Array(bad.utf8), stage: "card", source: source) == nil, "\(bad)")
        }
        let good = TraceContext.child(of: Array(Self.parent.utf8), stage: "card", source: source)
        #expect(good.map { String(decoding: $0, as: UTF8.self).count } == 55)
    }
}
