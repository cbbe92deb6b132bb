/// Why a model bundle, a model file or a feature mapping was rejected.
///
/// ``code`` is machine-readable and extensible (switch with a `default`). ``file`` names the file inside the bundle
/// (`manifest.json`, `model.json`, or the bundle path itself for archive and I/O problems) and ``path`` the JSON field
/// path in that file (`features[3]`, `learner.gradient_booster.model.trees[4].split_indices[7]`), so the
/// ``description`` reads like `manifest.json: features[3]: duplicate feature "card_count_1h"`.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of a failure; new codes may be added.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable spelling, snake_case.
        public var rawValue: String

        /// Creates a code from its spelling.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A file or directory could not be read (missing, unreadable, too large).
        public static let io = Code(rawValue: "io")
        /// A tar or gzip archive is malformed, truncated, or lacks `manifest.json`.
        public static let invalidArchive = Code(rawValue: "invalid_archive")
        /// A file is not valid JSON (the message gives line and column).
        public static let invalidJSON = Code(rawValue: "invalid_json")
        /// `manifest.json` has a missing, unknown, mistyped or out-of-range field.
        public static let invalidManifest = Code(rawValue: "invalid_manifest")
        /// The model file is malformed (a missing array, a child index out of range, a cycle, a bad weight).
        public static let invalidModel = Code(rawValue: "invalid_model")
        /// The model file is well formed but uses something Vigil does not score (an objective, multi-class,
        /// categorical splits, `gblinear`, `dart`).
        public static let unsupportedModel = Code(rawValue: "unsupported_model")
        /// The manifest and the model disagree (feature count, feature names, thresholds outside the output range).
        public static let inconsistentBundle = Code(rawValue: "inconsistent_bundle")
        /// The topology does not compute every feature the model needs.
        public static let missingFeatures = Code(rawValue: "missing_features")

        /// The raw value.
        public var description: String { rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The file concerned, relative to the bundle (or the bundle's own path); nil when no file is concerned.
    public var file: String?
    /// The JSON field path inside ``file``; nil when the problem is not about one field.
    public var path: String?
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(code: Code, file: String? = nil, path: String? = nil, message: String) {
        self.code = code
        self.file = file
        self.path = path
        self.message = message
    }

    /// `file: path: message`, leaving out the parts that are nil.
    public var description: String {
        var text = ""
        if let file { text += file + ": " }
        if let path, !path.isEmpty { text += path + ": " }
        return text + message
    }
}
