/// The reasons ``SchemaDecoder`` gives, all starting with the field: `field "name": …` or
/// `missing required field "name"`.
extension DecodeError {
    /// `field "amount": expected a number (decimal), found a string`.
    static func schemaWrongType(_ field: String, declared: FieldType, found: JSONValueType) -> DecodeError {
        DecodeError(
            kind: .wrongType, field: field,
            reason: "field \"\(field)\": expected \(declared.jsonDescription), found \(found.withArticle)")
    }

    /// `field "name": <detail>`, an `invalid_value`.
    static func schemaInvalid(_ field: String, _ detail: String) -> DecodeError {
        DecodeError(kind: .invalidValue, field: field, reason: "field \"\(field)\": \(detail)")
    }

    /// `field "name": duplicate field`.
    static func schemaDuplicate(_ field: String) -> DecodeError {
        schemaInvalid(field, "duplicate field")
    }

    /// `missing required field "name"`, with ` (null)` when the member was there with a `null` value.
    static func schemaMissing(_ field: String, null: Bool) -> DecodeError {
        DecodeError(
            kind: .missingField, field: field, reason: "missing required field \"\(field)\"\(null ? " (null)" : "")")
    }
}

extension FieldType {
    /// The JSON a field of this type takes, for error reasons: `a number (decimal)`.
    var jsonDescription: String {
        switch self {
        case .string: "a string (string)"
        case .int: "a number (int)"
        case .decimal: "a number (decimal)"
        case .bool: "a boolean (bool)"
        case .timestamp: "a number (timestamp)"
        }
    }
}

extension JSONValueType {
    /// The type's name with its article, for error reasons: `an object`, `a string`, `null`.
    var withArticle: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .null: "null"
        default: "a \(name)"
        }
    }
}
