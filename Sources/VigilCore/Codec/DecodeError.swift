/// Why an event's bytes could not be decoded or validated.
///
/// ``kind`` is machine-readable (it becomes the `vigil.error.kind` header of a dead letter, spelled as its raw
/// value, e.g. `missing_field`); ``reason`` is a sentence for humans (the `vigil.error.reason` header), e.g.
/// `missing required field "card_id"`. ``field`` names the offending field when there is one, and ``offset`` the
/// zero-based byte position in the input when the problem is at a particular byte.
public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of a decoding failure; extensible: new kinds may be added, so switch with a `default`.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable wire spelling, snake_case.
        public var rawValue: String

        /// Creates a kind from its wire spelling.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The input has no bytes, or only whitespace.
        public static let emptyInput = Kind(rawValue: "empty_input")
        /// The input is not well-formed JSON (including truncated JSON and trailing bytes after the object).
        public static let notJSON = Kind(rawValue: "not_json")
        /// The input is not valid UTF-8 (including overlong encodings, encoded surrogates and unpaired `\u`
        /// surrogate escapes, which cannot be represented in UTF-8).
        public static let notUTF8 = Kind(rawValue: "not_utf8")
        /// The input is JSON but its top-level value is not an object.
        public static let notAnObject = Kind(rawValue: "not_an_object")
        /// A required field is absent.
        public static let missingField = Kind(rawValue: "missing_field")
        /// A field has the wrong JSON type (a string where a number is expected, ...).
        public static let wrongType = Kind(rawValue: "wrong_type")
        /// A field has the right type but a value outside its rules (negative amount, unknown channel, `v` = 2, ...).
        public static let invalidValue = Kind(rawValue: "invalid_value")

        /// The raw value.
        public var description: String { rawValue }
    }

    /// What went wrong.
    public var kind: Kind
    /// The wire name of the offending field, when the problem is about one field.
    public var field: String?
    /// A human-readable explanation naming the field or the byte position.
    public var reason: String
    /// The zero-based byte offset of the problem in the input, when it is at a particular byte.
    public var offset: Int?

    /// Creates an error.
    public init(kind: Kind, field: String? = nil, reason: String, offset: Int? = nil) {
        self.kind = kind
        self.field = field
        self.reason = reason
        self.offset = offset
    }

    /// `kind: reason`.
    public var description: String { "\(kind.rawValue): \(reason)" }
}

extension DecodeError {
    static func missing(_ field: String) -> DecodeError {
        DecodeError(kind: .missingField, field: field, reason: "missing required field \"\(field)\"")
    }

    static func wrongType(_ field: String, found: JSONValueType, expected: String) -> DecodeError {
        DecodeError(
            kind: .wrongType, field: field,
            reason: "field \"\(field)\" has type \(found.name), expected \(expected)")
    }

    static func invalid(_ field: String, _ detail: String) -> DecodeError {
        DecodeError(kind: .invalidValue, field: field, reason: "field \"\(field)\" \(detail)")
    }
}

/// The type of a JSON value, from its first byte.
enum JSONValueType: Sendable {
    case object, array, string, number, bool, null

    /// The JSON name used in ``DecodeError`` reasons.
    var name: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }
}
