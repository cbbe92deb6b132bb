import VigilCore
import Yams

/// Walks a composed YAML tree into a `Topology`, collecting every problem instead of stopping at the first.
///
/// Reading goes in two passes: the sections are read into drafts that remember their YAML nodes
/// (`NodeReader+Document.swift`, `+Source.swift`, `+Stage.swift`, `+Window.swift`), then the checks that span
/// sections — names unique across stages, ratio references and cycles, retention, topic collisions — run over the
/// drafts (`+CrossChecks.swift`), so each problem still points at its line and column. The scoring section
/// (`+Scoring.swift`, `+Condition.swift`) is read after the stages, whose drafts say what its alert conditions may
/// name; the monitoring section (`+Monitoring.swift`, `+Retrain.swift`) after scoring, which it needs.
struct NodeReader {
    let file: String
    var issues: [TopologyIssue] = []

    init(file: String) { self.file = file }

    // MARK: - Reporting

    mutating func report(
        _ node: Node, _ field: String, _ code: TopologyError.Code, _ message: String, hint: String? = nil
    ) {
        let mark = node.mark
        issues.append(TopologyIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, field: field,
                                    code: code, message: message, hint: hint))
    }

    /// Reports a required field absent from `map`, at the mapping's first key.
    mutating func reportMissing(_ map: Node.Mapping, _ key: String, path: String, hint: String) {
        let mark = map.mark
        issues.append(TopologyIssue(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0,
                                    field: join(path, key), code: .missingField,
                                    message: "missing required field \"\(key)\"", hint: hint))
    }

    // MARK: - Shapes

    mutating func mapping(_ node: Node, path: String) -> Node.Mapping? {
        if let m = node.mapping { return m }
        report(node, path.isEmpty ? "(document)" : path, .wrongType,
               "expected a mapping (key: value lines), found \(kind(node))")
        return nil
    }

    mutating func sequence(_ node: Node, path: String) -> Node.Sequence? {
        if let s = node.sequence { return s }
        report(node, path, .wrongType, "expected a list (lines starting with '- '), found \(kind(node))")
        return nil
    }

    /// The text of a single value; reports a mapping, a list or an empty/null value.
    mutating func scalarString(_ node: Node, path: String) -> String? {
        guard let scalar = node.scalar else {
            report(node, path, .wrongType, "expected a single value, found \(kind(node))")
            return nil
        }
        if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            report(node, path, .missingField, "no value given")
            return nil
        }
        return scalar.string
    }

    mutating func requiredString(_ map: Node.Mapping, _ key: String, path: String, hint: String) -> String? {
        guard let node = map[key] else {
            reportMissing(map, key, path: path, hint: hint)
            return nil
        }
        return scalarString(node, path: join(path, key))
    }

    mutating func optionalString(_ map: Node.Mapping, _ key: String, path: String) -> String? {
        guard let node = map[key] else { return nil }
        return scalarString(node, path: join(path, key))
    }

    /// `true` or `false` (YAML's other spellings of booleans are rejected: they are a common source of surprise).
    mutating func bool(_ node: Node, path: String) -> Bool? {
        guard let text = scalarString(node, path: path) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default:
            report(node, path, .invalidValue, "must be true or false, found \"\(text)\"")
            return nil
        }
    }

    /// A whole number in `range`.
    mutating func integer(_ node: Node, path: String, range: ClosedRange<Int>, hint: String? = nil) -> Int? {
        guard let text = scalarString(node, path: path) else { return nil }
        if let n = Int(text), range.contains(n) { return n }
        report(node, path, .invalidValue,
               "must be a whole number from \(range.lowerBound) to \(range.upperBound), found \"\(text)\"", hint: hint)
        return nil
    }

    /// A duration in milliseconds: positive, or zero too when `allowZero`.
    mutating func duration(_ node: Node, path: String, allowZero: Bool = false) -> Int64? {
        guard let text = scalarString(node, path: path) else { return nil }
        if let ms = DurationParser.milliseconds(text) {
            if ms == 0 && !allowZero {
                report(node, path, .invalidDuration, "must be longer than zero, found \"\(text)\"",
                       hint: "e.g. 500ms, 30s, 5m, 1h, 7d")
                return nil
            }
            return ms
        }
        if text.hasPrefix("-"), DurationParser.milliseconds(String(text.dropFirst())) != nil {
            report(node, path, .invalidDuration,
                   allowZero ? "must not be negative, found \"\(text)\"" : "must be longer than zero, found \"\(text)\"",
                   hint: allowZero ? "0s or more, e.g. 10m" : "e.g. 500ms, 30s, 5m, 1h, 7d")
            return nil
        }
        report(node, path, .invalidDuration, "\"\(text)\" is not a duration",
               hint: "a whole number and a unit: 500ms, 30s, 5m, 1h, 7d")
        return nil
    }

    /// Reports keys of `map` outside `allowed`, with the closest allowed key as a did-you-mean.
    mutating func checkKeys(_ map: Node.Mapping, allowed: [String], path: String) {
        for (k, _) in map {
            guard let key = k.scalar?.string else {
                report(k, path, .wrongType, "keys must be plain names, found \(kind(k))")
                continue
            }
            if !allowed.contains(key) {
                report(k, join(path, key), .unknownField, "unknown field \"\(key)\"",
                       hint: "allowed here: \(allowed.joined(separator: ", "))\(suggestion(key, allowed))")
            }
        }
    }

    // MARK: - Names

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let s): "the value \"\(s.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Kafka's topic alphabet (`[A-Za-z0-9._-]`), at most `maxLength` bytes, and not `.` or `..`.
    static func isTopicName(_ name: String, maxLength: Int = 249) -> Bool {
        !name.isEmpty && name.utf8.count <= maxLength && name != "." && name != ".."
            && name.utf8.allSatisfy { isNameByte($0) }
    }

    /// Letters, digits, `_`, `-` and `.`: names that are safe as topic parts, JSON keys and metric labels.
    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && name.utf8.allSatisfy { isNameByte($0) }
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
            || b == 0x2E
    }

    /// `; did you mean "x"?` for the closest candidate within two edits (or a third of the word), else "".
    func suggestion(_ word: String, _ candidates: [String]) -> String {
        let limit = max(2, word.count / 3)
        let best = candidates.map { ($0, editDistance(word, $0)) }.min { $0.1 < $1.1 }
        guard let best, best.1 <= limit, best.1 > 0 else { return "" }
        return "; did you mean \"\(best.0)\"?"
    }

    func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
