/// The value of one feature at one event.
public enum FeatureValue: Sendable, Equatable {
    /// A whole number (counts).
    case int(Int64)
    /// A fixed-point decimal in units of 1/10 000 (sums of money); see `FixedPoint`.
    case decimal(units: Int64)
}
