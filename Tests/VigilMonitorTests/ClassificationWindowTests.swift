import Testing

@testable import VigilMonitor

@Suite("Classification window")
struct ClassificationWindowTests {
    /// A window with predictions `(score, isFraud)`: every prediction added, then the fraud ones labelled.
    static func window(_ rows: [(Double, Bool)], threshold: Double = 0.5) -> ClassificationWindow {
        var window = ClassificationWindow(threshold: threshold)
        for (score, _) in rows { window.addPrediction(score: score) }
        for (score, fraud) in rows where fraud { window.applyLabel(score: score, previous: nil, isFraud: true) }
        return window
    }

    @Test("average precision equals scikit-learn's on scores in distinct bins")
    func averagePrecisionDistinctBins() {
        // Sorted by score: 0.95 F, 0.85 L, 0.75 F, 0.45 L, 0.35 F, 0.15 L; 3 fraud.
        // Each fraud adds ΔR = 1/3 at the precision of its rank: 1/1, 2/3, 3/5.
        // AP = (1/3)·(1 + 2/3 + 3/5) = (1/3)·(34/15) = 34/45 = 0.7555…
        // scikit-learn: average_precision_score([1,0,1,0,1,0], [.95,.85,.75,.45,.35,.15]) = 0.7555555555555555
        let w = Self.window([(0.95, true), (0.85, false), (0.75, true), (0.45, false), (0.35, true), (0.15, false)])
        #expect(close(w.averagePrecision, 34.0 / 45.0))
        // At threshold 0.5: flagged 0.95, 0.85, 0.75 → TP 2 of 3 flagged, 2 of 3 fraud.
        #expect(w.flagged == 3 && w.truePositives == 2 && w.fraud == 3 && w.predictions == 6)
        #expect(close(w.precision, 2.0 / 3.0) && close(w.recall, 2.0 / 3.0))
    }

    @Test("a perfect ranking has average precision 1; the worst ranking P/N-shaped steps")
    func averagePrecisionExtremes() {
        #expect(Self.window([(0.9, true), (0.8, true), (0.2, false)]).averagePrecision == 1)
        // Sorted: 0.9 L, 0.8 L, 0.2 F → AP = 1 · 1/3 (scikit-learn: 0.3333333333333333)
        #expect(close(Self.window([(0.9, false), (0.8, false), (0.2, true)]).averagePrecision, 1.0 / 3.0))
    }

    @Test("several fraud scores in one bin count as distinct steps, as scikit-learn does for distinct scores")
    func fraudOnlyBin() {
        // 0.5001 and 0.5005 share bin 500. Sorted: 0.9 L, 0.5005 F (P 1/2, R 1/2), 0.5001 F (P 2/3, R 1), 0.1 L.
        // AP = 0.5·0.5 + 0.5·(2/3) = 0.5833… (scikit-learn: 0.5833333333333333); as tied scores it would be 2/3.
        let w = Self.window([(0.9, false), (0.5001, true), (0.5005, true), (0.1, false)])
        #expect(close(w.averagePrecision, 0.5833333333333333))
    }

    @Test("a bin with both labels is treated as tied scores, as scikit-learn treats equal scores")
    func mixedBin() {
        // scikit-learn with equal scores: average_precision_score([0,1,1,0], [0.9,0.5,0.5,0.1]): one threshold at 0.5
        // reaching R = 1 at P = 2/3 → AP = 2/3. Here bin 500 holds one fraud and one legitimate score.
        let w = Self.window([(0.9, false), (0.5001, true), (0.5005, false), (0.95, true), (0.1, false)])
        // Sorted: 0.95 F (P 1, R 1/2), 0.9 L, bin 500 {F, L} tied (P 2/4, R 1), 0.1 L → AP = 0.5·1 + 0.5·0.5 = 0.75
        // (scikit-learn with the two scores equal: average_precision_score([0,1,0,1,0], [.9,.5,.5,.95,.1]) = 0.75)
        #expect(close(w.averagePrecision, 0.75))
    }

    @Test("no fraud: recall and average precision are nil; nothing flagged: precision is nil")
    func nils() {
        var w = ClassificationWindow(threshold: 0.7)
        #expect(w.precision == nil && w.recall == nil && w.averagePrecision == nil)
        w.addPrediction(score: 0.2)
        w.applyLabel(score: 0.2, previous: nil, isFraud: false)
        #expect(w.precision == nil && w.recall == nil && w.averagePrecision == nil)
        #expect(w.labelled == 1 && w.fraud == 0)
        w.applyLabel(score: 0.2, previous: false, isFraud: true)
        #expect(w.recall == 0 && w.precision == nil && w.averagePrecision == 1)
    }

    @Test("a correction from fraud to legitimate and back moves fraud, true positives and the curve")
    func corrections() {
        var w = ClassificationWindow(threshold: 0.5)
        for s in [0.9, 0.6, 0.3] { w.addPrediction(score: s) }
        w.applyLabel(score: 0.9, previous: nil, isFraud: true)
        w.applyLabel(score: 0.3, previous: nil, isFraud: true)
        #expect(w.fraud == 2 && w.truePositives == 1 && w.labelled == 2)
        #expect(close(w.recall, 0.5) && close(w.precision, 0.5))
        // Sorted 0.9 F, 0.6 L, 0.3 F → AP = 0.5·1 + 0.5·(2/3) = 0.8333…
        #expect(close(w.averagePrecision, 0.8333333333333334))

        // fraud → legitimate on the flagged one: TP and fraud drop, labelled stays.
        w.applyLabel(score: 0.9, previous: true, isFraud: false)
        #expect(w.fraud == 1 && w.truePositives == 0 && w.labelled == 2)
        #expect(w.recall == 0 && w.precision == 0)
        // Sorted 0.9 L, 0.6 L, 0.3 F → AP = 1/3
        #expect(close(w.averagePrecision, 1.0 / 3.0))

        // legitimate → fraud on the middle one (explicitly labelled legitimate first).
        w.applyLabel(score: 0.6, previous: nil, isFraud: false)
        #expect(w.labelled == 3 && w.fraud == 1)
        w.applyLabel(score: 0.6, previous: false, isFraud: true)
        #expect(w.fraud == 2 && w.truePositives == 1 && w.labelled == 3)
        #expect(close(w.recall, 0.5) && close(w.precision, 0.5))
        // Sorted 0.9 L, 0.6 F (P 1/2), 0.3 F (P 2/3) → AP = 0.5·0.5 + 0.5·(2/3) = 0.5833…
        #expect(close(w.averagePrecision, 0.5833333333333333))

        // A repeated label changes nothing.
        let before = w
        w.applyLabel(score: 0.6, previous: true, isFraud: true)
        #expect(w == before)
    }

    @Test("long runs of fraud in one bin use harmonic numbers and agree with the term-by-term sum")
    func longFraudRuns() {
        for (tp, n, m) in [(0.0, 1.0, UInt64(5000)), (3.0, 10.0, 100_000), (1000.0, 5000.0, 4097), (0, 7000, 1_000_000)] {
            var direct = 0.0
            for j in 1...m { direct += (tp + Double(j)) / (n + Double(j)) }
            let fast = ClassificationWindow.distinctFraudSteps(truePositives: tp, seen: n, count: m)
            #expect(abs(fast - direct) / direct < 1e-12, "tp \(tp), n \(n), m \(m): \(fast) vs \(direct)")
        }
        #expect(ClassificationWindow.distinctFraudSteps(truePositives: 4, seen: 4, count: UInt64.max) == 0x1p64)
        // H(10) = 7381/2520
        #expect(close(ClassificationWindow.harmonic(10), 7381.0 / 2520.0))
        #expect(abs(ClassificationWindow.harmonic(5000) - ClassificationWindow.harmonic(4095) - (4096...5000).reduce(0.0) { $0 + 1 / Double($1) }) < 1e-12)
    }

    @Test("unlabelled predictions count as legitimate")
    func unlabelledIsLegitimate() {
        var w = ClassificationWindow(threshold: 0.5)
        for s in [0.9, 0.8, 0.1] { w.addPrediction(score: s) }
        w.applyLabel(score: 0.9, previous: nil, isFraud: true)
        #expect(w.labelled == 1 && close(w.precision, 0.5) && w.recall == 1)
    }

    @Test(
        "scores are clamped to [0, 1] and binned as min(999, Int(score·1000)); flagged means score >= threshold",
        arguments: [
            (-0.5, 0, false), (0.0, 0, false), (0.0009, 0, false), (0.001, 1, false), (0.4999, 499, false),
            (0.5, 500, true), (0.9999, 999, true), (1.0, 999, true), (7.0, 999, true), (Double.nan, 0, false),
        ])
    func binning(score: Double, bin: Int, flagged: Bool) {
        var w = ClassificationWindow(threshold: 0.5)
        w.addPrediction(score: score)
        #expect(w.binCounts(bin).predictions == 1)
        #expect(w.flagged == (flagged ? 1 : 0))
    }

    @Test("a label that contradicts the counts saturates at zero instead of trapping")
    func inconsistentLabels() {
        var w = ClassificationWindow(threshold: 0.5)
        w.applyLabel(score: 0.9, previous: true, isFraud: false)
        #expect(w.fraud == 0 && w.truePositives == 0 && w.averagePrecision == nil)
        w.applyLabel(score: 0.9, previous: nil, isFraud: true)  // a fraud label for a prediction never added
        #expect(w.averagePrecision != nil)
    }

    @Test("merging two partial windows equals one window with all predictions and labels")
    func merge() {
        var rng = SplitMix64(seed: 5)
        var whole = ClassificationWindow(threshold: 0.3)
        var parts = [ClassificationWindow(threshold: 0.3), ClassificationWindow(threshold: 0.3)]
        for i in 0..<2000 {
            let score = rng.uniform()
            let fraud = rng.uniform() < score * 0.3
            whole.addPrediction(score: score)
            parts[i % 2].addPrediction(score: score)
            if fraud || rng.uniform() < 0.2 {
                whole.applyLabel(score: score, previous: nil, isFraud: fraud)
                parts[i % 2].applyLabel(score: score, previous: nil, isFraud: fraud)
            }
        }
        var merged = parts[0]
        merged.merge(parts[1])
        #expect(merged == whole)
        #expect(merged.averagePrecision == whole.averagePrecision)
    }

    @Test("the sparse state encoding round-trips, is small for a sparse window, and keeps counting identically")
    func roundTrip() throws {
        var w = ClassificationWindow(threshold: 0.42)
        #expect(try ClassificationWindow(decoding: encoded(w.encode)[...]) == w)
        var rng = SplitMix64(seed: 9)
        for _ in 0..<300 {
            let score = rng.uniform() * rng.uniform()
            w.addPrediction(score: score)
            if rng.uniform() < 0.1 { w.applyLabel(score: score, previous: nil, isFraud: rng.uniform() < 0.5) }
        }
        let bytes = encoded(w.encode)
        #expect(bytes.first == 0x21)
        #expect(bytes.count < 1200, "\(bytes.count) bytes")
        var decoded = try ClassificationWindow(decoding: bytes[...])
        #expect(decoded == w)
        #expect(decoded.averagePrecision == w.averagePrecision)
        w.addPrediction(score: 0.999)
        decoded.addPrediction(score: 0.999)
        w.applyLabel(score: 0.999, previous: nil, isFraud: true)
        decoded.applyLabel(score: 0.999, previous: nil, isFraud: true)
        #expect(decoded == w)
    }

    @Test("decoding rejects score bins beyond 999")
    func corruptBins() {
        var bytes: [UInt8] = [0x21]
        bytes.appendDouble(0.5)
        bytes += [1, 0, 0, 0, 0]  // five counters
        bytes += [1]  // one non-empty bin
        bytes.appendVarint(1000)  // bin 1000
        bytes += [1, 0]
        #expect(throws: MonitorError.self) { try ClassificationWindow(decoding: bytes[...]) }
    }
}
