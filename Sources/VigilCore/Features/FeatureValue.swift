/// The value of one feature at one event (or for one closed window).
public enum FeatureValue: Sendable, Equatable {
    /// No value: the feature is undefined here (no history for `last`, a zero denominator, a missing field ...).
    /// Written as JSON `null`.
    case missing
    /// A whole number (counts, flags).
    case int(Int64)
    /// A fixed-point decimal in units of 1/10 000 (sums, min, max of money; seconds); see `FixedPoint`.
    case decimal(units: Int64)
    /// A floating-point result (mean, variance, stddev, z-score, ratios). Written in the shortest form that reads
    /// back to the same Double; non-finite values are written as `null`.
    case double(Double)
}
