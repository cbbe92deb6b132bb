import Foundation
import Testing
import VigilCore
import VigilModel
import VigilState
import VigilTopology
@testable import VigilRuntime

/// The monitor (docs/monitoring.md) driven record by record: drift at window close, the label join with late labels,
/// retrain triggers with their cool-down, and state that survives a restart.
@Suite("Monitor")
struct MonitorTests {
    static let hour: Int64 = 3_600_000
    static let t0: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z, a window boundary

    /// A one-feature logistic model whose feature `x` has a 50/50 baseline split at 0.5, and whose score baseline is
    /// 50/50 split at 0.5.
    static func model(version: String = "1", validationRecall: Double? = 0.8) -> ScoringSupport.Logistic {
        var m = ScoringSupport.Logistic(
            version: version, features: ["n_5m"], weights: [1], intercept: 0, decision: 0.5, review: 0.3)
        m.validationRecall = validationRecall
        return m
    }

    struct Setup {
        var topology: Topology
        var info: Monitor.ModelInfo
        var dir: String
    }

    static func setup(monitoring: String, model: ScoringSupport.Logistic = model()) throws -> Setup {
        let dir = try Support.temporaryDirectory()
        try model.write(to: "\(dir)/model")
        let section = "monitoring:\n" + monitoring.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "  " + $0 }.joined(separator: "\n")
        let topology = try ScoringSupport.topology(
            stateDirectory: dir, scoring: "model: \(dir)/model\nreload: 0s\n", partitions: 1)
        var withMonitoring = try TopologyLoader.parse(
            yaml: try Self.yaml(topology, extra: section), file: "\(dir)/\(topology.name).yaml")
        withMonitoring.stateDirectory = dir
        let bundle = try ModelBundle.load(from: "\(dir)/model")
        return Setup(topology: withMonitoring, info: Monitor.ModelInfo(bundle: bundle), dir: dir)
    }

    /// The scoring test topology's YAML with `extra` appended.
    static func yaml(_ topology: Topology, extra: String) throws -> String {
        let scoring = topology.scoring!
        return """
            name: \(topology.name)
            source:
              topic: \(topology.source.topic)
              partitions: 1
            stages:
              - name: card
                key: card_id
                features:
                  - {name: n_5m, aggregation: count, window: 5m}
            state_dir: \(topology.stateDirectory)
            grace: 1m
            scoring:
              model: \(scoring.model)
              reload: 0s
            \(extra)
            """
    }

    static func prediction(
        _ t: Int64, x: Double, score: Double, txn: String? = nil, version: String = "1", role: String = "champion"
    ) -> [UInt8] {
        MonitorRecord.event(.init(txnID: txn, timestamp: t, predictions: [.init(
            model: "test-model", version: version, role: role, score: score, threshold: 0.5, inputs: [x])])).encode()
    }

    static func label(_ txn: String, fraud: Bool, eventTime: Int64, available: Int64) -> [UInt8] {
        MonitorRecord.label(Label(
            txnID: txn, cardID: "c1", isFraud: fraud, eventTimestamp: eventTime, availableAt: available)).encode()
    }

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    /// Runs `records` through a fresh in-memory monitor; returns the outputs.
    static func run(_ setup: Setup, _ records: [[UInt8]], store: Store? = nil) throws -> [Monitor.Output] {
        let monitor = try Monitor(topology: setup.topology, store: store) { _, _ in setup.info }
        var out: [Monitor.Output] = []
        for r in records { try monitor.apply(r) { out.append($0) } }
        return out
    }

    /// `n` predictions spread over the hour starting at `start`, a `share` of them with x = 1 (bin 1), the rest 0.
    static func window(_ start: Int64, n: Int, share: Double, scoreHigh: Double = 0.9, txnPrefix: String? = nil) -> [[UInt8]] {
        (0..<n).map { i in
            let high = Double(i) < share * Double(n)
            let t = start + Int64(i) * (hour / Int64(n))
            return prediction(t, x: high ? 1 : 0, score: high ? scoreHigh : 0.1, txn: txnPrefix.map { "\($0)\(i)" })
        }
    }

    @Test("drift: at window close, one event per feature and for the score plus a summary; PSI, KS and JS match the hand computation")
    func driftAtWindowClose() throws {
        let s = try Self.setup(monitoring: "window: 1h")
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        // Hour 0: exactly 50/50 (the baseline). Hour 1: 90/10. Then one record 1h+1m into hour 2 closes hour 1.
        var records = Self.window(Self.t0, n: 100, share: 0.5)
        records += Self.window(Self.t0 + Self.hour, n: 100, share: 0.9)
        records.append(Self.prediction(Self.t0 + 3 * Self.hour + 60_001, x: 0, score: 0.1))
        let out = try Self.run(s, records)
        let drift = try out.filter { $0.topic == s.topology.sinks.drift }.map { try Self.object($0.value) }
        // Windows 0 and 1 closed (hour 2 opened and closed? no: hour 2 holds nothing; hour 3 is open).
        let features = drift.filter { $0["type"] as? String == "drift" && $0["subject"] as? String == "feature" }
        #expect(features.count == 2)
        let stationary = try #require(features.first { $0["window_start"] as? Int64 == Self.t0 })
        #expect(stationary["psi"] as? Double == 0)
        #expect(stationary["status"] as? String == "ok")
        #expect(stationary["count"] as? Int == 100)
        let shifted = try #require(features.first { $0["window_start"] as? Int64 == Self.t0 + Self.hour })
        // PSI = (0.1−0.5)·ln(0.1/0.5) + (0.9−0.5)·ln(0.9/0.5) = 0.4·ln 5 + 0.4·ln 1.8 = 0.878890…
        let psi = try #require(shifted["psi"] as? Double)
        #expect(abs(psi - (0.4 * log(5.0) + 0.4 * log(1.8))) < 1e-12)
        #expect(abs((shifted["ks"] as? Double ?? -1) - 0.4) < 1e-12)
        // JS: m = (0.3, 0.7); D(a‖m) = 0.1·log2(1/3) + 0.9·log2(9/7); D(e‖m) = 0.5·log2(5/3) + 0.5·log2(5/7).
        let dA = 0.1 * log2(0.1 / 0.3) + 0.9 * log2(0.9 / 0.7)
        let dE = 0.5 * log2(0.5 / 0.3) + 0.5 * log2(0.5 / 0.7)
        #expect(abs((shifted["js"] as? Double ?? -1) - ((dA + dE) / 2).squareRoot()) < 1e-12)
        #expect(shifted["status"] as? String == "drift")
        let scores = drift.filter { $0["subject"] as? String == "score" }
        #expect(scores.count == 2, "the score's drift per window")
        let summaries = drift.filter { $0["type"] as? String == "drift_summary" }
        #expect(summaries.count == 2)
        #expect(summaries.last?["drifted"] as? [String] == ["n_5m", "score"])
        #expect(summaries.last?["max_psi_feature"] as? String == "n_5m")
        #expect(summaries.first?["drifted"] as? [String] == [])
    }

    @Test("data-driven thresholds: the PSI threshold follows the window's size ((k−1)/n + 3·√(2(k−1))/n); a 50/50 window is ok, a 60/40 one of 2000 values drifts, the same shift over 20 values does not")
    func dataDrivenThresholds() throws {
        let s = try Self.setup(monitoring: "window: 1h\ndrift: {thresholds: data_driven, sigmas: 3}")
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var records = Self.window(Self.t0, n: 2000, share: 0.5)
        records += Self.window(Self.t0 + Self.hour, n: 2000, share: 0.6)
        records += Self.window(Self.t0 + 2 * Self.hour, n: 20, share: 0.6)
        records.append(Self.prediction(Self.t0 + 4 * Self.hour, x: 0, score: 0.1))
        let events = try Self.run(s, records).filter { $0.topic == s.topology.sinks.drift }.map { try Self.object($0.value) }
            .filter { $0["name"] as? String == "n_5m" }
        #expect(events.count == 3)
        // k = 2 bins: threshold = 1/n + 3·√2/n.
        for (event, n) in zip(events, [2000.0, 2000, 20]) {
            #expect(abs((event["threshold"] as? Double ?? 0) - (1 / n + 3 * 2.0.squareRoot() / n)) < 1e-12)
        }
        // PSI of 60/40 against 50/50: 0.1·ln(1.2) − 0.1·ln(0.8) = 0.04055, above 2000's 0.00262, below 20's 0.262.
        #expect(events.map { $0["status"] as? String } == ["ok", "drift", "ok"])
    }

    @Test("out of range: a value outside the bundle's training min..max is counted; missing values are reported with the baseline's rate")
    func outOfRangeAndMissing() throws {
        var model = Self.model()
        model.baselines["n_5m"] = #"{"edges":[0.5],"proportions":[0.5,0.5],"missing_rate":0.1,"min":0,"max":1}"#
        let s = try Self.setup(monitoring: "window: 1h", model: model)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var records = (0..<8).map { Self.prediction(Self.t0 + Int64($0), x: $0 < 2 ? 7 : 0, score: 0.1) }
        records += (0..<2).map { Self.prediction(Self.t0 + 100 + Int64($0), x: .nan, score: 0.1) }
        records.append(Self.prediction(Self.t0 + 2 * Self.hour, x: 0, score: 0.1))
        let out = try Self.run(s, records)
        let event = try #require(try out.filter { $0.topic == s.topology.sinks.drift }.map { try Self.object($0.value) }
            .first { $0["name"] as? String == "n_5m" })
        #expect(event["count"] as? Int == 10)
        #expect(event["missing_rate"] as? Double == 0.2)
        #expect(event["baseline_missing_rate"] as? Double == 0.1)
        #expect(event["out_of_range_rate"] as? Double == 0.25, "2 of the 8 present values")
        let score = try #require(try out.filter { $0.topic == s.topology.sinks.drift }.map { try Self.object($0.value) }
            .first { $0["name"] as? String == "score" })
        #expect(score["out_of_range_rate"] is NSNull, "no range in the score's baseline")
    }

    @Test("labels: a window is reported once labels are report_after old, re-reported when a late label changes it, final at the horizon; duplicates and labels beyond the horizon change nothing")
    func labelJoinWithLateLabels() throws {
        let s = try Self.setup(monitoring: """
            window: 1h
            labels: {topic: labels-x, report_after: 2h, horizon: 6h, detector: none}
            """)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        // Window 0: 10 predictions; txn t0..t4 score 0.9 (flagged), t5..t9 score 0.1.
        var records = Self.window(Self.t0, n: 10, share: 0.5, txnPrefix: "t")
        // Labels: t0, t1 fraud (caught), t5 fraud (missed), available during hour 1.
        let h = Self.hour
        records.append(Self.label("t0", fraud: true, eventTime: Self.t0, available: Self.t0 + h + 1))
        records.append(Self.label("t1", fraud: true, eventTime: Self.t0 + 6 * h / 10, available: Self.t0 + h + 2))
        records.append(Self.label("t5", fraud: true, eventTime: Self.t0 + 5 * h / 10, available: Self.t0 + h + 3))
        records.append(Self.label("t5", fraud: true, eventTime: Self.t0 + 5 * h / 10, available: Self.t0 + h + 4))  // a duplicate
        // Clock reaches end + report_after = t0 + 3h: first report (revision 0).
        records.append(Self.prediction(Self.t0 + 3 * h, x: 0, score: 0.1))
        // A late label for t6 (missed fraud) at t0 + 3.5h: re-reported (revision 1) once the clock is a window later.
        records.append(Self.label("t6", fraud: true, eventTime: Self.t0 + 6 * h / 10, available: Self.t0 + 3 * h + h / 2))
        records.append(Self.prediction(Self.t0 + 4 * h + 1, x: 0, score: 0.1))
        // Horizon: end + 6h = t0 + 7h: final (revision 2). A label for window 0 after that is beyond the horizon.
        records.append(Self.prediction(Self.t0 + 7 * h, x: 0, score: 0.1))
        records.append(Self.label("t7", fraud: true, eventTime: Self.t0, available: Self.t0 + 7 * h + 5))
        let monitor = try Monitor(topology: s.topology, store: nil) { _, _ in s.info }
        var out: [Monitor.Output] = []
        for r in records { try monitor.apply(r) { out.append($0) } }
        let reports = try out.filter { $0.topic == s.topology.sinks.performance }.map { try Self.object($0.value) }
            .filter { $0["window_start"] as? Int64 == Self.t0 }
        #expect(reports.map { $0["revision"] as? Int } == [0, 1, 2])
        #expect(reports.map { $0["final"] as? Bool } == [false, false, true])
        #expect(reports.map { $0["predictions"] as? Int } == [10, 10, 10])
        #expect(reports.map { $0["fraud"] as? Int } == [3, 4, 4])
        #expect(reports.map { $0["true_positives"] as? Int } == [2, 2, 2])
        #expect(reports.map { $0["flagged"] as? Int } == [5, 5, 5])
        // recall 2/3 then 2/4; precision 2/5.
        #expect(abs((reports[0]["recall"] as? Double ?? 0) - 2.0 / 3) < 1e-12)
        #expect(abs((reports[1]["recall"] as? Double ?? 0) - 0.5) < 1e-12)
        #expect(abs((reports[2]["precision"] as? Double ?? 0) - 0.4) < 1e-12)
        #expect(monitor.counts.duplicateLabels == 1)
        #expect(monitor.counts.labelsBeyondHorizon == 1)
        #expect(monitor.counts.labelsJoined == 4)
    }

    @Test("a label that arrives before its prediction waits for it")
    func labelBeforePrediction() throws {
        let s = try Self.setup(monitoring: """
            window: 1h
            labels: {topic: labels-x, report_after: 1h, horizon: 2h, detector: none}
            """)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let h = Self.hour
        let records = [
            Self.label("early", fraud: true, eventTime: Self.t0 + 10, available: Self.t0 + 20),
            Self.prediction(Self.t0 + 10, x: 1, score: 0.9, txn: "early"),
            Self.prediction(Self.t0 + 2 * h, x: 0, score: 0.1),
        ]
        let out = try Self.run(s, records)
        let report = try #require(try out.filter { $0.topic == s.topology.sinks.performance }.map { try Self.object($0.value) }.first)
        #expect(report["fraud"] as? Int == 1)
        #expect(report["true_positives"] as? Int == 1)
        #expect(report["recall"] as? Double == 1)
    }

    @Test("retrain trigger: a shifted stream triggers at the third drifting window, once per cool-down, with the reason, evidence and a training range")
    func triggerAndDebounce() throws {
        let s = try Self.setup(monitoring: """
            window: 1h
            retrain:
              cooldown: 10h
              training_range: 30d
              when:
                - drift: {psi_above: 0.25, top_features: 1, windows: 3}
            """)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var records: [[UInt8]] = []
        for w in 0..<5 { records += Self.window(Self.t0 + Int64(w) * Self.hour, n: 50, share: 0.5) }  // stationary
        for w in 5..<25 { records += Self.window(Self.t0 + Int64(w) * Self.hour, n: 50, share: 0.9) }  // shifted
        records.append(Self.prediction(Self.t0 + 26 * Self.hour, x: 0, score: 0.1))
        let out = try Self.run(s, records)
        let triggers = try out.filter { $0.topic == s.topology.sinks.triggers }.map { try Self.object($0.value) }
        // Shifted windows 5, 6, 7 → the trigger at the end of window 7 (t0 + 8h); cool-down 10h → the next at the
        // first drifting window ending at or after t0 + 18h with 3 in a row since (counters reset after a trigger).
        let first = try #require(triggers.first)
        #expect(first["at"] as? Int64 == Self.t0 + 8 * Self.hour)
        #expect(first["reasons"] as? [String] == ["drift"])
        #expect(first["train_to"] as? Int64 == Self.t0 + 8 * Self.hour)
        #expect(first["train_from"] as? Int64 == Self.t0 + 8 * Self.hour - 30 * 24 * Self.hour)
        #expect(((first["evidence"] as? [String: Any])?.keys.contains { $0.contains("n_5m") }) == true)
        #expect(triggers.count == 2, "\(triggers.map { $0["at"] ?? "" })")
        if triggers.count == 2 { #expect((triggers[1]["at"] as? Int64 ?? 0) >= Self.t0 + 18 * Self.hour) }
        let audits = try out.filter { $0.topic == s.topology.sinks.audit }.map { try Self.object($0.value) }
        #expect(audits.filter { $0["action"] as? String == "retrain_triggered" }.count == triggers.count)
    }

    @Test("the cool-down spans a promotion: a newly live version does not trigger again before it ends")
    func cooldownSpansPromotion() throws {
        let s = try Self.setup(monitoring: """
            window: 1h
            retrain:
              cooldown: 10h
              when:
                - drift: {psi_above: 0.25, top_features: 1, windows: 3}
            """)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var records: [[UInt8]] = []
        for w in 0..<25 {
            let start = Self.t0 + Int64(w) * Self.hour
            let version = w < 9 ? "1" : "2"  // version 2 is live from hour 9 (promoted after the first trigger)
            for i in 0..<50 {
                let high = Double(i) < (w < 5 ? 0.5 : 0.9) * 50
                records.append(Self.prediction(
                    start + Int64(i) * (Self.hour / 50), x: high ? 1 : 0, score: high ? 0.9 : 0.1, version: version))
            }
        }
        records.append(Self.prediction(Self.t0 + 26 * Self.hour, x: 0, score: 0.1, version: "2"))
        let triggers = try Self.run(s, records).filter { $0.topic == s.topology.sinks.triggers }.map { try Self.object($0.value) }
        #expect(triggers.map { $0["model_version"] as? String } == ["1", "2"])
        #expect(triggers.first?["at"] as? Int64 == Self.t0 + 8 * Self.hour)
        #expect((triggers.last?["at"] as? Int64 ?? 0) >= Self.t0 + 18 * Self.hour, "not at hour 12, 3 windows after the promotion")
    }

    @Test("recall_drop counts a report only with at least min_fraud labelled frauds")
    func recallDropNeedsEnoughFraud() throws {
        let s = try Self.setup(monitoring: """
            window: 1h
            labels: {topic: labels-x, report_after: 1h, horizon: 3h, detector: none, min_fraud: 3}
            retrain:
              cooldown: 0s
              when:
                - recall_drop: 0.1
            """)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let h = Self.hour
        var records: [[UInt8]] = []
        // Window 0: two missed frauds (recall 0 over 2: too few). Window 1: three missed frauds (recall 0 over 3).
        for (w, frauds) in [(0, 2), (1, 3)] {
            let start = Self.t0 + Int64(w) * h
            records += Self.window(start, n: 10, share: 0, txnPrefix: "w\(w)-")
            for i in 0..<frauds {
                records.append(Self.label("w\(w)-\(i)", fraud: true, eventTime: start + Int64(i) * (h / 10), available: start + 10))
            }
        }
        records.append(Self.prediction(Self.t0 + 2 * h + 1, x: 0, score: 0.1))  // reports window 0
        records.append(Self.prediction(Self.t0 + 3 * h + 1, x: 0, score: 0.1))  // reports window 1
        let out = try Self.run(s, records)
        let reports = try out.filter { $0.topic == s.topology.sinks.performance }.map { try Self.object($0.value) }
        #expect(reports.filter { $0["window_start"] as? Int64 == Self.t0 }.first?["recall"] as? Double == 0)
        let triggers = try out.filter { $0.topic == s.topology.sinks.triggers }.map { try Self.object($0.value) }
        #expect(triggers.count == 1, "only window 1's report, with 3 frauds, counts")
        #expect(triggers.first?["at"] as? Int64 == Self.t0 + 3 * h + 1)
    }

    @Test("a stationary stream raises no trigger over 300 windows with the default policy thresholds")
    func stationaryNoTrigger() throws {
        let s = try Self.setup(monitoring: """
            window: 1h
            retrain:
              when:
                - drift: {}
            """)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var rng = TestRandom(seed: 7)
        var records: [[UInt8]] = []
        for w in 0..<300 {
            for i in 0..<200 {
                let high = rng.next() % 2 == 0
                records.append(Self.prediction(
                    Self.t0 + Int64(w) * Self.hour + Int64(i) * 10_000, x: high ? 1 : 0, score: high ? 0.9 : 0.1))
            }
        }
        records.append(Self.prediction(Self.t0 + 302 * Self.hour, x: 0, score: 0.1))
        let out = try Self.run(s, records)
        let summaries = out.filter { $0.topic == s.topology.sinks.drift }.count
        #expect(summaries == 300 * 3, "300 windows × (feature, score, summary)")
        #expect(out.filter { $0.topic == s.topology.sinks.triggers }.isEmpty)
    }

    @Test("state survives a restart: committing half-way and reopening gives the same outputs as one run")
    func restartKeepsState() throws {
        let s = try Self.setup(monitoring: """
            window: 1h
            labels: {topic: labels-x, report_after: 1h, horizon: 3h}
            retrain:
              cooldown: 0s
              when:
                - drift: {psi_above: 0.25, windows: 2}
                - new_labels: 3
            """)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var records: [[UInt8]] = []
        for w in 0..<6 {
            let start = Self.t0 + Int64(w) * Self.hour
            records += Self.window(start, n: 40, share: w < 3 ? 0.5 : 0.9, txnPrefix: "w\(w)-")
            for i in stride(from: 0, to: 40, by: 7) {
                records.append(Self.label("w\(w)-\(i)", fraud: i % 2 == 0, eventTime: start + Int64(i) * (Self.hour / 40),
                                          available: start + Self.hour + Int64(i)))
            }
        }
        records.append(Self.prediction(Self.t0 + 10 * Self.hour, x: 0, score: 0.1))
        let whole = try Self.run(s, records)

        let path = "\(s.dir)/monitor-state"
        var split: [Monitor.Output] = []
        let half = records.count / 2
        do {
            let store = try Store(path: path)
            let monitor = try Monitor(topology: s.topology, store: store) { _, _ in s.info }
            for r in records[..<half] { try monitor.apply(r) { split.append($0) } }
            try monitor.commit(offset: Int64(half))
            // Uncommitted work is lost with the process.
            for r in records[half..<(half + 10)] { try monitor.apply(r) { _ in } }
        }
        let store = try Store(path: path)
        let monitor = try Monitor(topology: s.topology, store: store) { _, _ in s.info }
        #expect(monitor.committedOffset == Int64(half))
        for r in records[half...] { try monitor.apply(r) { split.append($0) } }
        #expect(whole.count > 20)
        #expect(whole.contains { $0.topic == s.topology.sinks.triggers })
        #expect(whole.contains { $0.topic == s.topology.sinks.performance })
        #expect(split == whole)
    }

    @Test("monitor records round-trip, and garbage does not decode")
    func recordRoundTrip() throws {
        let p = MonitorRecord.event(.init(txnID: nil, timestamp: -5, predictions: [
            .init(model: "m", version: "7", role: "champion", score: 0.25, threshold: 0.5, inputs: [1, .nan, -3.5]),
            .init(model: "m", version: "8", role: "shadow", score: 0.5, threshold: 0.4, inputs: []),
        ]))
        #expect(MonitorRecord.decode(p.encode()) == p)
        let l = MonitorRecord.label(Label(
            txnID: "t", cardID: "c", isFraud: true, fraudType: "card_testing", eventTimestamp: 1, availableAt: 2))
        #expect(MonitorRecord.decode(l.encode()) == l)
        #expect(MonitorRecord.decode(Array("{\"v\":1}".utf8)) == nil)
        #expect(MonitorRecord.decode(Array(p.encode().dropLast())) == nil)
    }
}

/// TestRandom, for seeded test streams.
struct TestRandom {
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
