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

extension FeatureValue {
    /// The value as a model sees it: integers as they are, decimals divided by 10 000, doubles as they are, and NaN
    /// (a missing value) for `missing` and for non-finite doubles — which feature events write as `null`, so that
    /// a training set read back from feature events and the live model input agree.
    @inlinable
    public var modelInput: Double {
        switch self {
        case .missing: .nan
        case .int(let v): Double(v)
        case .decimal(let units): Double(units) / Double(FixedPoint.scale)
        case .double(let d): d.isFinite ? d : .nan
        }
    }
}
