import VigilCore
import Yams

extension NodeReader {
    static let featureKeys = ["name", "id", "aggregation", "field", "window", "include_current", "ratio"]
    static let ratioKeys = ["numerator", "denominator"]

    /// Aggregations that take no `field`.
    static let fieldlessAggregations: Set<Aggregation> = [.count, .timeSinceLast]
    /// Aggregations whose field must be numeric (`int` or `decimal`).
    static let numericAggregations: Set<Aggregation> = [.sum, .mean, .min, .max, .variance, .stddev, .first, .last, .zScore]
    /// Aggregations computed per event against a trailing window only: no tumbling, hopping or session form and no
    /// `include_current`.
    static let perEventOnlyAggregations: Set<Aggregation> = [.zScore, .firstSeen, .timeSinceLast]

    /// Reads one feature; nil only when it has no usable name (its other problems are reported, and the draft is
    /// returned without a spec).
    mutating func feature(_ node: Node, path: String, schema: EventSchema?) -> FeatureDraft? {
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: Self.featureKeys, path: path)
        let before = issues.count
        let name = requiredString(map, "name", path: path, hint: "e.g. name: card_txn_count_1h")
        if let name, let n = map["name"], !Self.isName(name) {
            report(n, join(path, "name"), .invalidName, "\"\(name)\" is not a valid feature name",
                   hint: "use letters, digits, '_', '-' and '.' only: it is a JSON key of feature events and models")
        }
        var id: String?
        if let inode = map["id"], let text = scalarString(inode, path: join(path, "id")) {
            if Self.isName(text) {
                id = text
            } else {
                report(inode, join(path, "id"), .invalidName, "\"\(text)\" is not a valid state id",
                       hint: "use letters, digits, '_', '-' and '.' only")
            }
        }
        var operands: [RatioOperand] = []
        var kind: FeatureSpec.Kind?
        var includeCurrent = false
        if let rnode = map["ratio"] {
            for key in ["aggregation", "field", "window", "include_current"] {
                if let k = map.first(where: { $0.key.scalar?.string == key })?.key {
                    report(k, join(path, key), .notApplicable, "a ratio feature takes no \(key)",
                           hint: "a ratio divides two other features; put the \(key) on them")
                }
            }
            if let rmap = mapping(rnode, path: join(path, "ratio")) {
                checkKeys(rmap, allowed: Self.ratioKeys, path: join(path, "ratio"))
                let rpath = join(path, "ratio")
                let numerator = requiredString(rmap, "numerator", path: rpath, hint: "the name of another feature")
                let denominator = requiredString(rmap, "denominator", path: rpath, hint: "the name of another feature")
                if let numerator, let n = rmap["numerator"] {
                    operands.append(RatioOperand(name: numerator, node: n, path: join(rpath, "numerator")))
                }
                if let denominator, let d = rmap["denominator"] {
                    operands.append(RatioOperand(name: denominator, node: d, path: join(rpath, "denominator")))
                }
                if let numerator, let denominator {
                    kind = .ratio(numerator: numerator, denominator: denominator)
                }
            }
        } else {
            let aggregation = self.aggregation(map, path: path)
            let field = self.aggregatedField(map, path: path, aggregation: aggregation, schema: schema)
            var window: Window?
            if let wnode = map["window"] {
                window = self.window(wnode, path: join(path, "window"), aggregation: aggregation)
            } else {
                reportMissing(map, "window", path: path,
                              hint: "a trailing window such as window: 1h, or {tumbling: 1h}, {hopping: 1h, advance: 15m}, {session: 30m}")
            }
            if let inode = map["include_current"], let value = bool(inode, path: join(path, "include_current")) {
                includeCurrent = value
                if value, let aggregation, Self.perEventOnlyAggregations.contains(aggregation) {
                    report(inode, join(path, "include_current"), .notApplicable,
                           "\(aggregation.rawValue) cannot include the current event",
                           hint: "\(aggregation.rawValue) compares the current event with the key's earlier events; remove include_current")
                } else if value, let window, !Self.isTrailing(window) {
                    report(inode, join(path, "include_current"), .notApplicable,
                           "include_current applies to trailing windows only",
                           hint: "a \(Self.windowKind(window)) window's result covers all its events; remove include_current")
                }
            }
            if let aggregation, let window, !Self.isTrailing(window), Self.perEventOnlyAggregations.contains(aggregation),
               let wnode = map["window"] {
                report(wnode, join(path, "window"), .notApplicable,
                       "\(aggregation.rawValue) is computed per event and needs a trailing window, not a \(Self.windowKind(window)) window",
                       hint: "write the window as a duration (window: 30d) or {trailing: 30d}")
            }
            if let aggregation, let window, field != nil || Self.fieldlessAggregations.contains(aggregation) {
                kind = .aggregate(aggregation, field: field, window: window)
            }
        }
        guard let name, let n = map["name"] else { return nil }
        var draft = FeatureDraft(path: path, name: name, nameNode: n, id: id, idNode: map["id"],
                                 windowNode: map["window"], ratioOperands: operands, spec: nil)
        if let kind, issues.count == before {
            draft.spec = FeatureSpec(name: name, id: id, kind: kind, includeCurrent: includeCurrent)
        }
        return draft
    }

    mutating func aggregation(_ map: Node.Mapping, path: String) -> Aggregation? {
        let names = Aggregation.allCases.map(\.rawValue)
        guard let text = requiredString(map, "aggregation", path: path,
                                        hint: "one of: \(names.joined(separator: ", ")); or ratio: {numerator: …, denominator: …}"),
              let node = map["aggregation"]
        else { return nil }
        if let a = Aggregation(rawValue: text) { return a }
        report(node, join(path, "aggregation"), .unknownAggregation, "unknown aggregation \"\(text)\"",
               hint: "one of: \(names.joined(separator: ", "))\(suggestion(text, names))")
        return nil
    }

    /// The `field` of an aggregation, checked against the aggregation and the schema.
    mutating func aggregatedField(
        _ map: Node.Mapping, path: String, aggregation: Aggregation?, schema: EventSchema?
    ) -> String? {
        let fpath = join(path, "field")
        guard let aggregation else {
            return map["field"].flatMap { scalarString($0, path: fpath) }
        }
        if Self.fieldlessAggregations.contains(aggregation) {
            if let f = map["field"] {
                let hint = aggregation == .count
                    ? "count counts events; remove the field, or use sum, distinct_count …"
                    : "time_since_last measures time between the key's events; remove the field"
                report(f, fpath, .notApplicable, "\(aggregation.rawValue) takes no field", hint: hint)
            }
            return nil
        }
        guard let fnode = map["field"] else {
            reportMissing(map, "field", path: path,
                          hint: "\(aggregation.rawValue) needs the schema field to aggregate, e.g. field: amount")
            return nil
        }
        guard let field = scalarString(fnode, path: fpath) else { return nil }
        guard let schema else { return field }
        guard let i = schema.index(of: field) else {
            let names = schema.fields.map(\.name)
            report(fnode, fpath, .unknownSchemaField, "no field \"\(field)\" in the source schema",
                   hint: "fields: \(names.joined(separator: ", "))\(suggestion(field, names))")
            return nil
        }
        let type = schema.fields[i].type
        if Self.numericAggregations.contains(aggregation), type != .int, type != .decimal {
            let numeric = schema.fields.filter { $0.type == .int || $0.type == .decimal }.map(\.name)
            report(fnode, fpath, .fieldType,
                   "\(aggregation.rawValue) needs a numeric field; \"\(field)\" is \(type.rawValue)",
                   hint: numeric.isEmpty
                       ? "the schema has no int or decimal field"
                       : "numeric fields of the schema: \(numeric.joined(separator: ", "))")
            return nil
        }
        return field
    }

    static func isTrailing(_ window: Window) -> Bool {
        if case .trailing = window { true } else { false }
    }

    static func windowKind(_ window: Window) -> String {
        switch window {
        case .trailing: "trailing"
        case .tumbling: "tumbling"
        case .hopping: "hopping"
        case .session: "session"
        }
    }
}
