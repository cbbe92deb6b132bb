/// Counts of one feature's values in the bins of its training baseline, plus the missing and out-of-range counts.
///
/// With interior `edges` `e₀ < e₁ < … < eₖ₋₁` there are `k + 1` bins: bin 0 holds `x < e₀`, bin `i` holds
/// `eᵢ₋₁ <= x < eᵢ`, and the last bin `x >= eₖ₋₁`. NaN is *missing* and goes in no bin. When the training
/// ``range`` is known, a value outside it is *out of range* and is counted in its bin as well (the first or last).
///
/// ``add(_:)`` is the hot path: a binary search over the edges and two increments, without allocation.
public struct BinnedHistogram: Sendable, Equatable {
    /// Interior bin edges, strictly increasing (see ``checkEdges(_:)``); `edges.count + 1` bins.
    public let edges: [Double]
    /// The training minimum...maximum when known; values outside it count in ``outOfRange``.
    public let range: ClosedRange<Double>?
    /// Values per bin (`edges.count + 1` entries).
    public private(set) var counts: [UInt64]
    /// NaN values seen.
    public private(set) var missing: UInt64 = 0
    /// Non-missing values outside ``range`` (always 0 without a range).
    public private(set) var outOfRange: UInt64 = 0
    /// Non-missing values seen (the sum of ``counts``).
    private var present: UInt64 = 0

    /// An empty histogram over the given bins.
    ///
    /// `edges` must be strictly increasing and free of NaN (check baselines read from a file with
    /// ``checkEdges(_:)``); with other edges values still land in some bin, but not a meaningful one.
    public init(edges: [Double], range: ClosedRange<Double>? = nil) {
        self.edges = edges
        self.range = range
        self.counts = Array(repeating: 0, count: edges.count + 1)
    }

    /// Throws ``MonitorError/Code/invalidArgument`` unless `edges` are strictly increasing and none is NaN.
    public static func checkEdges(_ edges: [Double]) throws(MonitorError) {
        for (i, edge) in edges.enumerated() {
            guard !edge.isNaN else {
                throw MonitorError(code: .invalidArgument, message: "BinnedHistogram: edge \(i) is NaN")
            }
            guard i == 0 || edges[i - 1] < edge else {
                throw MonitorError(
                    code: .invalidArgument, message: "BinnedHistogram: edges are not strictly increasing at index \(i)")
            }
        }
    }

    /// Non-missing plus missing values.
    public var total: UInt64 { present &+ missing }

    /// The bin of a non-NaN value: the number of edges less than or equal to it.
    @inline(__always)
    public func bin(of x: Double) -> Int {
        var low = 0
        var high = edges.count
        edges.withUnsafeBufferPointer { edges in
            while low < high {
                let middle = (low &+ high) >> 1
                if edges[middle] <= x { low = middle &+ 1 } else { high = middle }
            }
        }
        return low
    }

    /// Counts one value: NaN as missing; otherwise in its bin, and as out of range when outside ``range``.
    public mutating func add(_ x: Double) {
        if x.isNaN {
            missing &+= 1
            return
        }
        counts[bin(of: x)] &+= 1
        present &+= 1
        if let range, x < range.lowerBound || x > range.upperBound { outOfRange &+= 1 }
    }

    /// Adds the counts of a histogram over the same bins (the same ``edges`` and ``range``), for example a window's
    /// partial histograms from several partitions.
    ///
    /// - Throws: ``MonitorError/Code/mismatch`` when the edges or ranges differ; `self` is then unchanged.
    public mutating func merge(_ other: BinnedHistogram) throws(MonitorError) {
        guard edges == other.edges, range == other.range else {
            throw MonitorError(
                code: .mismatch,
                message: "BinnedHistogram: cannot merge a histogram over other bins (\(other.edges.count) edges, "
                    + "range \(other.range.map { "\($0)" } ?? "none")) into this one (\(edges.count) edges, "
                    + "range \(range.map { "\($0)" } ?? "none"))")
        }
        for i in counts.indices { counts[i] &+= other.counts[i] }
        missing &+= other.missing
        outOfRange &+= other.outOfRange
        present &+= other.present
    }

    /// The share of non-missing values in each bin; all zeros when there are none.
    public var proportions: [Double] {
        guard present > 0 else { return Array(repeating: 0, count: counts.count) }
        let n = Double(present)
        return counts.map { Double($0) / n }
    }

    /// ``missing`` / ``total``; 0 when empty.
    public var missingRate: Double { total == 0 ? 0 : Double(missing) / Double(total) }

    /// ``outOfRange`` / non-missing values; 0 when there are none.
    public var outOfRangeRate: Double { present == 0 ? 0 : Double(outOfRange) / Double(present) }
}

extension BinnedHistogram {
    /// Appends the state encoding: format byte `0x11`, the edges and range (little-endian doubles), then the counts,
    /// missing and out-of-range counts as varints.
    public func encode(into out: inout [UInt8]) {
        out.append(StateFormat.binnedHistogram)
        out.appendVarint(UInt64(edges.count))
        for edge in edges { out.appendDouble(edge) }
        if let range {
            out.appendBool(true)
            out.appendDouble(range.lowerBound)
            out.appendDouble(range.upperBound)
        } else {
            out.appendBool(false)
        }
        for count in counts { out.appendVarint(count) }
        out.appendVarint(missing)
        out.appendVarint(outOfRange)
    }

    /// Decodes what ``encode(into:)`` wrote; throws on short, corrupt or foreign input.
    public init(decoding bytes: ArraySlice<UInt8>) throws(MonitorError) {
        var reader = StateReader(bytes, typeName: "BinnedHistogram")
        try reader.expectFormat(StateFormat.binnedHistogram)
        try self.init(from: &reader)
        try reader.expectEnd()
    }

    init(from reader: inout StateReader) throws(MonitorError) {
        let edgeCount = try reader.count("edge count", minimumBytes: 8)
        var edges: [Double] = []
        edges.reserveCapacity(edgeCount)
        for _ in 0..<edgeCount { edges.append(try reader.double("edge")) }
        do {
            try Self.checkEdges(edges)
        } catch {
            throw reader.error(.corrupt, error.message)
        }
        var range: ClosedRange<Double>?
        if try reader.bool("range flag") {
            let lower = try reader.number("range lower bound")
            let upper = try reader.number("range upper bound")
            guard lower <= upper else { throw reader.error(.corrupt, "range \(lower) > \(upper)") }
            range = lower...upper
        }
        self.init(edges: edges, range: range)
        var present: UInt64 = 0
        for i in counts.indices {
            let count = try reader.varint("count of bin \(i)")
            let (sum, overflow) = present.addingReportingOverflow(count)
            guard !overflow else { throw reader.error(.corrupt, "bin counts overflow") }
            counts[i] = count
            present = sum
        }
        self.present = present
        missing = try reader.varint("missing count")
        outOfRange = try reader.varint("out-of-range count")
        guard outOfRange <= present else {
            throw reader.error(.corrupt, "out-of-range count \(outOfRange) exceeds the \(present) values")
        }
    }
}
