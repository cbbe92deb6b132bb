/// When a model should be retrained: rules over drift, live accuracy, time, labels and the error stream, debounced
/// by a cool-down. Evaluated by ``RetrainPolicyEvaluator``.
///
/// For example the policy: `RetrainPolicy(rules: [.drift(threshold: 0.25, topFeatures: 10,
/// consecutiveWindows: 3), .recallDrop(points: 0.10)], cooldownMillis: 86_400_000, trainingRangeMillis:
/// 30 * 86_400_000)`.
public struct RetrainPolicy: Sendable, Equatable {
    /// One condition for a retrain trigger. Every rule that holds at an observation is a reason of the same trigger.
    public enum Rule: Sendable, Equatable {
        /// PSI above `threshold` on any of the model's top `topFeatures` features for `consecutiveWindows` windows in
        /// a row (the same feature each time).
        case drift(threshold: Double, topFeatures: Int, consecutiveWindows: Int)
        /// A final-or-revised performance window whose recall is more than `points` (0.10 = 10 points) below the
        /// bundle's validation recall.
        case recallDrop(points: Double)
        /// At least `everyMillis` of event time since the last trigger (or since the first observation).
        case schedule(everyMillis: Int64)
        /// At least `count` new labels since the last trigger.
        case newLabels(count: Int)
        /// The change detector flagged a change in the error stream.
        case errorChange

        /// The reason's machine name in a trigger: `drift`, `recall_drop`, `schedule`, `new_labels`, `error_change`.
        public var reason: String {
            switch self {
            case .drift: "drift"
            case .recallDrop: "recall_drop"
            case .schedule: "schedule"
            case .newLabels: "new_labels"
            case .errorChange: "error_change"
            }
        }
    }

    /// The rules; a trigger fires when any holds (outside the cool-down).
    public var rules: [Rule]
    /// No trigger fires within this much event time after the last one; conditions that hold meanwhile are counted
    /// in ``RetrainPolicyEvaluator/suppressed``.
    public var cooldownMillis: Int64
    /// The suggested training range of a trigger at `at`: `[at − trainingRangeMillis, at)`.
    public var trainingRangeMillis: Int64

    /// A policy.
    public init(rules: [Rule], cooldownMillis: Int64, trainingRangeMillis: Int64) {
        self.rules = rules
        self.cooldownMillis = cooldownMillis
        self.trainingRangeMillis = trainingRangeMillis
    }
}
