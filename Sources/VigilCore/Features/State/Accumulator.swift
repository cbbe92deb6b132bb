/// The running aggregate of a set of events for one numeric field: what `count`, `sum`, `mean`, `min`, `max`,
/// `variance`, `stddev`, `first` and `last` need, with exact integer sums.
///
/// Values are fixed-point units (``FixedPoint``); ``none`` (`Int64.min`) marks a missing value or an empty
/// min/max/first/last.
struct Accumulator: Sendable, Equatable {
    /// The marker of "no value".
    static let none = Int64.min

    /// Events added, including those whose field value is missing.
    var count: Int64 = 0
    /// Events with a value.
    var n: Int64 = 0
    /// Sum of the values (wrapping; exact while the true sum fits in 64 bits).
    var sum: Int64 = 0
    /// Sum of the squared values.
    var squares: Int128 = 0
    var min: Int64 = none
    var max: Int64 = none
    /// Event time of ``first``.
    var firstTime: Int64 = .max
    /// The value of the earliest event (event time, then log order) with a value.
    var first: Int64 = none
    /// Event time of ``last``.
    var lastTime: Int64 = .min
    /// The value of the latest event (event time, then log order) with a value.
    var last: Int64 = none

    /// Adds an event at time `time` with `value` (``none`` when missing). Events are added in log order, so an
    /// equal time replaces `last` but not `first`.
    @inline(__always)
    mutating func add(time: Int64, value: Int64) {
        count &+= 1
        guard value != Self.none else { return }
        n &+= 1
        sum &+= value
        squares &+= Int128(value) &* Int128(value)
        if min == Self.none || value < min { min = value }
        if value > max { max = value }
        if first == Self.none || time < firstTime {
            first = value
            firstTime = time
        }
        if last == Self.none || time >= lastTime {
            last = value
            lastTime = time
        }
    }

    /// Merges the aggregate of a disjoint set of events (another session, another tile); on equal times `self`'s
    /// events are taken as earlier in the log.
    mutating func merge(_ other: Accumulator) {
        count &+= other.count
        n &+= other.n
        sum &+= other.sum
        squares &+= other.squares
        if other.min != Self.none && (min == Self.none || other.min < min) { min = other.min }
        if other.max > max { max = other.max }
        if other.first != Self.none && (first == Self.none || other.firstTime < firstTime) {
            first = other.first
            firstTime = other.firstTime
        }
        if other.last != Self.none && (last == Self.none || other.lastTime >= lastTime) {
            last = other.last
            lastTime = other.lastTime
        }
    }

    /// The value of `aggregation` over these events (`distinct` is supplied by the caller). Only the aggregations
    /// a window can have; `zscore`, `time_since_last` and `first_seen` are computed elsewhere.
    func value(of aggregation: Aggregation, distinct: Int64) -> FeatureValue {
        switch aggregation {
        case .count: .int(count)
        case .sum: .decimal(units: sum)
        case .mean: Self.mean(n: n, sum: sum)
        case .variance: Self.variance(n: n, sum: sum, squares: squares)
        case .stddev: Self.stddev(n: n, sum: sum, squares: squares)
        case .min: Self.decimal(min)
        case .max: Self.decimal(max)
        case .first: Self.decimal(first)
        case .last: Self.decimal(last)
        case .distinctCount: .int(distinct)
        case .zScore, .timeSinceLast, .firstSeen: .missing
        }
    }

    /// `.decimal(units)`, or missing for ``none``.
    @inline(__always)
    static func decimal(_ units: Int64) -> FeatureValue {
        units == none ? .missing : .decimal(units: units)
    }

    /// `sum / n` in whole units; missing when n = 0.
    @inline(__always)
    /// mean, variance, stddev or zscore (of `x`) from a window's count, sum and sum of squares, with `x` added to
    /// them first when the current event counts in its own window (`add`). Shared by exact and tiled windows.
    static func moment(
        _ aggregation: Aggregation, x: Int64, n: Int64, sum: Int64, squares: Int128, add: Bool
    ) -> FeatureValue {
        var n = n, sum = sum, squares = squares
        if add {
            n &+= 1
            sum &+= x
            squares &+= Int128(x) &* Int128(x)
        }
        switch aggregation {
        case .mean: return mean(n: n, sum: sum)
        case .variance: return variance(n: n, sum: sum, squares: squares)
        case .stddev: return stddev(n: n, sum: sum, squares: squares)
        default: return zScore(x: x, n: n, sum: sum, squares: squares)
        }
    }

    static func mean(n: Int64, sum: Int64) -> FeatureValue {
        n == 0 ? .missing : .double(Double(sum) / Double(n) / Double(FixedPoint.scale))
    }

    /// `n·Σx² − (Σx)²` (units²), exact in 128 bits: n² times the population variance.
    @inline(__always)
    static func scaledVariance(n: Int64, sum: Int64, squares: Int128) -> Int128 {
        Int128(n) &* squares &- Int128(sum) &* Int128(sum)
    }

    /// Population variance in whole units²: `(n·Σx² − (Σx)²) / n² / 10⁸`; missing when n = 0.
    @inline(__always)
    static func variance(n: Int64, sum: Int64, squares: Int128) -> FeatureValue {
        guard n > 0 else { return .missing }
        let v = scaledVariance(n: n, sum: sum, squares: squares)
        return .double(varianceValue(v, n: n))
    }

    @inline(__always)
    static func varianceValue(_ scaled: Int128, n: Int64) -> Double {
        guard scaled > 0 else { return 0 }
        let scale = Double(FixedPoint.scale)
        return EngineMath.double(scaled) / (Double(n) * Double(n)) / (scale * scale)
    }

    /// The square root of the population variance; missing when n = 0.
    @inline(__always)
    static func stddev(n: Int64, sum: Int64, squares: Int128) -> FeatureValue {
        guard n > 0 else { return .missing }
        let v = scaledVariance(n: n, sum: sum, squares: squares)
        return .double(varianceValue(v, n: n).squareRoot())
    }

    /// `(x − mean) / stddev` computed as `(n·x − Σx) / √(n·Σx² − (Σx)²)`: missing when x is missing, n = 0 or the
    /// standard deviation is 0.
    @inline(__always)
    static func zScore(x: Int64, n: Int64, sum: Int64, squares: Int128) -> FeatureValue {
        guard x != none, n > 0 else { return .missing }
        let v = scaledVariance(n: n, sum: sum, squares: squares)
        guard v > 0 else { return .missing }
        let numerator = Int128(n) &* Int128(x) &- Int128(sum)
        return .double(EngineMath.double(numerator) / EngineMath.double(v).squareRoot())
    }
}
