/// A topology was rejected; `issues` lists every problem found, in file order.
///
/// The loader never stops at the first problem: one `vigil validate` run shows everything to fix.
public struct TopologyError: Error, Sendable, CustomStringConvertible {
    /// Every problem, sorted by line and column (problems without a position first).
    public var issues: [TopologyIssue]

    public init(issues: [TopologyIssue]) {
        self.issues = issues
    }

    /// One issue per line group, as `vigil validate` prints them.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }

    /// The kind of a topology problem. Extensible: new codes may be added in any release, so switch over it with a
    /// `default` case.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A stable snake_case identifier, e.g. `unknown_field`.
        public let rawValue: String

        private init(_ rawValue: String) { self.rawValue = rawValue }

        public var description: String { rawValue }

        /// The file, or a list file an alert condition names (`in_file:`), could not be read.
        public static let unreadableFile = Code("unreadable_file")
        /// The file is not valid YAML.
        public static let invalidYAML = Code("invalid_yaml")
        /// The file holds no YAML document.
        public static let emptyFile = Code("empty_file")
        /// A key appears twice in one YAML mapping.
        public static let duplicateKey = Code("duplicate_key")
        /// A mapping, list or single value was expected and something else was found.
        public static let wrongType = Code("wrong_type")
        /// A required field is absent or has no value.
        public static let missingField = Code("missing_field")
        /// A field the language does not know (usually a typo; the hint suggests the closest known field).
        public static let unknownField = Code("unknown_field")
        /// A value outside its allowed set or range (guarantee, format, field type, partitions, a default …).
        public static let invalidValue = Code("invalid_value")
        /// A name or topic with characters Kafka or feature events do not accept, or too long.
        public static let invalidName = Code("invalid_name")
        /// Not a duration, or a zero or negative one where a positive one is needed.
        public static let invalidDuration = Code("invalid_duration")
        /// An aggregation the engine does not have.
        public static let unknownAggregation = Code("unknown_aggregation")
        /// A field that does not apply in its context: `field` on `count`, `tile` on a tumbling window,
        /// `include_current` on `zscore`, `window` on a ratio, `canary` without a challenger, a membership test on
        /// the score or a feature, `monitoring` without `scoring`, `sigmas` with fixed thresholds, a retrain rule that
        /// needs labels or a change detector …
        public static let notApplicable = Code("not_applicable")
        /// A feature or stage key names a field the source schema does not declare.
        public static let unknownSchemaField = Code("unknown_schema_field")
        /// A schema field of the wrong type for its use: a non-numeric field summed, a decimal stage key, an
        /// event-time field that is not a timestamp, a string field compared with a number in an alert condition.
        public static let fieldType = Code("field_type")
        /// An empty `stages` or `features` list, a schema without fields, an alert rule with an empty `when`, an
        /// empty membership list or list file, a retraining policy with an empty `when`.
        public static let emptyList = Code("empty_list")
        /// Two features, stages, state ids, schema fields or alert rules share a name.
        public static let duplicateName = Code("duplicate_name")
        /// A stage keyed like the stage before it: it needs no repartition and belongs in that stage.
        public static let redundantStage = Code("redundant_stage")
        /// A ratio names a feature that does not exist.
        public static let unknownFeature = Code("unknown_feature")
        /// A ratio names a feature of a later stage, which has no value yet when the ratio is computed.
        public static let laterStageFeature = Code("later_stage_feature")
        /// A ratio or an alert condition names a tumbling, hopping or session feature, which has no value per event.
        public static let windowedOperand = Code("windowed_operand")
        /// Ratios refer to each other in a cycle.
        public static let ratioCycle = Code("ratio_cycle")
        /// An inconsistent window: a tile or hopping advance that does not divide the window, two window kinds …
        public static let invalidWindow = Code("invalid_window")
        /// A window longer than the input log's declared retention: a replay could not rebuild it.
        public static let windowExceedsRetention = Code("window_exceeds_retention")
        /// Two roles share one Kafka topic (an output writing to the input, a sink on a repartition topic, the labels
        /// topic on a sink …).
        public static let topicCollision = Code("topic_collision")
        /// An alert condition names something that is not `score`, a per-event feature or a schema field.
        public static let unknownName = Code("unknown_name")
        /// An alert condition names something that is both a feature and a schema field (or `score` and either).
        public static let ambiguousName = Code("ambiguous_name")
        /// An alert condition with no test or several, a `between` whose bounds are not two increasing numbers, or a
        /// retrain rule with no kind or several.
        public static let invalidCondition = Code("invalid_condition")
    }
}
