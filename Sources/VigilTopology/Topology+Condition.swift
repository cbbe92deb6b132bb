extension Topology {
    /// One test of an alert rule: a subject (the score, a per-event feature or a schema field) and what it is
    /// compared with.
    ///
    /// Numeric tests apply to the score, to per-event features and to `int` and `decimal` fields; membership tests
    /// to `string`, `int` and `bool` fields, whose value is compared as text (an `int` as its decimal digits, a
    /// `bool` as `true` or `false`). A subject that is missing in the event (a missing feature, an absent optional
    /// field) satisfies no test, negated membership included.
    public struct Condition: Sendable, Equatable, CustomStringConvertible {
        /// What is tested.
        public var subject: Subject
        /// How it is tested.
        public var test: Test

        public init(subject: Subject, test: Test) {
            self.subject = subject
            self.test = test
        }

        /// What a condition tests.
        public enum Subject: Sendable, Equatable {
            /// The live model's score.
            case score
            /// A per-event feature; `index` is its position in `Topology.featureNames` (the feature-event columns).
            case feature(name: String, index: Int)
            /// A field of the input event; `index` is its position in `Source.schema.fields`.
            case field(name: String, index: Int)

            /// `score`, or the feature's or field's name.
            public var name: String {
                switch self {
                case .score: "score"
                case .feature(let name, _), .field(let name, _): name
                }
            }
        }

        /// The comparison.
        public enum Test: Sendable, Equatable {
            /// `x > value`.
            case above(Double)
            /// `x >= value`.
            case atLeast(Double)
            /// `x < value`.
            case below(Double)
            /// `x <= value`.
            case atMost(Double)
            /// `lo <= x < hi`, with `lo < hi`.
            case between(Double, Double)
            /// The value's text is one of `of` (sorted, without duplicates, never empty), or is none of them when
            /// `negated`. `in` / `in_file` and `not_in` / `not_in_file` both end up here.
            case member(of: [String], negated: Bool)
        }

        /// A short text for alert reasons: `score >= 0.9`, `0.5 <= score < 0.9`, `merchant_id in 2 values`.
        public var description: String {
            let s = subject.name
            switch test {
            case .above(let v): return "\(s) > \(Self.format(v))"
            case .atLeast(let v): return "\(s) >= \(Self.format(v))"
            case .below(let v): return "\(s) < \(Self.format(v))"
            case .atMost(let v): return "\(s) <= \(Self.format(v))"
            case .between(let lo, let hi): return "\(Self.format(lo)) <= \(s) < \(Self.format(hi))"
            case .member(let values, let negated):
                return "\(s) \(negated ? "not in" : "in") \(values.count) value\(values.count == 1 ? "" : "s")"
            }
        }

        /// `2000` rather than `2000.0`; other values as Swift prints them (the shortest text that reads back).
        static func format(_ value: Double) -> String {
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        }
    }
}
