extension Topology.Monitoring {
    /// The retraining policy (`retrain:`): when to ask for a new model, and which data to train it on.
    ///
    /// A retrain-trigger event goes to `Topology.Sinks.triggers` when any rule holds, with the reason, the evidence
    /// and a suggested training range of `trainingRangeMillis` ending at the window that fired; at most one trigger
    /// per `cooldownMillis`.
    public struct Retrain: Sendable, Equatable {
        /// After a trigger, no other trigger for this long (zero: none suppressed).
        public var cooldownMillis: Int64
        /// The length of the suggested training range (more than zero).
        public var trainingRangeMillis: Int64
        /// The rules, in file order; never empty. Any one holding triggers.
        public var rules: [RetrainRule]
        /// The line of `retrain:` in the topology file (for messages).
        public var line: Int

        /// The default of `cooldown:`: 24 hours.
        public static let defaultCooldownMillis: Int64 = 24 * 3_600_000
        /// The default of `training_range:`: 30 days.
        public static let defaultTrainingRangeMillis: Int64 = 30 * 86_400_000

        public init(
            cooldownMillis: Int64 = defaultCooldownMillis, trainingRangeMillis: Int64 = defaultTrainingRangeMillis,
            rules: [RetrainRule], line: Int = 0
        ) {
            self.cooldownMillis = cooldownMillis
            self.trainingRangeMillis = trainingRangeMillis
            self.rules = rules
            self.line = line
        }
    }

    /// One rule of the retraining policy (an item of `retrain.when`).
    public enum RetrainRule: Sendable, Equatable {
        /// PSI above `psiAbove` on any of the bundle's `topFeatures` most important features, in `windows`
        /// consecutive windows (`drift: {psi_above, top_features, windows}`).
        case drift(psiAbove: Double, topFeatures: Int, windows: Int)
        /// Live recall more than `points` (a fraction, e.g. 0.10 for 10 points) below the bundle's validation
        /// recall (`recall_drop:`); needs `labels`.
        case recallDrop(points: Double)
        /// On a schedule, every `millis` of event time (`every:`).
        case every(millis: Int64)
        /// Once `count` new labels arrived since the last trigger (`new_labels:`); needs `labels`.
        case newLabels(count: Int)
        /// When the labels' change detector fires on the error stream (`error_change: true`); needs `labels` with
        /// a detector.
        case errorChange

        /// The default of the drift rule's `psi_above:`.
        public static let defaultDriftPSIAbove = 0.25
        /// The default of the drift rule's `top_features:`.
        public static let defaultDriftTopFeatures = 10
        /// The default of the drift rule's `windows:`.
        public static let defaultDriftWindows = 3
        /// `drift: {}`: every field at its default.
        public static let defaultDrift = RetrainRule.drift(
            psiAbove: defaultDriftPSIAbove, topFeatures: defaultDriftTopFeatures, windows: defaultDriftWindows)

        /// The rule's key in `retrain.when`, e.g. `recall_drop`.
        public var key: String {
            switch self {
            case .drift: "drift"
            case .recallDrop: "recall_drop"
            case .every: "every"
            case .newLabels: "new_labels"
            case .errorChange: "error_change"
            }
        }
    }
}
