/// The Page-Hinkley change detector, a port of River 0.21's `drift.PageHinkley` in its default two-sided mode.
///
/// Defaults (River's): `min_instances = 30`, `delta = 0.005`, `threshold = 50.0`, `alpha = 1 - 0.0001`,
/// `mode = "both"`.
///
/// For each value `x` the running mean `x̄` is updated, then with `d = x − x̄`:
/// `up = alpha · up + d − delta`, `down = alpha · down + d + delta`, tracking `min(up)` (from +∞) and `max(down)`
/// (from −1, as River). Once at least `minInstances` values were seen, a change is detected when
/// `up − min(up) > threshold` or `max(down) − down > threshold`; the detector then starts afresh with the next
/// value, as River's does. Arithmetic is River's, operation for operation, so the same stream is flagged at the same
/// indices (tested against fixtures produced by River itself, ops/river-fixtures).
///
/// On an error stream (1 = misclassified, 0 = correct) the default threshold of 50 needs a sustained shift: a jump of
/// the error rate from 0.1 to 0.5 after 2000 values is flagged about 100 values later (River and this port flag the
/// fixture stream at index 2102). NaN is ignored (River would be poisoned by it).
public struct PageHinkley: Sendable, Equatable {
    /// Values needed before a change can be detected.
    public let minInstances: Int
    /// The magnitude of changes tolerated (subtracted from each deviation).
    public let delta: Double
    /// The detection threshold (lambda).
    public let threshold: Double
    /// The forgetting factor of the cumulative sums.
    public let alpha: Double

    /// Values seen since the start or the last reset.
    public private(set) var count: Int = 0
    private var mean = 0.0
    private var sumIncrease = 0.0
    private var sumDecrease = 0.0
    private var minIncrease = Double.infinity
    private var maxDecrease = -1.0
    /// The last update detected a change: the next one resets first (River's order).
    private var detected = false

    /// A detector with River's defaults unless given.
    public init(minInstances: Int = 30, delta: Double = 0.005, threshold: Double = 50, alpha: Double = 1 - 0.0001) {
        self.minInstances = minInstances
        self.delta = delta
        self.threshold = threshold
        self.alpha = alpha
    }

    private mutating func reset() {
        count = 0
        mean = 0
        sumIncrease = 0
        sumDecrease = 0
        minIncrease = .infinity
        maxDecrease = -1
        detected = false
    }

    /// Adds one value; true when a change is detected (the detector then resets before the next value).
    public mutating func update(_ x: Double) -> Bool {
        guard !x.isNaN else { return false }
        if detected { reset() }
        count &+= 1
        mean += (1.0 / Double(count)) * (x - mean)
        let deviation = x - mean
        sumIncrease = alpha * sumIncrease + deviation - delta
        sumDecrease = alpha * sumDecrease + deviation + delta
        if sumIncrease < minIncrease { minIncrease = sumIncrease }
        if sumDecrease > maxDecrease { maxDecrease = sumDecrease }
        if count >= minInstances {
            let testIncrease = sumIncrease - minIncrease
            let testDecrease = maxDecrease - sumDecrease
            detected = testIncrease > threshold || testDecrease > threshold
        }
        return detected
    }
}

extension PageHinkley {
    /// Appends the state encoding: format byte `0x31`, the parameters, then the running sums (little-endian doubles).
    public func encode(into out: inout [UInt8]) {
        out.append(StateFormat.pageHinkley)
        out.appendSignedVarint(minInstances)
        out.appendDouble(delta)
        out.appendDouble(threshold)
        out.appendDouble(alpha)
        out.appendSignedVarint(count)
        out.appendDouble(mean)
        out.appendDouble(sumIncrease)
        out.appendDouble(sumDecrease)
        out.appendDouble(minIncrease)
        out.appendDouble(maxDecrease)
        out.appendBool(detected)
    }

    /// Decodes what ``encode(into:)`` wrote; throws on short, corrupt or foreign input.
    public init(decoding bytes: ArraySlice<UInt8>) throws(MonitorError) {
        var reader = StateReader(bytes, typeName: "PageHinkley")
        try reader.expectFormat(StateFormat.pageHinkley)
        try self.init(from: &reader)
        try reader.expectEnd()
    }

    init(from reader: inout StateReader) throws(MonitorError) {
        self.init(
            minInstances: try reader.signedVarint("min instances"), delta: try reader.double("delta"),
            threshold: try reader.double("threshold"), alpha: try reader.double("alpha"))
        count = try reader.signedVarint("count")
        guard count >= 0 else { throw reader.error(.corrupt, "negative count \(count)") }
        mean = try reader.double("mean")
        sumIncrease = try reader.double("increase sum")
        sumDecrease = try reader.double("decrease sum")
        minIncrease = try reader.double("minimum increase")
        maxDecrease = try reader.double("maximum decrease")
        detected = try reader.bool("detected flag")
    }
}
