/// The per-field validation errors of one decode, so that a repeated key's last occurrence decides (duplicate keys:
/// last wins) and the reported error is the first bad field in schema order.
///
/// Allocates only when an error occurs: the happy path carries a `nil` array.
struct FieldErrors {
    private var errors: [DecodeError?]?
    private let fieldCount: Int

    init(fieldCount: Int) { self.fieldCount = fieldCount }

    /// Records the error of field `index`, replacing an earlier one.
    mutating func set(_ index: Int, _ error: DecodeError) {
        if errors == nil { errors = Array(repeating: nil, count: fieldCount) }
        errors![index] = error
    }

    /// Forgets the error of field `index` (a later occurrence was valid).
    @inline(__always)
    mutating func clear(_ index: Int) {
        if errors != nil { errors![index] = nil }
    }

    /// The error of the first field, in schema order, that has one.
    var first: DecodeError? {
        guard let errors else { return nil }
        for case let error? in errors { return error }
        return nil
    }
}

/// Error-message helpers shared by the codecs.
enum CodecText {
    /// `"text"` for a reason, shortened to 64 characters.
    static func quoted(_ text: String) -> String {
        let limit = 64
        if text.utf8.count <= limit { return "\"\(text)\"" }
        return "\"\(text.prefix(limit))…\""
    }

    /// Whether `text` is exactly `count` ASCII uppercase letters.
    static func isUppercaseCode(_ text: String, count: Int) -> Bool {
        var n = 0
        for b in text.utf8 {
            guard b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") else { return false }
            n += 1
        }
        return n == count
    }
}
