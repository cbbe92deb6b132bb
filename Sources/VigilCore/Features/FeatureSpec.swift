/// The declaration of one feature of a stage, as the topology states it (docs/topology.md), resolved and validated
/// by the topology loader. docs/semantics.md defines every value exactly.
public struct FeatureSpec: Sendable, Equatable {
    /// The name in feature events and model manifests, e.g. `card_txn_count_1h`; unique in the topology.
    public var name: String
    /// The stable state id: the feature's state is stored under it, so renaming a feature (keeping its id) or
    /// adding and removing other features keeps its state. Defaults to `name`.
    public var id: String
    /// What the feature computes.
    public var kind: Kind
    /// Whether the event being scored counts in its own trailing window (default no: it must not see itself).
    /// Only for trailing-window aggregations other than `timeSinceLast`, `firstSeen` and `zScore`.
    public var includeCurrent: Bool

    public init(name: String, id: String? = nil, kind: Kind, includeCurrent: Bool = false) {
        self.name = name
        self.id = id ?? name
        self.kind = kind
        self.includeCurrent = includeCurrent
    }

    public enum Kind: Sendable, Equatable {
        /// An aggregation of `field` (a schema field name; nil for `count` and `timeSinceLast`) over a window.
        case aggregate(Aggregation, field: String?, window: Window)
        /// `numerator / denominator`, two other features of the same or an earlier stage (missing when either is
        /// missing or the denominator is zero).
        case ratio(numerator: String, denominator: String)
    }

    /// Whether the feature has a value at every event (trailing windows and derived features), as opposed to a
    /// value per closed window (tumbling, hopping, session).
    public var isPerEvent: Bool {
        switch kind {
        case .ratio: true
        case .aggregate(_, _, let window):
            if case .trailing = window { true } else { false }
        }
    }
}

/// What is computed over a window's events.
public enum Aggregation: String, Sendable, Equatable, CaseIterable {
    /// Number of events.
    case count
    /// Sum of a numeric field (exact, fixed-point).
    case sum
    case mean
    case min
    case max
    /// Population variance (divide by n).
    case variance
    /// Square root of the population variance.
    case stddev
    /// Number of distinct values of a field: exact, except over tiled windows beyond the exact bound (HyperLogLog).
    case distinctCount = "distinct_count"
    /// The field's value at the earliest event of the window (event time, then log order).
    case first
    /// The field's value at the latest event of the window.
    case last
    /// Seconds from the key's previous event in the window to the current event.
    case timeSinceLast = "time_since_last"
    /// `(x − mean) / stddev` of the current event's field value against the window.
    case zScore = "zscore"
    /// 1 when no earlier event of the key had this field value in the window, else 0.
    case firstSeen = "first_seen"
}

/// The window of an aggregation.
public enum Window: Sendable, Equatable {
    /// As-of-event: at an event with time t, the key's earlier events in `(t − W, t]`. With `tileMillis`, the
    /// window is kept as tiles of that width (docs/semantics.md gives the exact meaning); nil means exact.
    case trailing(millis: Int64, tileMillis: Int64?)
    /// `[start, start + size)` aligned to the epoch; a result per key and window when the watermark passes the end.
    case tumbling(sizeMillis: Int64)
    /// Windows of `size` starting every `advance` (`advance` divides `size`), `[start, start + size)`.
    case hopping(sizeMillis: Int64, advanceMillis: Int64)
    /// Gap-based: events closer than `gap` belong to the same session; a result when the watermark passes
    /// `last + gap`.
    case session(gapMillis: Int64)

    /// How far back from the watermark this window needs events: its length, size or gap.
    public var spanMillis: Int64 {
        switch self {
        case .trailing(let w, _): w
        case .tumbling(let s): s
        case .hopping(let s, _): s
        case .session(let g): g
        }
    }
}
