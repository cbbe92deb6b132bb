/// A histogram's state at one moment, as Prometheus exposes it: cumulative bucket counts, the sum and the count.
///
/// The `+Inf` bucket is not stored: it is `count`.
public struct HistogramSnapshot: Sendable, Hashable {
    /// One bucket: how many observations were less than or equal to `upperBound`.
    public struct Bucket: Sendable, Hashable {
        /// The bucket's inclusive upper bound (Prometheus' `le`).
        public var upperBound: Double
        /// Observations `<= upperBound` (cumulative: includes every lower bucket).
        public var cumulativeCount: Int

        public init(upperBound: Double, cumulativeCount: Int) {
            self.upperBound = upperBound
            self.cumulativeCount = cumulativeCount
        }
    }

    /// The finite buckets in ascending order of `upperBound`.
    public var buckets: [Bucket]
    /// Observations in all (the `+Inf` bucket and `_count`).
    public var count: Int
    /// The sum of all observations (`_sum`).
    public var sum: Double

    /// A snapshot from cumulative buckets (as Prometheus counts them).
    public init(buckets: [Bucket], count: Int, sum: Double) {
        self.buckets = buckets
        self.count = count
        self.sum = sum
    }

    /// A snapshot from per-bin counts: `binCounts[i]` observations fell in `(upperBounds[i-1], upperBounds[i]]`.
    ///
    /// `binCounts` may have more elements than `upperBounds`: those count as observations above the last bound
    /// (only in `+Inf`); missing ones count as empty bins. The runtime's score statistics (ten bins of width 0.1,
    /// `ScoreStatistics.bins`) map as `upperBounds: [0.1, 0.2, …, 1.0]`.
    public init(upperBounds: [Double], binCounts: [Int], sum: Double) {
        var running = 0
        var buckets: [Bucket] = []
        buckets.reserveCapacity(upperBounds.count)
        for (bound, n) in zip(upperBounds, binCounts) {
            running += n
            buckets.append(Bucket(upperBound: bound, cumulativeCount: running))
        }
        for i in 0..<upperBounds.count where i >= binCounts.count {
            buckets.append(Bucket(upperBound: upperBounds[i], cumulativeCount: running))
        }
        if binCounts.count > upperBounds.count { running += binCounts[upperBounds.count...].reduce(0, +) }
        self.init(buckets: buckets, count: running, sum: sum)
    }
}
