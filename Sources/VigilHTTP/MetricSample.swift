/// One series of a metric at one moment: a counter's or gauge's value, or a histogram's buckets, with its labels.
///
/// Samples with the same `name` form one metric family in the exposition; the first sample of a name sets the
/// family's help and kind. Build samples from the catalogue with ``init(_:labels:value:)`` so names, help and kinds
/// stay the ones ``VigilMetrics`` documents.
public struct MetricSample: Sendable {
    /// A sample's value, which also says its kind.
    public enum Value: Sendable, Hashable {
        /// A counter's value (non-negative; a negative or NaN counter is left out of the exposition).
        case counter(Double)
        /// A gauge's value (any double, NaN and infinities included).
        case gauge(Double)
        /// A histogram's state.
        case histogram(HistogramSnapshot)

        /// The kind this value is exposed as.
        public var kind: MetricKind {
            switch self {
            case .counter: .counter
            case .gauge: .gauge
            case .histogram: .histogram
            }
        }
    }

    /// The metric family's name, e.g. `vigil_events_in_total` (a histogram's name has no `_bucket` suffix).
    public var name: String
    /// The family's help text (one line).
    public var help: String
    /// Label names and values, in the order they are rendered. `le` is reserved for histogram buckets.
    public var labels: [(String, String)]
    /// The value.
    public var value: Value

    /// The kind of the value.
    public var kind: MetricKind { value.kind }

    /// A sample with an explicit name and help.
    public init(name: String, help: String, labels: [(String, String)] = [], value: Value) {
        self.name = name
        self.help = help
        self.labels = labels
        self.value = value
    }

    /// A sample of a catalogued metric: the name and help come from the catalogue.
    ///
    /// - Precondition: the value's kind is the metric's kind (a programming error, not input).
    public init(_ metric: VigilMetrics.Metric, labels: [(String, String)] = [], value: Value) {
        precondition(metric.kind == value.kind, "\(metric.name) is a \(metric.kind), not a \(value.kind)")
        self.init(name: metric.name, help: metric.help, labels: labels, value: value)
    }
}
