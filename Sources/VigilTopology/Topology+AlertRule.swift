extension Topology {
    /// One alert rule of `scoring.alerts`: it matches an event when every `when` condition holds and no `unless`
    /// condition does.
    ///
    /// An event that matches several rules raises one alert listing all of them, at the highest of their
    /// severities.
    public struct AlertRule: Sendable, Equatable {
        /// Unique among the rules; `[a-z0-9_]+`.
        public var name: String
        /// How urgent an alert from this rule is.
        public var severity: Severity
        /// Conditions that must all hold; never empty.
        public var when: [Condition]
        /// Conditions of which any one holding stops the rule from firing (an allow list); may be empty.
        public var unless: [Condition]
        /// The line of the rule in the topology file (for messages).
        public var line: Int

        public init(name: String, severity: Severity, when: [Condition], unless: [Condition] = [], line: Int = 0) {
            self.name = name
            self.severity = severity
            self.when = when
            self.unless = unless
            self.line = line
        }

        /// How urgent an alert is; ordered `info < warning < critical`.
        public enum Severity: String, Sendable, Equatable, CaseIterable, Comparable {
            case info
            case warning
            case critical

            public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

            private var rank: Int {
                switch self {
                case .info: 0
                case .warning: 1
                case .critical: 2
                }
            }
        }
    }
}
