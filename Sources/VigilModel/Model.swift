/// A scoring model: a pure function of one feature vector in manifest order.
///
/// Inputs are `Double`s in the order of the manifest's `features`; `NaN` means missing. ``score(_:)`` allocates
/// nothing and is safe to call from any number of threads at once (models are immutable values).
/// ``contributions(_:)`` explains a score: one value per feature plus the bias last, in margin space (before the
/// sigmoid), summing to ``margin(_:)`` — the layout of XGBoost's `pred_contribs`.
public protocol Model: Sendable {
    /// How many features the model reads; every call takes exactly this many values.
    var featureCount: Int { get }
    /// What the score means: a probability in [0, 1] or an unbounded value.
    var output: ModelOutput { get }

    /// The raw score before the output transformation (the log-odds for probability models).
    ///
    /// - Precondition: `features.count == featureCount`.
    func margin(_ features: UnsafeBufferPointer<Double>) -> Double

    /// The score: the sigmoid of the margin for probability models, the margin itself otherwise.
    ///
    /// - Precondition: `features.count == featureCount`.
    func score(_ features: UnsafeBufferPointer<Double>) -> Double

    /// Per-feature contributions to the margin plus the bias term last (`featureCount + 1` values).
    ///
    /// - Precondition: `features.count == featureCount`.
    func contributions(_ features: UnsafeBufferPointer<Double>) -> [Double]
}

/// What a model's score means.
public enum ModelOutput: String, Sendable, Hashable {
    /// A probability in [0, 1]: decision thresholds must lie in [0, 1].
    case probability
    /// An unbounded value (regression): thresholds may be any finite number.
    case value
}

extension Model {
    /// ``margin(_:)`` on an array.
    public func margin(_ features: [Double]) -> Double {
        features.withUnsafeBufferPointer { margin($0) }
    }

    /// ``score(_:)`` on an array.
    public func score(_ features: [Double]) -> Double {
        features.withUnsafeBufferPointer { score($0) }
    }

    /// ``contributions(_:)`` on an array.
    public func contributions(_ features: [Double]) -> [Double] {
        features.withUnsafeBufferPointer { contributions($0) }
    }
}
