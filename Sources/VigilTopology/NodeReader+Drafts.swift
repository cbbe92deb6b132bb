import VigilCore
import Yams

extension NodeReader {
    /// The source section as read, before the cross-section checks.
    struct SourceDraft {
        var topic: String?
        var topicNode: Node?
        var partitions: Int32
        /// Nil when the declared schema has problems (schema-dependent checks are then skipped, not guessed).
        var schema: EventSchema?
    }

    /// One stage as read, with the nodes later checks point at.
    struct StageDraft {
        var path: String
        var line: Int
        var name: String?
        var nameNode: Node?
        var key: String?
        var keyNode: Node?
        /// Index of the key in the schema; nil when the key is unknown or the schema is unavailable.
        var keyField: Int?
        var features: [FeatureDraft]
    }

    /// One feature as read. `spec` is nil when the feature has problems of its own; its name still takes part in
    /// the duplicate and reference checks, so one mistake does not cascade into others.
    struct FeatureDraft {
        var path: String
        var name: String
        var nameNode: Node
        var id: String?
        var idNode: Node?
        var windowNode: Node?
        var ratioOperands: [RatioOperand]
        var spec: FeatureSpec?

        var stateID: String { id ?? name }
    }

    /// A feature name a ratio refers to.
    struct RatioOperand {
        var name: String
        var node: Node
        var path: String
    }
}

extension NodeReader {
    /// The scoring section as read: whether it names a challenger (for the shadow sink's topic checks) and the
    /// section itself, nil when it has problems.
    struct ScoringDraft {
        var hasChallenger: Bool
        var scoring: Topology.Scoring?
    }

    /// One alert rule as read, with the node of its name for the duplicate check. `rule` is nil when the rule has
    /// problems.
    struct RuleDraft {
        var path: String
        var line: Int
        var name: String?
        var nameNode: Node?
        var rule: Topology.AlertRule?
    }

    /// What an alert condition may name, gathered from the stage drafts and the schema.
    struct ConditionScope {
        /// Per-event features (with a valid spec) and their column in the feature event (`Topology.featureNames`).
        var columns: [String: Int]
        /// The per-event features in column order (for did-you-mean hints).
        var columnNames: [String]
        /// Tumbling, hopping and session features: they have no value per event.
        var windowed: [String: Window]
        /// Every feature name, those with problems of their own included (they are not reported again).
        var declared: Set<String>
        /// Nil when the schema has problems: field conditions are then not checked, not guessed.
        var schema: EventSchema?
    }
}

extension NodeReader {
    /// The monitoring section as read: what its sinks' topic checks need (whether it has labels and a retraining
    /// policy, the labels topic and its node) and the section itself, nil when it has problems.
    struct MonitoringDraft {
        var hasLabels: Bool
        var hasRetrain: Bool
        var labelsTopic: String?
        var labelsTopicNode: Node?
        var monitoring: Topology.Monitoring?
    }

    /// The labels part of the monitoring section as read. `detector` is nil when it has a problem of its own (the
    /// retrain rules that need a detector are then not checked against a guess); `labels` is nil on any problem.
    struct LabelsDraft {
        var topic: String?
        var topicNode: Node?
        var detector: Topology.Monitoring.Detector?
        var labels: Topology.Monitoring.Labels?
    }
}
