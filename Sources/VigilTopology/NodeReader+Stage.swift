import VigilCore
import Yams

extension NodeReader {
    static let stageKeys = ["name", "key", "features"]

    /// Reads one stage. `schema` is nil when the source schema has problems: field checks are then skipped.
    mutating func stage(_ node: Node, path: String, schema: EventSchema?) -> StageDraft? {
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: Self.stageKeys, path: path)
        var draft = StageDraft(path: path, line: map.mark?.line ?? 0, features: [])
        if let name = requiredString(map, "name", path: path, hint: "e.g. name: card"), let n = map["name"] {
            if Self.isName(name) {
                draft.name = name
                draft.nameNode = n
            } else {
                report(n, join(path, "name"), .invalidName, "\"\(name)\" is not a valid stage name",
                       hint: "use letters, digits, '.', '_' and '-' only: it becomes part of the repartition topic name")
            }
        }
        let keyHint = "the schema field this stage is keyed by, e.g. key: card_id"
        if let key = requiredString(map, "key", path: path, hint: keyHint), let k = map["key"] {
            draft.key = key
            draft.keyNode = k
            if let schema {
                if let i = schema.index(of: key) {
                    let type = schema.fields[i].type
                    if type == .string || type == .int {
                        draft.keyField = i
                    } else {
                        report(k, join(path, "key"), .fieldType,
                               "a stage key must be a string or int field; \"\(key)\" is \(type.rawValue)",
                               hint: "key fields of the schema: \(Self.keyCandidates(schema).joined(separator: ", "))")
                    }
                } else {
                    let names = Self.keyCandidates(schema)
                    report(k, join(path, "key"), .unknownSchemaField,
                           "unknown key field \"\(key)\": the source schema has no such field",
                           hint: "key fields of the schema: \(names.joined(separator: ", "))\(suggestion(key, names))")
                }
            }
        }
        if let fnode = map["features"] {
            if let seq = sequence(fnode, path: join(path, "features")) {
                if seq.isEmpty {
                    report(fnode, join(path, "features"), .emptyList, "a stage needs at least one feature",
                           hint: "features:\n      - name: card_txn_count_1h\n        aggregation: count\n        window: 1h")
                }
                for (i, f) in seq.enumerated() {
                    if let feature = feature(f, path: "\(path).features[\(i)]", schema: schema) {
                        draft.features.append(feature)
                    }
                }
            }
        } else {
            reportMissing(map, "features", path: path,
                          hint: "features:\n      - name: card_txn_count_1h\n        aggregation: count\n        window: 1h")
        }
        return draft
    }

    /// String and int fields: what a stage may be keyed by.
    static func keyCandidates(_ schema: EventSchema) -> [String] {
        schema.fields.filter { $0.type == .string || $0.type == .int }.map(\.name)
    }
}
