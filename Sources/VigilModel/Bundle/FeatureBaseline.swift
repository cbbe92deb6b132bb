/// The reference distribution of one feature (or of the score) over the training data, for drift monitoring.
///
/// ``edges`` are the interior cut points of the bins, finite and strictly increasing; `edges.count + 1` bins
/// cover the whole line: bin 0 is `x < edges[0]`, bin `i` is `edges[i-1] <= x < edges[i]`, the last bin is
/// `x >= edges.last`. ``proportions`` gives the share of non-missing training values in each bin (each in [0, 1],
/// summing to 1 within 1e-6); ``missingRate`` the share of training values that were missing. No edges means one
/// bin holding everything (`proportions == [1]`).
public struct FeatureBaseline: Sendable, Hashable {
    /// Interior bin edges, strictly increasing.
    public let edges: [Double]
    /// The share of non-missing values in each bin; `edges.count + 1` values summing to 1.
    public let proportions: [Double]
    /// The share of missing values, in [0, 1].
    public let missingRate: Double
    /// The smallest and largest non-missing training values (`min`, `max` in the manifest), when known: a served
    /// value outside counts as out of range (training–serving skew).
    public let range: ClosedRange<Double>?

    /// How far the proportions may sum from 1.
    public static let sumTolerance = 1e-6

    /// Creates a baseline, validating it; errors name the offending member relative to the baseline
    /// (`edges[3]`, `proportions`, `missing_rate`).
    public init(
        edges: [Double], proportions: [Double], missingRate: Double, range: ClosedRange<Double>? = nil
    ) throws(ModelError) {
        func invalid(_ path: String, _ message: String) -> ModelError {
            ModelError(code: .invalidManifest, path: path, message: message)
        }
        for (index, edge) in edges.enumerated() {
            guard edge.isFinite else { throw invalid("edges[\(index)]", "not finite") }
            if index > 0 && edge <= edges[index - 1] {
                throw invalid(
                    "edges[\(index)]", "edges must be strictly increasing (\(edge) follows \(edges[index - 1]))")
            }
        }
        guard proportions.count == edges.count + 1 else {
            throw invalid(
                "proportions", "has \(proportions.count) values but \(edges.count) edges make \(edges.count + 1) bins")
        }
        for (index, proportion) in proportions.enumerated() where !(proportion >= 0 && proportion <= 1) {
            throw invalid("proportions[\(index)]", "must be in [0, 1], got \(proportion)")
        }
        let sum = proportions.reduce(0, +)
        guard abs(sum - 1) <= Self.sumTolerance else {
            throw invalid("proportions", "must sum to 1 (within \(Self.sumTolerance)), got \(sum)")
        }
        guard missingRate >= 0 && missingRate <= 1 else {
            throw invalid("missing_rate", "must be in [0, 1], got \(missingRate)")
        }
        self.edges = edges
        self.proportions = proportions
        self.missingRate = missingRate
        self.range = range
    }

    /// The number of bins.
    public var binCount: Int { proportions.count }

    /// The bin of `value` (binary search), or nil if it is missing (NaN).
    public func bin(of value: Double) -> Int? {
        if value.isNaN { return nil }
        var low = 0
        var high = edges.count
        // The first edge greater than value is the bin's upper bound.
        while low < high {
            let mid = (low + high) / 2
            if edges[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
