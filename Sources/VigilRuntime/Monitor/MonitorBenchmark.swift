public import Logging
public import VigilTopology
import Foundation
import VigilCore
import VigilModel
import VigilState

/// `vigil bench monitor`: how many scored events per second the monitor applies, alone on one thread, with its
/// state in RocksDB and a commit every 10 000 events (docs/performance.md).
public enum MonitorBenchmark {
    public struct Result: Sendable {
        public var events: Int
        public var seconds: Double
        public var outputs: Int
        public var eventsPerSecond: Double { Double(events) / seconds }
    }

    /// Applies `events` synthetic scored events of the topology's champion (inputs drawn uniformly from each
    /// baseline's range of edges, 5% missing; one event per second of event time; a fraud label for one event in
    /// 200, a day later).
    public static func run(topology: Topology, events: Int, logger: Logger) throws -> Result {
        let registry = try ModelRegistry(topology: topology, logger: logger)
        let champion = registry.current.champion
        let info = Monitor.ModelInfo(bundle: champion.bundle)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-monitor-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var t = topology
        t.stateDirectory = dir
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try Store(path: "\(dir)/monitor", options: StateSettings.defaultStoreOptions)
        let monitor = try Monitor(topology: t, store: store) { _, _ in info }
        var state: UInt64 = 42
        func random() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(UInt64(1) << 53)
        }
        // Pre-encode the records, so the measurement is the monitor's work only.
        var records: [[UInt8]] = []
        records.reserveCapacity(events + events / 200)
        let t0: Int64 = 1_767_225_600_000
        var buffer: [UInt8] = []
        for i in 0..<events {
            let ts = t0 + Int64(i) * 1_000
            let inputs = info.baselines.map { b -> Double in
                guard let b, random() > 0.05 else { return .nan }
                let lo = b.edges.first ?? 0, hi = b.edges.last ?? 1
                return lo - 1 + random() * (hi - lo + 2)
            }
            MonitorRecord.beginEvent(txnID: "txn_\(i)", timestamp: ts, into: &buffer)
            MonitorRecord.appendPrediction(
                model: champion.name, version: champion.version, role: "champion", score: random(), threshold: 0.5,
                inputs: inputs, to: &buffer, countAt: MonitorRecord.countOffset(buffer))
            records.append(buffer)
            if i % 200 == 0 {
                MonitorRecord.encodeLabel(
                    Label(txnID: "txn_\(i)", cardID: "c", isFraud: true, eventTimestamp: ts, availableAt: ts + 86_400_000),
                    into: &buffer)
                records.append(buffer)
            }
        }
        var outputs = 0
        let started = ContinuousClock.now
        for (offset, record) in records.enumerated() {
            try monitor.apply(record) { _ in outputs += 1 }
            if offset % 10_000 == 9_999 { try monitor.commit(offset: Int64(offset + 1)) }
        }
        try monitor.commit(offset: Int64(records.count))
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(events: events, seconds: seconds, outputs: outputs)
    }
}
