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
