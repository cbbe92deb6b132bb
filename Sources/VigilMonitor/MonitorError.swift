/// Why a monitoring state could not be decoded or two monitoring states could not be combined.
///
/// ``code`` is machine-readable and extensible (switch with a `default`); ``message`` names the type and the field,
/// for example `BinnedHistogram: edges are not strictly increasing at index 3`.
public struct MonitorError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of a failure; new codes may be added.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable spelling, snake_case.
        public var rawValue: String

        /// Creates a code from its spelling.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// An encoded state ended before all of its fields were read.
        public static let truncated = Code(rawValue: "truncated")
        /// An encoded state is malformed: a value out of range, inconsistent counts, or bytes left over.
        public static let corrupt = Code(rawValue: "corrupt")
        /// An encoded state starts with a format byte this version does not read (another type or a newer format).
        public static let unsupportedFormat = Code(rawValue: "unsupported_format")
        /// Two states describe different things (histograms over different bins) and cannot be merged.
        public static let mismatch = Code(rawValue: "mismatch")
        /// An argument is invalid (bin edges that are not strictly increasing).
        public static let invalidArgument = Code(rawValue: "invalid_argument")

        /// The raw value.
        public var description: String { rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A human-readable explanation naming the type and field concerned.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `MonitorError(code): message`.
    public var description: String { "MonitorError(\(code)): \(message)" }
}
