import Testing

@testable import VigilMonitor

/// Every state type's decoder on short, foreign, padded and mutated input: it throws, never traps.
@Suite("State encodings")
struct StateEncodingTests {
    /// A representative non-trivial encoding of each type, and a decoder for it.
    struct Sample: Sendable, CustomStringConvertible {
        var description: String
        var bytes: [UInt8]
        var decode: @Sendable (ArraySlice<UInt8>) throws(MonitorError) -> Void
    }

    static let samples: [Sample] = {
        var rng = SplitMix64(seed: 42)
        var histogram = BinnedHistogram(edges: [0.1, 0.5, 0.9], range: 0...1)
        var window = ClassificationWindow(threshold: 0.5)
        var pageHinkley = ChangeDetector(kind: .pageHinkley)
        var adwin = ChangeDetector(kind: .adwin)
        for _ in 0..<500 {
            let u = rng.uniform()
            histogram.add(u < 0.02 ? .nan : u * 1.1)
            window.addPrediction(score: u)
            if rng.uniform() < 0.3 { window.applyLabel(score: u, previous: nil, isFraud: rng.uniform() < u) }
            _ = pageHinkley.update(u < 0.1 ? 1 : 0)
            _ = adwin.update(u < 0.1 ? 1 : 0)
        }
        var evaluator = RetrainPolicyEvaluator(
            policy: RetrainPolicy(
                rules: [
                    .drift(threshold: 0.25, topFeatures: 3, consecutiveWindows: 3), .recallDrop(points: 0.1),
                    .schedule(everyMillis: 1000), .newLabels(count: 100), .errorChange,
                ],
                cooldownMillis: 10, trainingRangeMillis: 100),
            validationRecall: 0.8, topFeatures: ["a", "b", "ç"])
        _ = evaluator.observeDrift(windowEnd: 1, psi: ["a": 0.3, "ç": 0.4])
        _ = evaluator.observeLabels(5, at: 2)
        return [
            Sample(description: "BinnedHistogram", bytes: encoded(histogram.encode)) { b throws(MonitorError) in
                var histogram = try BinnedHistogram(decoding: b)
                for x in [-1.0, 0.5, 2, .nan] { histogram.add(x) }
                _ = (histogram.proportions, histogram.missingRate, histogram.outOfRangeRate)
            },
            Sample(description: "ClassificationWindow", bytes: encoded(window.encode)) { b throws(MonitorError) in
                var window = try ClassificationWindow(decoding: b)
                window.addPrediction(score: 0.7)
                window.applyLabel(score: 0.7, previous: nil, isFraud: true)
                window.applyLabel(score: 0.2, previous: true, isFraud: false)
                _ = (window.precision, window.recall, window.averagePrecision)
            },
            Sample(description: "PageHinkley", bytes: encoded(pageHinkley.pageHinkley!.encode)) { b throws(MonitorError) in
                var detector = try PageHinkley(decoding: b)
                for i in 0..<100 { _ = detector.update(Double(i % 3)) }
            },
            Sample(description: "ADWIN", bytes: encoded(adwin.adwin!.encode)) { b throws(MonitorError) in
                var detector = try ADWIN(decoding: b)
                for i in 0..<200 { _ = detector.update(i < 100 ? 0 : 1) }
            },
            Sample(description: "ChangeDetector(page_hinkley)", bytes: encoded(pageHinkley.encode)) { b throws(MonitorError) in
                var detector = try ChangeDetector(decoding: b)
                for i in 0..<200 { _ = detector.update(i < 100 ? 0 : 1) }
            },
            Sample(description: "ChangeDetector(adwin)", bytes: encoded(adwin.encode)) { b throws(MonitorError) in
                var detector = try ChangeDetector(decoding: b)
                for i in 0..<200 { _ = detector.update(i < 100 ? 0 : 1) }
            },
            Sample(description: "RetrainPolicyEvaluator", bytes: encoded(evaluator.encode)) { b throws(MonitorError) in
                var evaluator = try RetrainPolicyEvaluator(decoding: b)
                for t in Int64(0)..<20 {
                    _ = evaluator.observeDrift(windowEnd: t * 100, psi: ["a": 0.5, "b": 0.1])
                    _ = evaluator.observePerformance(windowEnd: t * 100, recall: 0.5, at: t * 100)
                    _ = evaluator.observeLabels(Int.max, at: t * 100)
                    _ = evaluator.observeErrorChange(at: .max)
                }
            },
        ]
    }()

    static func code(_ sample: Sample, _ bytes: ArraySlice<UInt8>) -> MonitorError.Code? {
        do {
            try sample.decode(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    @Test("the full encoding decodes", arguments: samples)
    func decodes(_ sample: Sample) {
        #expect(Self.code(sample, sample.bytes[...]) == nil)
    }

    @Test("every proper prefix throws", arguments: samples)
    func truncated(_ sample: Sample) {
        for length in 0..<sample.bytes.count {
            let code = Self.code(sample, sample.bytes[0..<length])
            #expect(code != nil, "prefix of \(length) bytes decoded")
            if length > 0 { #expect(code == .truncated || code == .corrupt, "prefix \(length): \(String(describing: code))") }
        }
    }

    @Test("a trailing byte is corrupt; another format byte is unsupported", arguments: samples)
    func paddedAndForeign(_ sample: Sample) {
        #expect(Self.code(sample, (sample.bytes + [0])[...]) == .corrupt)
        var foreign = sample.bytes
        foreign[0] = 0x12  // a future histogram format, or any other type's byte
        #expect(Self.code(sample, foreign[...]) == .unsupportedFormat)
    }

    @Test("a slice that does not start at index 0 decodes", arguments: samples)
    func offsetSlice(_ sample: Sample) {
        let padded = [0xAA, 0xBB] + sample.bytes + [0xCC]
        #expect(Self.code(sample, padded[2..<(padded.count - 1)]) == nil)
    }

    @Test("random byte mutations either throw or decode into a state that keeps working", arguments: samples)
    func mutations(_ sample: Sample) {
        var rng = SplitMix64(seed: UInt64(sample.bytes.count))
        for _ in 0..<2000 {
            var bytes = sample.bytes
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                let index = 1 + Int(rng.next() % UInt64(bytes.count - 1))
                bytes[index] = UInt8(truncatingIfNeeded: rng.next())
            }
            _ = Self.code(sample, bytes[...])
        }
    }

    @Test("a count field claiming more elements than the input holds is rejected before allocating")
    func hugeCounts() {
        var bytes: [UInt8] = [0x11]
        bytes.appendVarint(UInt64.max >> 1)  // edge count
        #expect(Self.code(Self.samples[0], bytes[...]) == .corrupt || Self.code(Self.samples[0], bytes[...]) == .truncated)
        var overflowing: [UInt8] = [0x11]
        overflowing += Array(repeating: 0xFF, count: 10) + [0x01]  // an 11-byte varint
        #expect(Self.code(Self.samples[0], overflowing[...]) == .corrupt)
    }

    @Test("an ADWIN state whose buckets do not add up to its width is rejected")
    func inconsistentAdwin() throws {
        var adwin = ADWIN()
        for i in 0..<40 { _ = adwin.update(Double(i % 2)) }
        var bytes = encoded(adwin.encode)
        _ = try ADWIN(decoding: bytes[...])
        // The width field follows the format byte, delta, four zigzag parameters (1 byte each), total and variance.
        let widthOffset = 1 + 8 + 4 + 8 + 8
        #expect(Double(bitPattern: bytes[widthOffset..<(widthOffset + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) }) == 40)
        bytes.replaceSubrange(widthOffset..<(widthOffset + 8), with: encoded { $0.appendDouble(41) })
        do {
            _ = try ADWIN(decoding: bytes[...])
            Issue.record("inconsistent width accepted")
        } catch {
            #expect(error.code == .corrupt)
        }
    }

    @Test("varints and zigzag integers round-trip at their extremes")
    func primitives() throws {
        var out: [UInt8] = []
        let unsigned: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, .max]
        let signed: [Int] = [0, -1, 1, .min, .max]
        for v in unsigned { out.appendVarint(v) }
        for v in signed { out.appendSignedVarint(v) }
        out.appendString("héllo")
        var reader = StateReader(out[...], typeName: "test")
        for v in unsigned { #expect(try reader.varint("u") == v) }
        for v in signed { #expect(try reader.signedVarint("s") == v) }
        #expect(try reader.string("s") == "héllo")
        try reader.expectEnd()
    }
}
