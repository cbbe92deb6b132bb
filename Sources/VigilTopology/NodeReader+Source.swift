import VigilCore
import Yams

extension NodeReader {
    static let sourceKeys = ["topic", "partitions", "format", "schema"]
    static let schemaKeys = ["timestamp", "fields"]
    static let schemaFieldKeys = ["type", "required", "default"]

    mutating func source(_ node: Node) -> SourceDraft? {
        guard let map = mapping(node, path: "source") else { return nil }
        checkKeys(map, allowed: Self.sourceKeys, path: "source")
        var draft = SourceDraft(topic: nil, topicNode: map["topic"], partitions: 4, schema: .transactionV1)
        if let topic = requiredString(map, "topic", path: "source", hint: "the input topic, e.g. topic: transactions") {
            if Self.isTopicName(topic) {
                draft.topic = topic
            } else if let n = map["topic"] {
                report(n, "source.topic", .invalidName, "\"\(topic)\" is not a valid Kafka topic name",
                       hint: "use letters, digits, '.', '_' and '-' only, at most 249 characters")
            }
        }
        if let p = map["partitions"], let n = integer(p, path: "source.partitions", range: 1...10_000) {
            draft.partitions = Int32(n)
        }
        if let f = map["format"], let text = scalarString(f, path: "source.format"),
           !["json", "transaction-json-v1"].contains(text) {
            report(f, "source.format", .invalidValue, "unknown format \"\(text)\"",
                   hint: "events are JSON objects: format: json (transaction-json-v1 is accepted as a synonym)")
        }
        if let s = map["schema"] {
            draft.schema = schema(s)
        }
        return draft
    }

    /// Reads `source.schema`; nil when it has any problem.
    mutating func schema(_ node: Node) -> EventSchema? {
        let path = "source.schema"
        guard let map = mapping(node, path: path) else { return nil }
        let before = issues.count
        checkKeys(map, allowed: Self.schemaKeys, path: path)
        let timestamp = requiredString(map, "timestamp", path: path,
                                       hint: "the event-time field, e.g. timestamp: ts (a required field of type timestamp)")
        var fields: [FieldSpec] = []
        if let fnode = map["fields"] {
            if let fieldMap = mapping(fnode, path: "\(path).fields") {
                if fieldMap.isEmpty {
                    report(fnode, "\(path).fields", .emptyList, "a schema needs at least its event-time field")
                }
                for (k, v) in fieldMap {
                    guard let name = scalarString(k, path: "\(path).fields") else { continue }
                    if let field = schemaField(name: name, v, path: "\(path).fields.\(name)") { fields.append(field) }
                }
            }
        } else {
            reportMissing(map, "fields", path: path,
                          hint: "fields:\n    ts: {type: timestamp, required: true}\n    card_id: {type: string, required: true}")
        }
        var timestampIndex: Int?
        if let timestamp, let tnode = map["timestamp"] {
            let names = fields.map(\.name)
            if let i = names.firstIndex(of: timestamp) {
                timestampIndex = i
                let f = fields[i]
                if f.type != .timestamp {
                    report(tnode, "\(path).timestamp", .fieldType,
                           "the event-time field \"\(timestamp)\" is declared as \(f.type.rawValue), not timestamp",
                           hint: "declare it {type: timestamp, required: true}: epoch milliseconds")
                } else if !f.required {
                    report(tnode, "\(path).timestamp", .fieldType,
                           "the event-time field \"\(timestamp)\" must be required",
                           hint: "an event without event time cannot be placed in any window: add required: true")
                }
            } else if issues.count == before {
                report(tnode, "\(path).timestamp", .unknownSchemaField,
                       "the event-time field \"\(timestamp)\" is not declared in fields",
                       hint: "declare it: \(timestamp): {type: timestamp, required: true}\(suggestion(timestamp, names))")
            }
        }
        guard issues.count == before, let timestampIndex else { return nil }
        return EventSchema(fields: fields, timestampField: timestampIndex)
    }

    mutating func schemaField(name: String, _ node: Node, path: String) -> FieldSpec? {
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: Self.schemaFieldKeys, path: path)
        let types = FieldType.allCases.map(\.rawValue)
        var type: FieldType?
        if let text = requiredString(map, "type", path: path, hint: "one of: \(types.joined(separator: ", "))"),
           let tnode = map["type"] {
            type = FieldType(rawValue: text)
            if type == nil {
                report(tnode, "\(path).type", .invalidValue, "unknown field type \"\(text)\"",
                       hint: "one of: \(types.joined(separator: ", "))\(suggestion(text, types))")
            }
        }
        let required = map["required"].flatMap { bool($0, path: "\(path).required") } ?? false
        var defaultValue = FieldValue.missing
        if let dnode = map["default"] {
            if required {
                report(dnode, "\(path).default", .notApplicable, "a required field takes no default",
                       hint: "an event without a required field goes to the dead-letter topic; remove required or the default")
            } else if let type, let text = scalarString(dnode, path: "\(path).default") {
                if let value = Self.fieldValue(text, type: type) {
                    defaultValue = value
                } else {
                    report(dnode, "\(path).default", .invalidValue,
                           "the default \"\(text)\" is not a valid \(type.rawValue)", hint: Self.valueHint(type))
                }
            }
        }
        guard let type else { return nil }
        return FieldSpec(name: name, type: type, required: required, defaultValue: defaultValue)
    }

    /// Parses a default value written in the topology as a value of `type`.
    static func fieldValue(_ text: String, type: FieldType) -> FieldValue? {
        switch type {
        case .string: return .string(text)
        case .int: return Int64(text).map { .int($0) }
        case .timestamp: return Int64(text).flatMap { $0 >= 0 ? .int($0) : nil }
        case .bool: return text == "true" ? .bool(true) : text == "false" ? .bool(false) : nil
        case .decimal: return decimalUnits(text).map { .decimal(units: $0) }
        }
    }

    static func valueHint(_ type: FieldType) -> String {
        switch type {
        case .string: "any text"
        case .int: "a whole number"
        case .timestamp: "epoch milliseconds, a whole number >= 0"
        case .bool: "true or false"
        case .decimal: "a number with at most 4 decimal places, e.g. 0 or 12.5"
        }
    }

    /// `"12.5"` → 125 000 units of 1/10 000; nil for anything else than `[-]digits[.digits]` with at most 4
    /// fractional digits, or on overflow.
    static func decimalUnits(_ text: String) -> Int64? {
        var bytes = Array(text.utf8)
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes.removeFirst() }
        let dot = bytes.firstIndex(of: UInt8(ascii: "."))
        let whole = bytes[..<(dot ?? bytes.endIndex)]
        let fraction = dot.map { bytes[($0 + 1)...] } ?? []
        guard !whole.isEmpty, fraction.count <= 4, dot == nil || !fraction.isEmpty else { return nil }
        var units: Int64 = 0
        for digit in Array(whole) + Array(fraction) + Array(repeating: UInt8(ascii: "0"), count: 4 - fraction.count) {
            guard digit >= 0x30, digit <= 0x39 else { return nil }
            let (m, o1) = units.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(digit - 0x30))
            guard !o1, !o2 else { return nil }
            units = a
        }
        return negative ? -units : units
    }
}
