import Foundation
import Logging
import VigilKafka
import VigilRuntime
import VigilTopology
import VigilCore

/// Reads a topology's output topics back after a run and prints what they hold: record counts and the feature events
/// with the highest values of the first feature (usually the most suspicious cards).
enum OutputSummary {
    static func print(
        topology: Topology, bootstrapServers: String, properties: [String: String], labelsTopic: String?, logger: Logger
    ) throws {
        let features = try TopicReader.readAll(
            topic: topology.sinks.features, bootstrapServers: bootstrapServers, properties: properties, logger: logger)
        let dlq = try TopicReader.readAll(
            topic: topology.sinks.deadLetter, bootstrapServers: bootstrapServers, properties: properties, logger: logger)
        let all = topology.stages.flatMap { $0.features.filter(\.isPerEvent).map(\.name) }
        // Shown: the first stage's first few features; ranked by its first one.
        let names = Array(topology.stages[0].features.filter(\.isPerEvent).map(\.name).prefix(6))
        let first = names.first ?? all.first ?? ""
        // The feature event with the highest first feature, per key: the most active (often suspicious) keys.
        var best: [String: (value: Double, line: String)] = [:]
        let formatter = ISO8601DateFormatter()
        for record in features {
            guard let value = record.value,
                  let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
                  let key = object["key"] as? String,
                  let values = object["features"] as? [String: Any],
                  let v = (values[first] as? NSNumber)?.doubleValue,
                  v > best[key]?.value ?? -.infinity
            else { continue }
            let ts = (object["ts"] as? NSNumber).map { formatter.string(from: Date(timeIntervalSince1970: $0.doubleValue / 1000)) } ?? "?"
            let shown = names.map { "\($0)=\((values[$0] as? NSNumber)?.stringValue ?? "?")" }.joined(separator: " ")
            best[key] = (v, "\(key)  \(ts)  \(shown)")
        }
        Swift.print("""
            read back       \(features.count) records on \(topology.sinks.features) (\(all.count) features each), \(dlq.count) on \(topology.sinks.deadLetter)
            most active keys (highest \(first)):
            """)
        for sample in best.values.sorted(by: { $0.value > $1.value }).prefix(5) { Swift.print("  \(sample.line)") }
        let extent = try TopicReader.extent(
            topic: topology.sinks.features, bootstrapServers: bootstrapServers, properties: properties, logger: logger)
        let dropped = extent.reduce(Int64(0)) { $0 + $1.low }
        if dropped > 0 {
            Swift.print("""
                note: the cluster no longer holds the oldest \(dropped) feature events of \(topology.sinks.features) \
                (the embedded cluster keeps about 5 MiB or 100k messages per partition); the counts above are what remains
                """)
        }
        for record in dlq.prefix(3) {
            Swift.print("  dead letter: \(record.header(DeadLetter.reasonHeader) ?? "?") (source \(record.header(DeadLetter.topicHeader) ?? "?"):\(record.header(DeadLetter.partitionHeader) ?? "?"):\(record.header(DeadLetter.offsetHeader) ?? "?"))")
        }
        if topology.scoring != nil {
            try printScoring(
                topology: topology, bootstrapServers: bootstrapServers, properties: properties, labelsTopic: labelsTopic,
                logger: logger)
        }
        if topology.monitoring != nil {
            try printMonitoring(
                topology: topology, bootstrapServers: bootstrapServers, properties: properties, logger: logger)
        }
    }
}

extension OutputSummary {
    /// What the monitor wrote (docs/monitoring.md): drift windows and the most drifted feature, live accuracy over the
    /// latest revision of every reported window, and retrain triggers.
    static func printMonitoring(
        topology: Topology, bootstrapServers: String, properties: [String: String], logger: Logger
    ) throws {
        func objects(_ topic: String) throws -> [[String: Any]] {
            try TopicReader.readAll(topic: topic, bootstrapServers: bootstrapServers, properties: properties, logger: logger)
                .compactMap { $0.value.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] } }
        }
        let drift = try objects(topology.sinks.drift)
        let summaries = drift.filter { $0["type"] as? String == "drift_summary" }
        let drifted = summaries.filter { !(($0["drifted"] as? [String]) ?? []).isEmpty }.count
        let warned = summaries.filter { !(($0["warned"] as? [String]) ?? []).isEmpty }.count
        let top = summaries.max { ($0["max_psi"] as? Double ?? 0) < ($1["max_psi"] as? Double ?? 0) }
        var line = "drift           \(summaries.count) windows closed on \(topology.sinks.drift): \(drifted) with drift, \(warned) with a warning"
        if let top, let psi = top["max_psi"] as? Double, let feature = top["max_psi_feature"] as? String {
            line += String(format: "; highest PSI %.3f (", psi) + feature + ")"
        }
        Swift.print(line)
        guard topology.monitoring?.labels != nil else { return }
        var latest: [String: [String: Any]] = [:]
        for report in try objects(topology.sinks.performance) {
            let key = "\(report["model_version"] ?? "")|\(report["window_start"] ?? "")"
            if (report["revision"] as? Int ?? -1) >= (latest[key]?["revision"] as? Int ?? -1) { latest[key] = report }
        }
        let fraud = latest.values.reduce(0) { $0 + ($1["fraud"] as? Int ?? 0) }
        let flagged = latest.values.reduce(0) { $0 + ($1["flagged"] as? Int ?? 0) }
        let caught = latest.values.reduce(0) { $0 + ($1["true_positives"] as? Int ?? 0) }
        let finals = latest.values.filter { $0["final"] as? Bool == true }.count
        Swift.print("performance     \(latest.count) windows reported (\(finals) final) on \(topology.sinks.performance): "
            + (fraud > 0 ? String(format: "recall %.3f", Double(caught) / Double(fraud)) : "no fraud labelled yet")
            + (flagged > 0 ? String(format: ", precision %.3f", Double(caught) / Double(flagged)) : ""))
        if topology.monitoring?.retrain != nil {
            let triggers = try objects(topology.sinks.triggers)
            Swift.print("retrain         \(triggers.count) triggers on \(topology.sinks.triggers)"
                + (triggers.first.map { ": first \($0["summary"] as? String ?? "")" } ?? ""))
        }
    }

    /// Predictions by decision, alerts by severity, the first alerts, and — when the run generated its input — the
    /// precision and recall of the alerts against the generator's fraud labels.
    static func printScoring(
        topology: Topology, bootstrapServers: String, properties: [String: String], labelsTopic: String?, logger: Logger
    ) throws {
        func read(_ topic: String) throws -> [KafkaMessage] {
            try TopicReader.readAll(topic: topic, bootstrapServers: bootstrapServers, properties: properties, logger: logger)
        }
        var decisions: [String: Int] = [:]
        var predicted: Set<String> = []
        for record in try read(topology.sinks.predictions) {
            guard let value = record.value,
                  let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
                  let decision = object["decision"] as? String
            else { continue }
            decisions[decision, default: 0] += 1
            if decision == "fraud", let txn = object["txn_id"] as? String { predicted.insert(txn) }
        }
        var alerts: [AlertView] = []
        for record in try read(topology.sinks.alerts) {
            if let value = record.value, let alert = try? AlertView(json: value) { alerts.append(alert) }
        }
        let bySeverity = AlertView.Severity.allCases.reversed().map { s in "\(alerts.filter { $0.severity == s }.count) \(s.rawValue)" }
        Swift.print("""
            predictions     \(decisions.values.reduce(0, +)) on \(topology.sinks.predictions): \(decisions.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            alerts          \(alerts.count) on \(topology.sinks.alerts): \(bySeverity.joined(separator: ", "))
            """)
        if !alerts.isEmpty {
            Swift.print("first alerts (vigil alerts tail --topic \(topology.sinks.alerts) shows them live):")
            Swift.print("  " + AlertView.tableHeader)
            for alert in alerts.sorted(by: { $0.timestamp < $1.timestamp }).prefix(5) { Swift.print("  " + alert.tableRow) }
        }
        guard let labelsTopic else { return }
        var fraud: Set<String> = []
        for record in try read(labelsTopic) {
            if let value = record.value, let label = try? LabelCodec.decode(value), label.isFraud { fraud.insert(label.txnID) }
        }
        guard !fraud.isEmpty else { return }
        let alerted = Set(alerts.compactMap(\.txnID))
        func rates(_ flagged: Set<String>) -> String {
            let hits = flagged.intersection(fraud).count
            let precision = flagged.isEmpty ? 0 : Double(hits) / Double(flagged.count)
            let recall = Double(hits) / Double(fraud.count)
            return String(format: "precision %.3f, recall %.3f (%d of %d fraudulent transactions)", precision, recall, hits, fraud.count)
        }
        Swift.print("""
            against the generator's labels:
              alerts (any severity)   \(rates(alerted))
              decision "fraud"        \(rates(predicted))
            """)
    }
}
