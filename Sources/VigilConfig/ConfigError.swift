/// A configuration that cannot be used: every problem found in the file, the environment and the flags, each naming
/// where it came from (file and line, variable or flag) and the setting.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; extensible (new codes are not a breaking change).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: Hashable, Sendable {
            case unreadableFile, invalidYAML, unknownKey, wrongType, invalidValue, duplicateKey, forbiddenKey, conflict
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The configuration file could not be read (missing, no permission, not UTF-8).
        public static let unreadableFile = Code(.unreadableFile)
        /// The file is not valid YAML.
        public static let invalidYAML = Code(.invalidYAML)
        /// A key the configuration does not know (often a typo).
        public static let unknownKey = Code(.unknownKey)
        /// A value of the wrong shape: a list or mapping where a plain value is expected, or the other way round.
        public static let wrongType = Code(.wrongType)
        /// A value out of range or not of the setting's kind (`threads: many`).
        public static let invalidValue = Code(.invalidValue)
        /// A key given twice in one mapping.
        public static let duplicateKey = Code(.duplicateKey)
        /// A librdkafka key the runtime sets itself (`group.id`).
        public static let forbiddenKey = Code(.forbiddenKey)
        /// Two settings that exclude each other.
        public static let conflict = Code(.conflict)

        public var description: String {
            switch value {
            case .unreadableFile: "unreadable file"
            case .invalidYAML: "invalid YAML"
            case .unknownKey: "unknown key"
            case .wrongType: "wrong type"
            case .invalidValue: "invalid value"
            case .duplicateKey: "duplicate key"
            case .forbiddenKey: "forbidden key"
            case .conflict: "conflict"
            }
        }
    }

    /// One problem.
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// What kind of problem.
        public var code: Code
        /// Where the value came from: `vigil.yaml:4:10`, `environment variable VIGIL_THREADS`, `flag --threads`.
        public var location: String
        /// The setting's file key (`threads`, `log.level`, `kafka.sasl.password`); empty for the file as a whole.
        public var field: String
        /// What is wrong, and what would be right.
        public var message: String

        public init(code: Code, location: String, field: String, message: String) {
            self.code = code
            self.location = location
            self.field = field
            self.message = message
        }

        public var description: String { "\(location): \(field.isEmpty ? "" : "\(field): ")\(message)" }
    }

    /// Every problem found, in the order found (file by position, then the environment, then flags).
    public var issues: [Issue]

    public init(issues: [Issue]) { self.issues = issues }

    public init(code: Code, location: String, field: String, message: String) {
        issues = [Issue(code: code, location: location, field: field, message: message)]
    }

    /// The first problem's code.
    public var code: Code { issues.first?.code ?? .invalidValue }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
