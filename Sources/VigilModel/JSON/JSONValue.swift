/// A parsed JSON value, as the bundle loader reads manifests and model files (load time only, never per event).
///
/// Numbers keep both their nearest `Double` and their nearest `Float`, each converted from the decimal text
/// directly: XGBoost writes its float32 split conditions and leaf values as shortest decimals, and converting
/// through `Double` first could round twice. Objects keep their members in file order.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double, Float)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    /// The JSON type's name, for error messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The member named `key` of an object, or nil.
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }
}
