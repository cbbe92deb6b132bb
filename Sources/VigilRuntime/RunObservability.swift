public import VigilHTTP
import Foundation
import VigilCore
import VigilKafka
import VigilState
import VigilTopology

/// What `vigil run --http` serves (docs/observability.md): the runner's counters as Prometheus metrics, liveness,
/// readiness (every assigned partition open and caught up), and the models in force.
///
/// Thread-safe: it reads the runner's thread-safe counters and registry.
public struct RunObservability: ObservabilitySource {
    public let runner: Runner

    public init(runner: Runner) {
        self.runner = runner
    }

    public func metrics() -> [MetricSample] {
        let c = runner.counters
        let topology = runner.topology
        var samples: [MetricSample] = []
        let partitions = c.partitions
        for (tp, stats) in partitions.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
            let labels = [("topic", tp.topic), ("partition", "\(tp.partition)")]
            samples.append(MetricSample(VigilMetrics.eventsIn, labels: labels, value: .counter(Double(stats.eventsIn))))
            if let lag = stats.lag {
                samples.append(MetricSample(VigilMetrics.consumerLag, labels: labels, value: .gauge(Double(lag))))
            }
        }
        samples.append(MetricSample(VigilMetrics.assignedPartitions, value: .gauge(Double(partitions.count))))
        let restoring = partitions.values.filter { !$0.caughtUp }.count
        samples.append(MetricSample(VigilMetrics.restoringPartitions, value: .gauge(Double(restoring))))

        // Records out per output topic, from what the tasks counted.
        let predictions = c.predictions
        var out: [(String, Int)] = [
            (topology.sinks.features, c.featuresOut), (topology.sinks.deadLetter, c.deadLettered),
            (topology.sinks.late, c.late),
        ]
        if topology.stages.count > 1 {
            out.append(("repartition", c.forwarded))
        }
        if c.windowsOut > 0 { out.append((topology.sinks.windows, c.windowsOut)) }
        if topology.scoring != nil {
            out.append((topology.sinks.predictions, predictions.filter { $0.role != "shadow" }.reduce(0) { $0 + $1.count }))
            let shadow = predictions.filter { $0.role == "shadow" }.reduce(0) { $0 + $1.count }
            if shadow > 0 { out.append((topology.sinks.shadow, shadow)) }
            out.append((topology.sinks.alerts, c.alertsOut))
        }
        for (topic, n) in out {
            samples.append(MetricSample(VigilMetrics.eventsOut, labels: [("topic", topic)], value: .counter(Double(n))))
        }

        // State size per task store: live data in the tables plus the memtables (RocksDB's estimates).
        for (tp, store) in runner.openStores().sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
            guard let live = store.integerProperty("rocksdb.estimate-live-data-size"),
                  let memtables = store.integerProperty("rocksdb.cur-size-all-mem-tables")
            else { continue }
            samples.append(MetricSample(
                VigilMetrics.stateBytes, labels: [("store", "\(tp.topic)-\(tp.partition)")],
                value: .gauge(Double(live + memtables))))
        }
        samples.append(histogram(VigilMetrics.processingLatency, c.batchLatency))
        samples.append(histogram(VigilMetrics.commitDuration, c.commitDuration))
        samples.append(MetricSample(VigilMetrics.commits, value: .counter(Double(c.commits))))
        samples.append(MetricSample(VigilMetrics.deadLetter, value: .counter(Double(c.deadLettered))))
        samples.append(MetricSample(VigilMetrics.lateEvents, value: .counter(Double(c.late))))
        samples.append(MetricSample(VigilMetrics.skippedEvents, value: .counter(Double(c.skipped))))
        samples.append(MetricSample(VigilMetrics.truncatedEvents, value: .counter(Double(c.truncated))))
        let fields = c.fieldMissing
        samples.append(MetricSample(VigilMetrics.decodedEvents, value: .counter(Double(fields.decoded))))
        let schema = topology.source.schema.fields
        for (i, n) in fields.missing.enumerated() where i < schema.count {
            samples.append(MetricSample(
                VigilMetrics.missingFields, labels: [("field", schema[i].name)], value: .counter(Double(n))))
        }

        if let models = runner.models {
            let current = models.current
            for (role, loaded) in [("champion", current.champion)] + (current.challenger.map { [("challenger", $0)] } ?? []) {
                samples.append(MetricSample(
                    VigilMetrics.modelInfo, labels: [("role", role), ("model", loaded.name), ("version", loaded.version)],
                    value: .gauge(1)))
            }
            for stats in predictions {
                let labels = [("model", stats.name), ("version", stats.version), ("role", stats.role)]
                samples.append(MetricSample(VigilMetrics.predictions, labels: labels, value: .counter(Double(stats.count))))
                samples.append(MetricSample(
                    VigilMetrics.score, labels: labels,
                    value: .histogram(HistogramSnapshot(
                        upperBounds: VigilMetrics.scoreBuckets, binCounts: stats.bins, sum: stats.sum))))
            }
            for severity in ["info", "warning", "critical"] {
                samples.append(MetricSample(
                    VigilMetrics.alerts, labels: [("severity", severity)],
                    value: .counter(Double(c.alertsBySeverity[severity] ?? 0))))
            }
        }
        if topology.monitoring != nil {
            let m = c.monitor
            samples.append(MetricSample(VigilMetrics.driftEvents, value: .counter(Double(m.driftEvents))))
            samples.append(MetricSample(VigilMetrics.performanceEvents, value: .counter(Double(m.performanceEvents))))
            samples.append(MetricSample(VigilMetrics.monitorLabels, value: .counter(Double(m.labels))))
            samples.append(MetricSample(VigilMetrics.monitorLabelsJoined, value: .counter(Double(m.labelsJoined))))
            samples.append(MetricSample(
                VigilMetrics.monitorLabelsBeyondHorizon, value: .counter(Double(m.labelsBeyondHorizon))))
            samples.append(MetricSample(VigilMetrics.monitorTriggers, value: .counter(Double(m.triggers))))
            for (gauge, psi) in c.driftPSI.sorted(by: { ($0.key.model, $0.key.version, $0.key.feature) < ($1.key.model, $1.key.version, $1.key.feature) }) {
                samples.append(MetricSample(
                    VigilMetrics.driftPSI,
                    labels: [("model", gauge.model), ("version", gauge.version), ("feature", gauge.feature)],
                    value: .gauge(psi)))
            }
        }
        samples.append(MetricSample(VigilMetrics.ready, value: .gauge(notReadyReason() == nil ? 1 : 0)))
        return samples
    }

    private func histogram(_ metric: VigilMetrics.Metric, _ h: RuntimeCounters.LatencyHistogram) -> MetricSample {
        MetricSample(
            metric,
            value: .histogram(HistogramSnapshot(
                upperBounds: RuntimeCounters.LatencyHistogram.bounds, binCounts: h.bins, sum: h.sum)))
    }

    public func unhealthyReason() -> String? {
        runner.failureDescription
    }

    public func notReadyReason() -> String? {
        if let failure = runner.failureDescription { return "failed: \(failure)" }
        let partitions = runner.counters.partitions
        guard !partitions.isEmpty else { return "no input partition assigned yet" }
        let behind = partitions.filter { !$0.value.caughtUp }
        guard behind.isEmpty else {
            let worst = behind.max { ($0.value.lag ?? .max) < ($1.value.lag ?? .max) }!
            return "\(behind.count) of \(partitions.count) partitions not caught up yet (\(worst.key): lag \(worst.value.lag.map(String.init) ?? "unknown"))"
        }
        return nil
    }

    public func features(stage: String, key: String) -> FeatureAnswer {
        switch runner.latestFeatures(stage: stage, key: key) {
        case .unknownStage: return .unknownStage
        case .notFound, .notQueryable: return .notFound
        case .found(let timestamp, let features):
            var writer = JSONByteWriter(capacity: 256)
            writer.raw("{")
            writer.key("stage")
            writer.string(stage)
            writer.raw(",")
            writer.key("key")
            writer.string(key)
            writer.raw(",")
            writer.key("ts")
            writer.int(timestamp)
            writer.raw(",\"features\":{")
            for (i, f) in features.enumerated() {
                if i > 0 { writer.raw(",") }
                writer.key(f.name)
                writer.value(f.value)
            }
            writer.raw("}}")
            return .found(json: writer.bytes)
        }
    }

    public func models() -> [UInt8] {
        guard let models = runner.models else { return Array("{\"scoring\":false}".utf8) }
        let current = models.current, paths = models.currentPaths
        var json = MonitorJSON(type: "models", topology: runner.topology.name)
        json.field("champion", current.champion.identifier)
        json.field("champion_path", paths.champion)
        json.field("challenger", current.challenger?.identifier)
        json.field("challenger_path", paths.challenger)
        json.field("swaps", models.swaps)
        json.field("rejections", models.rejections)
        return json.finish()
    }
}
