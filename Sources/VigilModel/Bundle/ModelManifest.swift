/// The `manifest.json` of a model bundle (format version 1): what the model is, what it reads, how it was
/// trained, how its score becomes a decision, and the reference distributions drift monitoring compares against.
///
/// docs/models.md documents every field. Reading is strict: unknown fields, duplicate features, misordered edges
/// and out-of-range values are errors naming `manifest.json` and the field path.
public struct ModelManifest: Sendable, Hashable {
    /// The manifest format this reader understands.
    public static let formatVersion = 1

    /// What kind of model file the bundle holds.
    public enum ModelKind: String, Sendable, Hashable, CaseIterable {
        /// ``LogisticModel``'s JSON.
        case logistic
        /// XGBoost's `save_model` JSON (``TreeEnsembleModel``).
        case xgboostJSON = "xgboost_json"
    }

    /// Where the training data came from.
    public struct Training: Sendable, Hashable {
        /// The first instant of the training data.
        public let from: RFC3339Timestamp
        /// The last instant of the training data (not before ``from``).
        public let to: RFC3339Timestamp
        /// How many rows the model was trained on.
        public let rows: Int
        /// The dataset's name, if given.
        public let datasetName: String?
        /// The dataset's checksum, if given (free text, e.g. `sha256:…`).
        public let datasetChecksum: String?
    }

    /// Offline quality at the decision threshold, as measured when the bundle was built.
    public struct Validation: Sendable, Hashable {
        /// Precision at the decision threshold, in [0, 1].
        public let precision: Double?
        /// Recall at the decision threshold, in [0, 1].
        public let recall: Double?
        /// Area under the precision-recall curve, in [0, 1].
        public let aucPR: Double?
    }

    /// The manifest's `format_version` (always 1 today).
    public let formatVersion: Int
    /// The model's name (e.g. `card-fraud`).
    public let name: String
    /// The model's version; every prediction names it.
    public let version: String
    /// When the bundle was made.
    public let createdAt: RFC3339Timestamp
    /// The model's inputs, by their topology feature names, in the order the model reads them.
    public let features: [String]
    /// The training data range and size.
    public let training: Training
    /// The model file's kind.
    public let modelKind: ModelKind
    /// The model file's name, relative to the bundle.
    public let modelFile: String
    /// The decision thresholds.
    public let thresholds: DecisionThresholds
    /// The baseline of each feature that has one (only listed features), by name.
    public let featureBaselines: [String: FeatureBaseline]
    /// The baseline of the score.
    public let scoreBaseline: FeatureBaseline
    /// Offline quality figures, if given.
    public let validation: Validation?

    /// `name@version`, for log lines and metrics.
    public var identifier: String { "\(name)@\(version)" }

    /// The baseline of each feature in manifest order (nil where the manifest gives none).
    public var orderedFeatureBaselines: [FeatureBaseline?] { features.map { featureBaselines[$0] } }
}
