import Testing

@testable import VigilMonitor

@Suite("Binned histogram")
struct BinnedHistogramTests {
    @Test(
        "a value lands in the bin whose lower edge is inclusive",
        arguments: [
            (-10.0, 0), (0.999, 0), (1.0, 1), (1.5, 1), (2.0, 2), (4.999, 2), (5.0, 3), (1e300, 3),
            (-Double.infinity, 0), (Double.infinity, 3),
        ])
    func binBoundaries(value: Double, bin: Int) {
        var histogram = BinnedHistogram(edges: [1, 2, 5])
        histogram.add(value)
        var expected: [UInt64] = [0, 0, 0, 0]
        expected[bin] = 1
        #expect(histogram.counts == expected)
        #expect(histogram.bin(of: value) == bin)
    }

    @Test("no edges: one bin holds everything")
    func noEdges() {
        var histogram = BinnedHistogram(edges: [])
        for x in [-1.0, 0, 7] { histogram.add(x) }
        #expect(histogram.counts == [3])
        #expect(histogram.proportions == [1])
    }

    @Test("NaN is missing and in no bin; rates and proportions ignore or include it as documented")
    func missingValues() {
        var histogram = BinnedHistogram(edges: [0.5])
        for x in [0.1, 0.2, 0.9, .nan] { histogram.add(x) }
        #expect(histogram.counts == [2, 1])
        #expect(histogram.missing == 1)
        #expect(histogram.total == 4)
        #expect(histogram.missingRate == 0.25)
        #expect(histogram.proportions == [2.0 / 3.0, 1.0 / 3.0])
    }

    @Test("a value outside the training range is counted in its bin and as out of range")
    func outOfRange() {
        var histogram = BinnedHistogram(edges: [0, 10], range: -5...20)
        for x in [-6.0, -5, 3, 20, 21, .nan] { histogram.add(x) }
        #expect(histogram.counts == [2, 1, 2])
        #expect(histogram.outOfRange == 2)
        #expect(histogram.outOfRangeRate == 2.0 / 5.0)
        #expect(histogram.missingRate == 1.0 / 6.0)
    }

    @Test("an empty histogram has zero proportions and rates")
    func empty() {
        var histogram = BinnedHistogram(edges: [1, 2])
        #expect(histogram.proportions == [0, 0, 0])
        #expect(histogram.missingRate == 0 && histogram.outOfRangeRate == 0 && histogram.total == 0)
        histogram.add(.nan)
        #expect(histogram.proportions == [0, 0, 0])
        #expect(histogram.missingRate == 1 && histogram.outOfRangeRate == 0)
    }

    @Test("merging adds counts; merging other bins throws and leaves the histogram unchanged")
    func merge() throws {
        var a = BinnedHistogram(edges: [1, 2], range: 0...3)
        var b = BinnedHistogram(edges: [1, 2], range: 0...3)
        for x in [0.5, 1.5, 4] { a.add(x) }
        for x in [2.5, .nan, -1] { b.add(x) }
        try a.merge(b)
        #expect(a.counts == [2, 1, 2])
        #expect(a.missing == 1 && a.outOfRange == 2 && a.total == 6)

        let before = a
        #expect(throws: MonitorError.self) { try a.merge(BinnedHistogram(edges: [1, 3], range: 0...3)) }
        #expect(throws: MonitorError.self) { try a.merge(BinnedHistogram(edges: [1, 2])) }
        #expect(a == before)
        do {
            try a.merge(BinnedHistogram(edges: [1]))
            Issue.record("merge of other edges did not throw")
        } catch {
            #expect(error.code == .mismatch)
        }
    }

    @Test("edges that are not strictly increasing or contain NaN are rejected by checkEdges")
    func checkEdges() throws {
        try BinnedHistogram.checkEdges([])
        try BinnedHistogram.checkEdges([-1, 0, 3.5])
        for bad in [[1.0, 1.0], [2.0, 1.0], [0.0, .nan]] {
            do {
                try BinnedHistogram.checkEdges(bad)
                Issue.record("\(bad) accepted")
            } catch {
                #expect(error.code == .invalidArgument)
            }
        }
    }

    @Test("the state encoding round-trips and keeps counting identically")
    func roundTrip() throws {
        var histogram = BinnedHistogram(edges: [-1.5, 0, 2.25, 1e9], range: -3...1e10)
        var rng = SplitMix64(seed: 7)
        for _ in 0..<5000 { histogram.add(rng.uniform() < 0.05 ? .nan : (rng.uniform() - 0.5) * 20) }
        let bytes = encoded(histogram.encode)
        var decoded = try BinnedHistogram(decoding: bytes[...])
        #expect(decoded == histogram)
        #expect(bytes.first == 0x11)
        for x in [-2.0, 0, 5, .nan, 1e11] {
            histogram.add(x)
            decoded.add(x)
        }
        #expect(decoded == histogram)

        let plain = BinnedHistogram(edges: [1])
        #expect(try BinnedHistogram(decoding: encoded(plain.encode)[...]) == plain)
    }

    @Test("decoding rejects a range or edges that could not have been encoded")
    func corruptValues() {
        var bytes: [UInt8] = [0x11, 2]
        bytes.appendDouble(3)
        bytes.appendDouble(1)  // decreasing edges
        bytes += [0, 0, 0, 0, 0, 0]
        #expect(throws: MonitorError.self) { try BinnedHistogram(decoding: bytes[...]) }

        var range: [UInt8] = [0x11, 0, 1]
        range.appendDouble(5)
        range.appendDouble(1)  // lower > upper
        range += [0, 0, 0]
        #expect(throws: MonitorError.self) { try BinnedHistogram(decoding: range[...]) }
    }
}
