import Testing

@testable import VigilMonitor

@Suite("Change detectors")
struct ChangeDetectorTests {
    @Test("River parity: the same indices are flagged and the final state is the same", arguments: RiverFixtures.cases)
    func riverParity(_ fixture: DetectorCase) throws {
        var detector = fixture.make()
        var flagged: [Int] = []
        for (i, x) in fixture.values.enumerated() where detector.update(x) { flagged.append(i) }
        #expect(flagged == fixture.flagged)
        try Self.expectFinalState(detector, fixture)
    }

    @Test("River parity holds across encode/decode every 997 values", arguments: RiverFixtures.cases)
    func riverParityAcrossRestarts(_ fixture: DetectorCase) throws {
        var detector = fixture.make()
        var flagged: [Int] = []
        for (i, x) in fixture.values.enumerated() {
            if i % 997 == 0 {
                let bytes = encoded(detector.encode)
                let restored = try ChangeDetector(decoding: bytes[...])
                #expect(restored == detector)
                #expect(encoded(restored.encode) == bytes)
                detector = restored
            }
            if detector.update(x) { flagged.append(i) }
        }
        #expect(flagged == fixture.flagged)
        try Self.expectFinalState(detector, fixture)
    }

    static func expectFinalState(_ detector: ChangeDetector, _ fixture: DetectorCase) throws {
        if let estimation = fixture.estimation {
            let adwin = try #require(detector.adwin)
            #expect(adwin.width == fixture.size)
            #expect(adwin.estimation == estimation)
        } else {
            let pageHinkley = try #require(detector.pageHinkley)
            #expect(pageHinkley.count == fixture.size)
        }
    }

    @Test("the fixtures were made by River 0.21 and include detections")
    func fixturesAreMeaningful() {
        #expect(RiverFixtures.riverVersion.hasPrefix("0.21"))
        #expect(RiverFixtures.cases.count == 16)
        #expect(RiverFixtures.cases.filter { !$0.flagged.isEmpty }.count >= 12)
    }

    @Test("no detection on a stationary Bernoulli(0.1) error stream of 20 000 values", arguments: ChangeDetectorKind.allCases)
    func stationary(kind: ChangeDetectorKind) {
        for seed in UInt64(100)..<UInt64(103) {
            var rng = SplitMix64(seed: seed)
            var detector = ChangeDetector(kind: kind)
            var detections = 0
            for _ in 0..<20_000 where detector.update(rng.uniform() < 0.1 ? 1 : 0) { detections += 1 }
            #expect(detections == 0, "seed \(seed)")
        }
    }

    @Test("a shift of the error rate from 0.1 to 0.5 is detected within 300 values", arguments: ChangeDetectorKind.allCases)
    func shiftDetected(kind: ChangeDetectorKind) {
        for seed in UInt64(200)..<UInt64(210) {
            var rng = SplitMix64(seed: seed)
            var detector = ChangeDetector(kind: kind)
            var first: Int?
            for i in 0..<4000 {
                let rate = i < 2000 ? 0.1 : 0.5
                if detector.update(rng.uniform() < rate ? 1 : 0) && first == nil { first = i }
            }
            let index = first ?? -1
            #expect(index >= 2000 && index < 2300, "seed \(seed): first detection at \(index)")
        }
    }

    static func feed(_ detector: inout PageHinkley, _ values: [Double]) -> [Bool] {
        values.map { detector.update($0) }
    }

    static func feed(_ detector: inout ADWIN, _ values: [Double]) -> [Bool] {
        values.map { detector.update($0) }
    }

    @Test("Page-Hinkley by hand: min_instances gates detection, and the detector resets after one")
    func pageHinkleyByHand() {
        // minInstances 3, delta 0, threshold 1, alpha 1: values 0, 0, 3
        //   x=0: mean 0, dev 0, up 0, down 0 → min(up) 0, max(down) max(−1, 0) = 0
        //   x=0: same
        //   x=3: mean 1, dev 2, up 2, down 2 → count 3 >= 3: up − min(up) = 2 > 1 → change
        var ph = PageHinkley(minInstances: 3, delta: 0, threshold: 1, alpha: 1)
        #expect(Self.feed(&ph, [0, 0, 3]) == [false, false, true])
        #expect(ph.count == 3)
        // The next value starts afresh: count 1, and a jump needs min_instances again.
        #expect(Self.feed(&ph, [100]) == [false])
        #expect(ph.count == 1)
        // Same values with minInstances 4: no detection at the third (and at the 4th: mean 0.75, dev −0.75,
        // up 1.25, min(up) 0 → 1.25 > 1 → change).
        var gated = PageHinkley(minInstances: 4, delta: 0, threshold: 1, alpha: 1)
        #expect(Self.feed(&gated, [0, 0, 3, 0]) == [false, false, false, true])
        // A decrease is detected too (two-sided): 5, 5, 0 → mean 10/3, dev −10/3, down −10/3, max(down) 0 → 3.33 > 1
        var down = PageHinkley(minInstances: 3, delta: 0, threshold: 1, alpha: 1)
        #expect(Self.feed(&down, [5, 5, 0]) == [false, false, true])
    }

    @Test("ADWIN by hand: the window grows, only checks every clock values, then drops the old part after a jump")
    func adwinByHand() {
        var adwin = ADWIN()
        #expect(Self.feed(&adwin, Array(repeating: 0, count: 31)) == Array(repeating: false, count: 31))
        #expect(adwin.width == 31 && adwin.estimation == 0)
        // Value 32 is a check (tick 32): with only zeros there is no change.
        #expect(Self.feed(&adwin, [0]) == [false])
        var detected: Int?
        for i in 0..<200 where adwin.update(1) {
            detected = i
            break
        }
        // Checks happen at ticks 64, 96, 128, …: River 0.21 flags this jump at tick 128 (the 96th one), keeping the
        // newest 96 values (values checked with River: ADWIN().update × 32 zeros then ones → index 95, width 96).
        #expect(detected == 95)
        #expect(adwin.width == 96)
        // The next value starts an empty window, as River's ADWIN resets after a detection.
        _ = adwin.update(1)
        #expect(adwin.width == 1 && adwin.estimation == 1)
    }

    @Test("NaN is ignored by both detectors")
    func nanIgnored() {
        for kind in ChangeDetectorKind.allCases {
            var detector = ChangeDetector(kind: kind)
            _ = detector.update(1)
            let before = detector
            let flagged = detector.update(.nan)
            #expect(!flagged)
            #expect(detector == before)
        }
    }

    @Test("out-of-domain ADWIN parameters are clamped instead of trapping")
    func adwinClamps() {
        var adwin = ADWIN(clock: 0, maxBuckets: 0)
        #expect(adwin.clock == 1 && adwin.maxBuckets == 1)
        for i in 0..<500 { _ = adwin.update(i < 250 ? 0 : 1) }
        #expect(adwin.width > 0)
    }

    @Test("kinds spell the topology's names")
    func kindNames() {
        #expect(ChangeDetectorKind(rawValue: "page_hinkley") == .pageHinkley)
        #expect(ChangeDetectorKind(rawValue: "adwin") == .adwin)
        #expect(ChangeDetector(kind: .adwin).adwin == ADWIN())
        #expect(ChangeDetector(kind: .pageHinkley).pageHinkley == PageHinkley())
    }
}
