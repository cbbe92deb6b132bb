/// The catalogue of every metric a Vigil process exports on `/metrics`: name, help, kind and label names.
///
/// The runtime builds its samples from these entries (`MetricSample(VigilMetrics.eventsIn, labels: …, value: …)`),
/// docs/observability.md lists them, and a test checks that every metric the Grafana dashboard and the Prometheus
/// rules in `ops/deploy/` reference is here.
public enum VigilMetrics {
    /// One catalogued metric family.
    public struct Metric: Sendable, Hashable {
        /// The family's name (for a histogram, without the `_bucket`, `_sum`, `_count` suffixes).
        public let name: String
        /// One line of help, exported as `# HELP`.
        public let help: String
        /// The Prometheus type.
        public let kind: MetricKind
        /// The label names every sample carries, in render order (`le` of histogram buckets not included).
        public let labels: [String]
        /// For a histogram, the upper bounds the runtime should count into (ascending); empty otherwise.
        public let buckets: [Double]

        public init(name: String, help: String, kind: MetricKind, labels: [String] = [], buckets: [Double] = []) {
            self.name = name
            self.help = help
            self.kind = kind
            self.labels = labels
            self.buckets = buckets
        }

        /// The series names this family exposes: the name itself, or a histogram's three suffixed names.
        public var seriesNames: [String] {
            kind == .histogram ? [name + "_bucket", name + "_sum", name + "_count"] : [name]
        }
    }

    /// Upper bounds, in seconds, of the latency histograms: 50 µs to 10 s.
    public static let latencyBuckets: [Double] = [
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// Upper bounds of the score histogram: ten bins of width 0.1 over [0, 1], as the runtime counts scores.
    public static let scoreBuckets: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]

    // MARK: Throughput

    /// Input records processed and committed, per input topic (the source and repartition topics) and partition.
    public static let eventsIn = Metric(
        name: "vigil_events_in_total",
        help: "Input records processed and committed, per input topic and partition.",
        kind: .counter, labels: ["topic", "partition"])
    /// Records produced and committed, per output topic (features, windows, predictions, alerts, repartition).
    public static let eventsOut = Metric(
        name: "vigil_events_out_total",
        help: "Records produced and committed, per output topic.",
        kind: .counter, labels: ["topic"])
    /// Records the consumer still has to read: high watermark minus committed position.
    public static let consumerLag = Metric(
        name: "vigil_consumer_lag",
        help: "Records not yet processed: the partition's high watermark minus the committed position.",
        kind: .gauge, labels: ["topic", "partition"])
    /// Input partitions this process owns now.
    public static let assignedPartitions = Metric(
        name: "vigil_assigned_partitions",
        help: "Input partitions assigned to this process.",
        kind: .gauge)
    /// Time from polling an input batch to its commit, observed once per batch.
    public static let processingLatency = Metric(
        name: "vigil_processing_latency_seconds",
        help: "Time from an input batch's poll to its commit, per batch.",
        kind: .histogram, buckets: latencyBuckets)
    /// How long one commit takes (flush the producer, write the state batch with the offsets).
    public static let commitDuration = Metric(
        name: "vigil_commit_duration_seconds",
        help: "Time one commit takes: outputs delivered, then state and offsets written in one batch.",
        kind: .histogram, buckets: latencyBuckets)
    /// State commits (one per task per poll batch).
    public static let commits = Metric(
        name: "vigil_commits_total",
        help: "State commits, one per task per poll batch.",
        kind: .counter)

    // MARK: Bad, late and skipped input

    /// Records sent to the dead-letter topic (undecodable or invalid input, malformed labels).
    public static let deadLetter = Metric(
        name: "vigil_dead_letter_total",
        help: "Records sent to the dead-letter topic.",
        kind: .counter)
    /// Events later than the grace period, sent to the late-events topic.
    public static let lateEvents = Metric(
        name: "vigil_late_events_total",
        help: "Events later than the grace period, sent to the late-events topic.",
        kind: .counter)
    /// Valid events without the stage's key (they pass through with that stage's features missing).
    public static let skippedEvents = Metric(
        name: "vigil_skipped_events_total",
        help: "Valid events without a key for a stage; they pass that stage with its features missing.",
        kind: .counter)
    /// Input records the log no longer held when a task resumed (retention passed the stored offset).
    public static let truncatedEvents = Metric(
        name: "vigil_truncated_events_total",
        help: "Input records lost to retention before a resuming task could read them.",
        kind: .counter)
    /// Source events with a schema field absent or null, per field.
    public static let missingFields = Metric(
        name: "vigil_missing_fields_total",
        help: "Source events whose field was absent or null, per schema field.",
        kind: .counter, labels: ["field"])
    /// Source events decoded (the denominator of the missing-field rate).
    public static let decodedEvents = Metric(
        name: "vigil_decoded_events_total",
        help: "Source events decoded.",
        kind: .counter)

    // MARK: State

    /// Estimated bytes of live state (RocksDB), per store.
    public static let stateBytes = Metric(
        name: "vigil_state_bytes",
        help: "Estimated bytes of live state, per store.",
        kind: .gauge, labels: ["store"])
    /// RocksDB compactions completed.
    public static let rocksdbCompactions = Metric(
        name: "vigil_rocksdb_compactions_total",
        help: "RocksDB compactions completed.",
        kind: .counter)
    /// Share of block reads served by the shared block cache.
    public static let rocksdbBlockCacheHitRatio = Metric(
        name: "vigil_rocksdb_block_cache_hit_ratio",
        help: "Share of RocksDB block reads served by the block cache, since start.",
        kind: .gauge)
    /// Partitions whose state is being restored or caught up.
    public static let restoringPartitions = Metric(
        name: "vigil_restoring_partitions",
        help: "Assigned partitions whose state is not yet restored and caught up.",
        kind: .gauge)

    // MARK: Models

    /// The models in use: 1 per role (champion, challenger, canary, shadow), model and version.
    public static let modelInfo = Metric(
        name: "vigil_model_info",
        help: "The models in use: always 1, per role, model and version.",
        kind: .gauge, labels: ["role", "model", "version"])
    /// Predictions made, per model version and role.
    public static let predictions = Metric(
        name: "vigil_predictions_total",
        help: "Predictions made, per model, version and role.",
        kind: .counter, labels: ["model", "version", "role"])
    /// The distribution of scores, per model version and role.
    public static let score = Metric(
        name: "vigil_score",
        help: "Distribution of model scores, per model, version and role.",
        kind: .histogram, labels: ["model", "version", "role"], buckets: scoreBuckets)
    /// Alerts written, per severity.
    public static let alerts = Metric(
        name: "vigil_alerts_total",
        help: "Alerts written, per severity.",
        kind: .counter, labels: ["severity"])

    // MARK: Monitoring

    /// The population stability index of the last closed window, per model version and feature (`score` for the
    /// score).
    public static let driftPSI = Metric(
        name: "vigil_drift_psi",
        help: "Population stability index of the last closed drift window, per model, version and feature.",
        kind: .gauge, labels: ["model", "version", "feature"])
    /// Drift events (one per feature per closed window) emitted by the monitor.
    public static let driftEvents = Metric(
        name: "vigil_monitor_drift_events_total",
        help: "Drift events emitted by the monitor.",
        kind: .counter)
    /// Performance events (live accuracy reports and revisions) emitted by the monitor.
    public static let performanceEvents = Metric(
        name: "vigil_monitor_performance_events_total",
        help: "Performance events (live accuracy reports and revisions) emitted by the monitor.",
        kind: .counter)
    /// Labels the monitor received.
    public static let monitorLabels = Metric(
        name: "vigil_monitor_labels_total",
        help: "Labels the monitor received.",
        kind: .counter)
    /// Labels joined to a remembered prediction.
    public static let monitorLabelsJoined = Metric(
        name: "vigil_monitor_labels_joined_total",
        help: "Labels the monitor joined to a remembered prediction.",
        kind: .counter)
    /// Labels for windows past their horizon, not applied.
    public static let monitorLabelsBeyondHorizon = Metric(
        name: "vigil_monitor_labels_beyond_horizon_total",
        help: "Labels for windows past the horizon, counted and not applied.",
        kind: .counter)
    /// Retraining triggers emitted.
    public static let monitorTriggers = Metric(
        name: "vigil_monitor_triggers_total",
        help: "Retraining triggers emitted by the monitor.",
        kind: .counter)

    // MARK: Process

    /// 1 when `/readyz` answers ready, else 0.
    public static let ready = Metric(
        name: "vigil_ready",
        help: "1 when every assigned partition is restored and caught up (/readyz is 200), else 0.",
        kind: .gauge)

    /// Every catalogued metric, in the order docs/observability.md lists them.
    public static let all: [Metric] = [
        eventsIn, eventsOut, consumerLag, assignedPartitions, processingLatency, commitDuration, commits,
        deadLetter, lateEvents, skippedEvents, truncatedEvents, missingFields, decodedEvents,
        stateBytes, rocksdbCompactions, rocksdbBlockCacheHitRatio, restoringPartitions,
        modelInfo, predictions, score, alerts,
        driftPSI, driftEvents, performanceEvents, monitorLabels, monitorLabelsJoined, monitorLabelsBeyondHorizon,
        monitorTriggers,
        ready,
    ]

    /// The catalogued metric with this family name, if any.
    public static func metric(named name: String) -> Metric? {
        all.first { $0.name == name }
    }

    /// The catalogued metric that exposes this series name (`vigil_score_bucket` → `vigil_score`), if any.
    public static func metric(exposingSeries series: String) -> Metric? {
        all.first { $0.seriesNames.contains(series) }
    }
}
