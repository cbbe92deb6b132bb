/// Why a ``FeatureEngine`` could not be built from a stage's features, or why stored key state could not be
/// decoded.
///
/// ``code`` is machine-readable and extensible (switch with a `default`); ``message`` is a sentence for humans that
/// names the feature or the section concerned. The topology loader reports the same definition problems first, with
/// file and line; these errors are the safety net for callers that build features in code.
public struct FeatureEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of a failure; new codes may be added.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable spelling, snake_case.
        public var rawValue: String

        /// Creates a code from its spelling.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A feature names a field the event schema does not declare.
        public static let unknownField = Code(rawValue: "unknown_field")
        /// A field has a type the aggregation cannot use (e.g. `sum` of a string field).
        public static let fieldType = Code(rawValue: "field_type")
        /// An aggregation needs a field and has none, or takes none and has one.
        public static let fieldUsage = Code(rawValue: "field_usage")
        /// A window's lengths are not positive, a tile width does not divide its window, a hopping advance does not
        /// divide its size, or the aggregation does not exist for this window kind.
        public static let invalidWindow = Code(rawValue: "invalid_window")
        /// `include_current` on a feature that does not allow it.
        public static let includeCurrent = Code(rawValue: "include_current")
        /// A ratio names a feature that is neither an earlier per-event feature of this stage nor an upstream one.
        public static let unknownFeature = Code(rawValue: "unknown_feature")
        /// Two features share a name or a state id.
        public static let duplicateFeature = Code(rawValue: "duplicate_feature")
        /// An engine parameter (grace, distinct limit, schema) is out of range.
        public static let invalidParameter = Code(rawValue: "invalid_parameter")
        /// Stored key-state bytes are truncated, of an unknown version or otherwise malformed.
        public static let corruptState = Code(rawValue: "corrupt_state")

        /// The raw value.
        public var description: String { rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code.rawValue): \(message)" }
}
