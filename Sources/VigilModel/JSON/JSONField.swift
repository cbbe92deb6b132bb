/// A JSON value together with where it sits (file and field path), whose typed accessors throw errors that name
/// both, e.g. `manifest.json: training.rows: expected a non-negative integer, got "12"`.
struct JSONField {
    /// The value.
    let value: JSONValue
    /// The file it came from, relative to the bundle.
    let file: String
    /// Its field path: `""` for the document, then `a.b[3].c`.
    let path: String
    /// The error code for a malformed value in this file (`invalidManifest` or `invalidModel`).
    let code: ModelError.Code

    /// The document root of a parsed file.
    init(root value: JSONValue, file: String, code: ModelError.Code) {
        self.init(value: value, file: file, path: "", code: code)
    }

    private init(value: JSONValue, file: String, path: String, code: ModelError.Code) {
        self.value = value
        self.file = file
        self.path = path
        self.code = code
    }

    /// An error about this field.
    func error(_ message: String, code: ModelError.Code? = nil) -> ModelError {
        ModelError(code: code ?? self.code, file: file, path: path, message: message)
    }

    /// The path of a member of this object.
    func memberPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The path of an element of this array.
    func elementPath(_ index: Int) -> String { path + "[\(index)]" }

    private func child(_ value: JSONValue, path: String) -> JSONField {
        JSONField(value: value, file: file, path: path, code: code)
    }

    // MARK: Objects

    /// The members of an object, in file order.
    func members() throws(ModelError) -> [(key: String, value: JSONField)] {
        guard case .object(let members) = value else { throw error("expected an object, got \(value.typeName)") }
        return members.map { ($0.key, child($0.value, path: memberPath($0.key))) }
    }

    /// Throws if the object has a member not in `allowed`, naming it.
    func requireOnly(_ allowed: [String]) throws(ModelError) {
        guard case .object(let members) = value else { throw error("expected an object, got \(value.typeName)") }
        if let unknown = members.first(where: { !allowed.contains($0.key) }) {
            throw ModelError(
                code: code, file: file, path: memberPath(unknown.key),
                message: "unknown field (expected one of: \(allowed.joined(separator: ", ")))")
        }
    }

    /// A required member.
    func field(_ key: String) throws(ModelError) -> JSONField {
        guard case .object(let members) = value else { throw error("expected an object, got \(value.typeName)") }
        guard let member = members.first(where: { $0.key == key }) else {
            throw ModelError(code: code, file: file, path: memberPath(key), message: "missing required field")
        }
        return child(member.value, path: memberPath(key))
    }

    /// An optional member; an explicit `null` counts as absent.
    func optionalField(_ key: String) throws(ModelError) -> JSONField? {
        guard case .object(let members) = value else { throw error("expected an object, got \(value.typeName)") }
        guard let member = members.first(where: { $0.key == key }) else { return nil }
        if case .null = member.value { return nil }
        return child(member.value, path: memberPath(key))
    }

    // MARK: Arrays

    /// The elements of an array.
    func elements() throws(ModelError) -> [JSONField] {
        guard case .array(let elements) = value else { throw error("expected an array, got \(value.typeName)") }
        return elements.enumerated().map { child($0.element, path: elementPath($0.offset)) }
    }

    /// The raw elements of an array, for the fast typed readers below.
    private func rawElements() throws(ModelError) -> [JSONValue] {
        guard case .array(let elements) = value else { throw error("expected an array, got \(value.typeName)") }
        return elements
    }

    /// An array of finite numbers as `Double`.
    func doubles() throws(ModelError) -> [Double] {
        let elements = try rawElements()
        var out = [Double]()
        out.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .number(let double, _) = element, double.isFinite else {
                throw ModelError(
                    code: code, file: file, path: elementPath(index),
                    message: "expected a finite number, got \(element.typeName)")
            }
            out.append(double)
        }
        return out
    }

    /// An array of numbers as `Float` (each converted from its decimal text); non-finite values are rejected.
    func floats() throws(ModelError) -> [Float] {
        let elements = try rawElements()
        var out = [Float]()
        out.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .number(_, let float) = element, float.isFinite else {
                throw ModelError(
                    code: code, file: file, path: elementPath(index),
                    message: "expected a finite float32 number, got \(element.typeName)")
            }
            out.append(float)
        }
        return out
    }

    /// An array of integers (or booleans, read as 0 and 1, when `booleans` is set).
    func integers(booleans: Bool = false) throws(ModelError) -> [Int] {
        let elements = try rawElements()
        var out = [Int]()
        out.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            switch element {
            case .number(let double, _) where double == double.rounded() && abs(double) < 9e15:
                out.append(Int(double))
            case .bool(let flag) where booleans:
                out.append(flag ? 1 : 0)
            default:
                throw ModelError(
                    code: code, file: file, path: elementPath(index), message: "expected an integer, got \(element.typeName)")
            }
        }
        return out
    }

    /// An array of strings.
    func strings() throws(ModelError) -> [String] {
        try elements().map { field throws(ModelError) in try field.string() }
    }

    // MARK: Scalars

    /// A string.
    func string() throws(ModelError) -> String {
        guard case .string(let text) = value else { throw error("expected a string, got \(value.typeName)") }
        return text
    }

    /// A finite number.
    func double() throws(ModelError) -> Double {
        guard case .number(let double, _) = value else { throw error("expected a number, got \(value.typeName)") }
        guard double.isFinite else { throw error("the number is out of range") }
        return double
    }

    /// A number as float32, converted from its decimal text.
    func float() throws(ModelError) -> Float {
        guard case .number(_, let float) = value else { throw error("expected a number, got \(value.typeName)") }
        guard float.isFinite else { throw error("the number is out of the float32 range") }
        return float
    }

    /// An integer (a number without a fractional part).
    func integer() throws(ModelError) -> Int {
        guard case .number(let double, _) = value, double == double.rounded(), abs(double) < 9e15 else {
            throw error("expected an integer, got \(describeValue())")
        }
        return Int(double)
    }

    /// A non-empty string without control characters.
    func name() throws(ModelError) -> String {
        let text = try string()
        if text.trimmingSpaces.isEmpty { throw error("must not be empty") }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw error("must not contain control characters")
        }
        return text
    }

    /// The value, briefly, for messages: strings quoted, numbers as written, others by type.
    func describeValue() -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .number(let double, _): double == double.rounded() && abs(double) < 1e15 ? "\(Int(double))" : "\(double)"
        case .bool(let flag): "\(flag)"
        default: value.typeName
        }
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return self[first...last]
    }
}
