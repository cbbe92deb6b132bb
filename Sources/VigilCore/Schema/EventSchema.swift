/// The declared shape of a source's events: the fields a topology may use, their types, which are required, the
/// defaults of optional ones, and which field is the event time.
///
/// Schema evolution rules (docs/topology.md): fields the schema does not declare are ignored; an optional field that
/// is absent or `null` takes its declared default (or is missing); a declared field whose JSON type differs from the
/// declaration makes the event undecodable (it goes to the dead-letter topic with the reason).
public struct EventSchema: Sendable, Equatable {
    /// The declared fields, in declaration order. Field names are unique.
    public var fields: [FieldSpec]
    /// The index in `fields` of the event-time field (type `timestamp`, required).
    public var timestampField: Int

    public init(fields: [FieldSpec], timestampField: Int) {
        self.fields = fields
        self.timestampField = timestampField
    }

    /// The index of the field called `name`, if declared.
    public func index(of name: String) -> Int? {
        fields.firstIndex { $0.name == name }
    }

    /// The schema of the transaction event v1 (docs/events.md), the default source schema.
    public static let transactionV1 = EventSchema(
        fields: [
            FieldSpec(name: "txn_id", type: .string, required: true),
            FieldSpec(name: "card_id", type: .string, required: true),
            FieldSpec(name: "merchant_id", type: .string, required: true),
            FieldSpec(name: "amount", type: .decimal, required: true),
            FieldSpec(name: "currency", type: .string, required: true),
            FieldSpec(name: "country", type: .string, required: true),
            FieldSpec(name: "mcc", type: .int, required: true),
            FieldSpec(name: "channel", type: .string, required: true),
            FieldSpec(name: "entry_mode", type: .string, required: false, defaultValue: .string("unknown")),
            FieldSpec(name: "device_id", type: .string, required: false),
            FieldSpec(name: "ts", type: .timestamp, required: true),
        ],
        timestampField: 10)
}

/// One declared field of an event schema.
public struct FieldSpec: Sendable, Equatable {
    /// The JSON member name.
    public var name: String
    public var type: FieldType
    /// A required field that is absent or `null` makes the event undecodable.
    public var required: Bool
    /// What an optional field takes when it is absent or `null` (`.missing` when no default is declared).
    public var defaultValue: FieldValue

    public init(name: String, type: FieldType, required: Bool, defaultValue: FieldValue = .missing) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
    }
}

/// The type of a declared field, and the JSON it accepts.
public enum FieldType: String, Sendable, Equatable, CaseIterable {
    /// A JSON string.
    case string
    /// A JSON number without fraction or exponent that fits in 64 bits.
    case int
    /// A JSON number, kept as fixed-point units of 1/10 000 (`FixedPoint`), so sums are exact.
    case decimal
    /// `true` or `false`.
    case bool
    /// Event time: a JSON integer, milliseconds since the Unix epoch, >= 0.
    case timestamp
}

/// The value of one field of one decoded event.
public enum FieldValue: Sendable, Hashable {
    /// Absent or `null`, with no declared default.
    case missing
    case string(String)
    /// `int` and `timestamp` fields.
    case int(Int64)
    /// `decimal` fields, in units of 1/10 000.
    case decimal(units: Int64)
    case bool(Bool)

    /// The value as fixed-point units of 1/10 000, for numeric aggregations: an `int` n is `n × 10 000`; nil for
    /// missing and non-numeric values.
    @inlinable
    public var numericUnits: Int64? {
        switch self {
        case .int(let v): v.multipliedReportingOverflow(by: FixedPoint.scale).overflow ? nil : v &* FixedPoint.scale
        case .decimal(let units): units
        default: nil
        }
    }
}

/// One decoded event: a value per schema field (in schema order) and its event time.
public struct Record: Sendable, Equatable {
    /// One value per `EventSchema.fields` entry.
    public var values: [FieldValue]
    /// The event time, epoch milliseconds (the value of the schema's timestamp field).
    public var timestamp: Int64

    public init(values: [FieldValue], timestamp: Int64) {
        self.values = values
        self.timestamp = timestamp
    }
}
