public import VigilCore

/// A validated topology: what `vigil run` executes. Built only by `TopologyLoader`, so every instance has passed
/// validation (docs/topology.md lists the rules).
///
/// A topology reads one source topic and runs a chain of stages. Stage 0 reads the source topic; every later
/// stage is keyed by another field and reads the repartition topic `<name>-<stage>-repartition`, into which the
/// stage before it re-keys the event (with the feature values computed so far). The per-event features of all
/// stages land in one feature event; closed tumbling, hopping and session windows go to the windows sink. With
/// `scoring`, each feature event is also scored by a model and may raise an alert; with `monitoring`, the scored
/// events feed drift, live accuracy and retraining triggers.
public struct Topology: Sendable, Equatable {
    /// The application name: the consumer group id and the prefix of the topics Vigil owns.
    public var name: String
    /// The input.
    public var source: Source
    /// The chain of stages, in processing order; never empty.
    public var stages: [Stage]
    /// Output topics.
    public var sinks: Sinks
    /// How far event time may run ahead before an older event is late: the watermark of an input partition is
    /// its newest event time minus this (docs/semantics.md). Zero or more.
    public var graceMillis: Int64
    /// When set, the watermark of a partition that received nothing for this long advances by wall-clock time,
    /// so that its open windows close; nil (the default) keeps event time purely event-driven.
    public var idleTimeoutMillis: Int64?
    /// The input log's retention as the topology declares it; no window is longer. Nil when not declared.
    public var retentionMillis: Int64?
    /// Up to how many distinct values a tile keeps exactly before `distinct_count` switches to HyperLogLog.
    public var distinctExactLimit: Int
    /// The processing guarantee.
    public var guarantee: Guarantee
    /// Where task state lives: `<stateDirectory>/<name>/<topic>-<partition>/`.
    public var stateDirectory: String
    /// librdkafka properties passed through to every client (e.g. `security.protocol`).
    public var kafka: [String: String]
    /// The file the topology came from (for messages).
    public var file: String
    /// In-stream scoring and alerting (`scoring:`); nil when the topology only computes features.
    public var scoring: Scoring?
    /// Drift, live accuracy and retraining (`monitoring:`); nil when the model is not monitored. Only set together
    /// with `scoring`.
    public var monitoring: Monitoring?

    init(
        name: String, source: Source, stages: [Stage], sinks: Sinks, graceMillis: Int64, idleTimeoutMillis: Int64?,
        retentionMillis: Int64?, distinctExactLimit: Int, guarantee: Guarantee, stateDirectory: String,
        kafka: [String: String], file: String, scoring: Scoring? = nil, monitoring: Monitoring? = nil
    ) {
        self.name = name
        self.source = source
        self.stages = stages
        self.sinks = sinks
        self.graceMillis = graceMillis
        self.idleTimeoutMillis = idleTimeoutMillis
        self.retentionMillis = retentionMillis
        self.distinctExactLimit = distinctExactLimit
        self.guarantee = guarantee
        self.stateDirectory = stateDirectory
        self.kafka = kafka
        self.file = file
        self.scoring = scoring
        self.monitoring = monitoring
    }

    /// The input topic and the shape of its events.
    public struct Source: Sendable, Equatable {
        /// The input topic.
        public var topic: String
        /// Partitions to create when Vigil creates the topic (dev-broker, `--embedded`); repartition topics get
        /// the same count.
        public var partitions: Int32
        /// The declared fields of the input events (default `EventSchema.transactionV1`).
        public var schema: EventSchema
    }

    /// One keyed step of the chain: all state of one key value lives in the task that owns its partition.
    public struct Stage: Sendable, Equatable {
        /// Unique in the topology; part of the repartition topic name.
        public var name: String
        /// The name of the schema field the stage is keyed by (a `string` or `int` field).
        public var key: String
        /// The index of `key` in `Source.schema.fields`.
        public var keyField: Int
        /// The stage's features in declaration order: trailing, ratio and windowed features mixed, as the feature
        /// engine takes them.
        public var features: [FeatureSpec]
        /// The topic the stage consumes: the source topic for the first stage, else `<name>-<stage>-repartition`.
        public var inputTopic: String
        /// The line of the stage in the topology file (for messages).
        public var line: Int
    }

    /// The output topics.
    public struct Sinks: Sendable, Equatable {
        /// Feature events, one per input event (default `<name>-features`).
        public var features: String
        /// Results of closed tumbling, hopping and session windows (default `<name>-windows`).
        public var windows: String
        /// Events that could not be decoded or processed, with the reason (default `<name>-dlq`).
        public var deadLetter: String
        /// Events later than the grace period (default `<name>-late`; may be the dead-letter topic).
        public var late: String
        /// One prediction event per scored input event (default `<name>-predictions`); used only with `scoring`.
        public var predictions: String
        /// The challenger model's predictions, which never raise alerts (default `<name>-shadow`); used only when
        /// `scoring` names a challenger.
        public var shadow: String
        /// Alert events (default `<name>-alerts`); used only with `scoring`.
        public var alerts: String
        /// Internal: the predictions and labels the monitor consumes (default `<name>-monitor`); used only with
        /// `monitoring`.
        public var monitor: String
        /// Drift events, per feature and window plus a summary (default `<name>-drift`); used only with `monitoring`.
        public var drift: String
        /// Performance events per window (default `<name>-performance`); used only with `monitoring.labels`.
        public var performance: String
        /// Retrain-trigger events (default `<name>-retrain`); used only with `monitoring.retrain`.
        public var triggers: String
        /// The model-control topic: promotion events (default `<name>-models`); used only with `monitoring`.
        public var models: String
        /// Audit events of the retraining loop (default `<name>-audit`); used only with `monitoring`.
        public var audit: String
    }

    /// What happens to outputs after a crash.
    public enum Guarantee: String, Sendable, Equatable, CaseIterable {
        /// The uncommitted tail is reprocessed and re-emits identical records with identical ids.
        case atLeastOnce = "at_least_once"
        /// Transactional producer with the offsets in the transaction.
        case exactlyOnce = "exactly_once"
    }

    /// Every topic the topology reads or writes, with the partition count to create it with: the source, the
    /// repartition topics (as many partitions as the source), the features sink, the windows sink (only when a
    /// stage has windowed features), the predictions, shadow (only with a challenger) and alerts sinks (only with
    /// `scoring`; as many partitions as the source), with `monitoring` the monitor, drift, performance (only with
    /// labels), triggers (only with a retraining policy), models and audit sinks (one partition each), and the
    /// dead-letter and late topics (one partition; listed once when they are the same topic). The labels topic is
    /// an input Vigil does not own: it is not listed.
    public var topics: [(name: String, partitions: Int32)] {
        var list: [(name: String, partitions: Int32)] = [(source.topic, source.partitions)]
        for stage in stages.dropFirst() { list.append((stage.inputTopic, source.partitions)) }
        list.append((sinks.features, source.partitions))
        if hasWindowedFeatures { list.append((sinks.windows, source.partitions)) }
        if let scoring {
            list.append((sinks.predictions, source.partitions))
            if scoring.challenger != nil { list.append((sinks.shadow, source.partitions)) }
            list.append((sinks.alerts, source.partitions))
        }
        if let monitoring {
            list.append((sinks.monitor, 1))
            list.append((sinks.drift, 1))
            if monitoring.labels != nil { list.append((sinks.performance, 1)) }
            if monitoring.retrain != nil { list.append((sinks.triggers, 1)) }
            list.append((sinks.models, 1))
            list.append((sinks.audit, 1))
        }
        list.append((sinks.deadLetter, 1))
        if sinks.late != sinks.deadLetter { list.append((sinks.late, 1)) }
        return list
    }

    /// The per-event features of every stage, in stage then declaration order: the columns of a feature event.
    public var featureNames: [String] {
        stages.flatMap { $0.features.filter(\.isPerEvent).map(\.name) }
    }

    /// The per-event features of the stages before `stage` (an index into `stages`), in order: the values a stage
    /// receives with each event and its ratios may refer to (the feature engine's `upstreamFeatureNames`).
    public func upstreamFeatureNames(ofStage stage: Int) -> [String] {
        stages[..<stage].flatMap { $0.features.filter(\.isPerEvent).map(\.name) }
    }

    /// Whether some stage has a tumbling, hopping or session feature (writing to the windows sink).
    public var hasWindowedFeatures: Bool {
        stages.contains { $0.features.contains { !$0.isPerEvent } }
    }
}
