import VigilCore
import Yams

extension NodeReader {
    static let numericTests = ["above", "at_least", "below", "at_most", "between"]
    static let memberTests = ["in", "not_in", "in_file", "not_in_file"]
    static let testKeys = numericTests + memberTests

    /// Reads `when:` or `unless:`: a mapping from subject (`score`, a feature, a schema field) to one test. Nil when
    /// any condition has a problem.
    mutating func conditions(_ node: Node, path: String, scope: ConditionScope) -> [Topology.Condition]? {
        let section = path.split(separator: ".").last.map(String.init) ?? path
        if let scalar = node.scalar, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            report(node, path, .emptyList, "\(section) needs at least one condition",
                   hint: "e.g. \(section): {score: {at_least: 0.9}}\(section == "unless" ? "; or remove unless" : "")")
            return nil
        }
        guard let map = mapping(node, path: path) else { return nil }
        if map.isEmpty {
            report(node, path, .emptyList, "\(section) needs at least one condition",
                   hint: "e.g. \(section): {score: {at_least: 0.9}}\(section == "unless" ? "; or remove unless" : "")")
            return nil
        }
        var result: [Topology.Condition] = []
        var complete = true
        for (k, v) in map {
            guard let name = scalarString(k, path: path),
                  let condition = condition(name, subjectNode: k, v, path: join(path, name), scope: scope)
            else {
                complete = false
                continue
            }
            result.append(condition)
        }
        return complete ? result : nil
    }

    /// Reads one `subject: {test: value}`; nil (after reporting) when it has a problem.
    mutating func condition(
        _ name: String, subjectNode: Node, _ node: Node, path: String, scope: ConditionScope
    ) -> Topology.Condition? {
        let before = issues.count
        let subject = self.subject(name, node: subjectNode, path: path, scope: scope)
        guard let map = node.mapping else {
            report(node, path, .wrongType, "expected a test such as {at_least: 0.9}, found \(kind(node))",
                   hint: "e.g. \(name): {above: 500}, {between: [0.5, 0.9]} or {in: [a, b]}")
            return nil
        }
        checkKeys(map, allowed: Self.testKeys, path: path)
        let tests = map.filter { Self.testKeys.contains($0.key.scalar?.string ?? "") }
        guard tests.count == 1, let (keyNode, valueNode) = tests.first, let key = keyNode.scalar?.string else {
            if tests.count > 1 {
                let names = tests.compactMap { $0.key.scalar?.string }
                report(node, path, .invalidCondition, "a condition has one test, found \(names.joined(separator: " and "))",
                       hint: "use between: [lo, hi] for a band; conditions on different names go on their own lines")
            } else if map.isEmpty {
                report(node, path, .invalidCondition, "a condition needs a test",
                       hint: "one of: \(Self.testKeys.joined(separator: ", ")), e.g. \(name): {at_least: 0.9}")
            }
            return nil
        }
        let tpath = join(path, key)
        let numeric = Self.numericTests.contains(key)
        var fieldType: FieldType?
        let beforeTest = issues.count
        switch subject {
        case .score?, .feature?:
            if !numeric {
                let what = subject == .score ? "score is the model's score" : "\"\(name)\" is a feature"
                report(keyNode, tpath, .notApplicable, "\(key) applies to schema fields only; \(what)",
                       hint: "compare \(subject == .score ? "the score" : "features") with above, at_least, below, at_most or between: [lo, hi]")
            }
        case .field(_, let index)?:
            let type = scope.schema!.fields[index].type
            fieldType = type
            if numeric, type != .int, type != .decimal {
                let numericFields = scope.schema!.fields.filter { $0.type == .int || $0.type == .decimal }.map(\.name)
                report(keyNode, tpath, .fieldType, "\(key) compares numbers; \"\(name)\" is a \(type.rawValue) field",
                       hint: (type == .timestamp ? "" : "test \(type.rawValue) fields with in, not_in, in_file or not_in_file; ")
                           + (numericFields.isEmpty ? "the schema has no int or decimal field"
                               : "numeric fields: \(numericFields.joined(separator: ", "))"))
            } else if !numeric, type != .string, type != .int, type != .bool {
                report(keyNode, tpath, .fieldType,
                       "\(key) needs a string, int or bool field; \"\(name)\" is a \(type.rawValue) field",
                       hint: "compare \(type.rawValue) fields with above, at_least, below, at_most or between: [lo, hi]")
            }
        case nil:
            break
        }
        // A test that does not fit its subject: its value (a list file to read …) would only add noise.
        guard issues.count == beforeTest else { return nil }
        let test: Topology.Condition.Test?
        switch key {
        case "above": test = number(valueNode, path: tpath).map { .above($0) }
        case "at_least": test = number(valueNode, path: tpath).map { .atLeast($0) }
        case "below": test = number(valueNode, path: tpath).map { .below($0) }
        case "at_most": test = number(valueNode, path: tpath).map { .atMost($0) }
        case "between": test = between(valueNode, path: tpath)
        case "in", "not_in":
            test = memberList(valueNode, path: tpath, test: key, type: fieldType).map { .member(of: $0, negated: key == "not_in") }
        default:
            test = memberFile(valueNode, path: tpath, type: fieldType).map { .member(of: $0, negated: key == "not_in_file") }
        }
        guard issues.count == before, let subject, let test else { return nil }
        return Topology.Condition(subject: subject, test: test)
    }

    /// What a condition's name refers to; nil after reporting, or silently when the name cannot be checked (a
    /// feature with problems of its own, or a schema with problems).
    mutating func subject(_ name: String, node: Node, path: String, scope: ConditionScope) -> Topology.Condition.Subject? {
        let fieldIndex = scope.schema?.index(of: name)
        let isFeature = scope.declared.contains(name)
        if name == "score" {
            guard !isFeature, fieldIndex == nil else {
                report(node, path, .ambiguousName,
                       "\"score\" is the model's score and also a \(isFeature ? "feature" : "schema field")",
                       hint: "in a condition, score always means the model's score: rename the \(isFeature ? "feature" : "field") to test it")
                return nil
            }
            return .score
        }
        if isFeature, fieldIndex != nil {
            report(node, path, .ambiguousName, "\"\(name)\" is both a feature and a schema field",
                   hint: "rename the feature, so that a condition on \"\(name)\" has one meaning")
            return nil
        }
        if let window = scope.windowed[name] {
            report(node, path, .windowedOperand,
                   "\"\(name)\" is a \(Self.windowKind(window)) window feature with no value per event",
                   hint: "conditions test the score, per-event features (trailing windows and ratios) and schema fields")
            return nil
        }
        if let column = scope.columns[name] { return .feature(name: name, index: column) }
        if isFeature { return nil }  // a feature with problems of its own, already reported
        if let fieldIndex { return .field(name: name, index: fieldIndex) }
        guard let schema = scope.schema else { return nil }
        let candidates = ["score"] + scope.columnNames + schema.fields.map(\.name)
        report(node, path, .unknownName, "condition on unknown name \"\(name)\"",
               hint: "a condition tests score, a per-event feature or a schema field\(suggestion(name, candidates))")
        return nil
    }

    /// A finite number.
    mutating func number(_ node: Node, path: String) -> Double? {
        guard let text = scalarString(node, path: path) else { return nil }
        if let value = Double(text), value.isFinite { return value }
        report(node, path, .invalidValue, "must be a number, found \"\(text)\"", hint: "e.g. 0.9, 500 or -1.5")
        return nil
    }

    /// `between: [lo, hi]` with `lo < hi`.
    mutating func between(_ node: Node, path: String) -> Topology.Condition.Test? {
        let hint = "between: [lo, hi] holds for lo <= x < hi, e.g. between: [0.5, 0.9]"
        guard let seq = node.sequence else {
            report(node, path, .wrongType, "expected a list of two numbers [lo, hi], found \(kind(node))", hint: hint)
            return nil
        }
        guard seq.count == 2 else {
            report(node, path, .invalidCondition, "between takes two numbers [lo, hi], found \(seq.count)", hint: hint)
            return nil
        }
        guard let lo = number(seq[0], path: "\(path)[0]"), let hi = number(seq[1], path: "\(path)[1]") else { return nil }
        guard lo < hi else {
            report(node, path, .invalidCondition,
                   "between needs lo < hi, found [\(Topology.Condition.format(lo)), \(Topology.Condition.format(hi))]",
                   hint: "\(hint); write the smaller bound first")
            return nil
        }
        return .between(lo, hi)
    }

    /// `in: [..]` / `not_in: [..]`: a non-empty list of values, sorted and deduplicated.
    mutating func memberList(_ node: Node, path: String, test: String, type: FieldType?) -> [String]? {
        guard let seq = sequence(node, path: path) else { return nil }
        if seq.isEmpty {
            report(node, path, .emptyList, "\(test) needs at least one value",
                   hint: "e.g. \(test): [m000013, m000077], or \(test)_file: lists/values.txt with one value per line")
            return nil
        }
        var values: Set<String> = []
        var complete = true
        for (i, element) in seq.enumerated() {
            guard let text = scalarString(element, path: "\(path)[\(i)]") else {
                complete = false
                continue
            }
            guard let value = Self.memberValue(text, type: type) else {
                report(element, "\(path)[\(i)]", .invalidValue, "\"\(text)\" is not a valid \(type!.rawValue)",
                       hint: Self.valueHint(type!))
                complete = false
                continue
            }
            values.insert(value)
        }
        return complete ? values.sorted() : nil
    }

    /// `in_file: path` / `not_in_file: path`: the values of a text file read now, one per line; blank lines and
    /// lines starting with `#` are skipped.
    mutating func memberFile(_ node: Node, path: String, type: FieldType?) -> [String]? {
        guard let text = scalarString(node, path: path) else { return nil }
        guard !text.isEmpty else {
            report(node, path, .missingField, "no value given", hint: "a text file relative to this file, e.g. lists/allowed-cards.txt")
            return nil
        }
        let resolved = resolvedPath(text)
        guard let contents = TopologyLoader.readFile(resolved) else {
            report(node, path, .unreadableFile, "cannot read the list file \"\(resolved)\"",
                   hint: "the path is relative to the topology file's directory; the file is UTF-8 text, one value per line")
            return nil
        }
        var values: Set<String> = []
        var invalid: [(line: Int, text: String)] = []
        for (i, raw) in contents.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = Self.trimmed(raw)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if let value = Self.memberValue(line, type: type) {
                values.insert(value)
            } else {
                invalid.append((i + 1, line))
            }
        }
        if let first = invalid.first, let type {
            let more = invalid.count > 1 ? " (and \(invalid.count - 1) more line\(invalid.count == 2 ? "" : "s"))" : ""
            report(node, path, .invalidValue,
                   "line \(first.line) of \"\(resolved)\": \"\(first.text)\" is not a valid \(type.rawValue)\(more)",
                   hint: Self.valueHint(type))
            return nil
        }
        if values.isEmpty {
            report(node, path, .emptyList, "the list file \"\(resolved)\" has no values",
                   hint: "one value per line; blank lines and lines starting with '#' are skipped")
            return nil
        }
        return values.sorted()
    }

    /// A membership value as the runtime compares it: an `int` as its decimal digits, a `bool` as `true`/`false`,
    /// anything else as written. Nil when it can never match a value of `type`.
    static func memberValue(_ text: String, type: FieldType?) -> String? {
        switch type {
        case .int?: Int64(text).map { String($0) }
        case .bool?: text == "true" || text == "false" ? text : nil
        default: text
        }
    }

    /// Without leading and trailing spaces, tabs and carriage returns.
    static func trimmed(_ line: Substring) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = line.firstIndex(where: { !isBlank($0) }), let end = line.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(line[start...end])
    }
}
