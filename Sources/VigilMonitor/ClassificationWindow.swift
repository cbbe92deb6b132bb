#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Live accuracy of the predictions of one event-time window, from labels that arrive later (and may be corrected).
///
/// Scores are probabilities: values below 0 count as 0, above 1 as 1, and NaN as 0. A prediction is *flagged* when
/// its score is at least ``threshold``. A prediction without a fraud label counts as legitimate — a transaction with
/// no fraud label by the label horizon is legitimate (docs/events.md) — so precision and recall move as labels
/// arrive, and are final once the horizon has passed.
///
/// Besides the counters, the window keeps two histograms of scores over ``scoreBins`` uniform bins of [0, 1]
/// (every prediction, and those labelled fraud), from which ``averagePrecision`` is computed. ``addPrediction(score:)``
/// is the hot path: a few increments, without allocation.
public struct ClassificationWindow: Sendable, Equatable {
    /// The number of uniform score bins over [0, 1]: a score `s` is in bin `min(999, Int(s * 1000))`.
    public static let scoreBins = 1000

    /// The operating threshold: a prediction is flagged when `score >= threshold`.
    public let threshold: Double
    /// Predictions added.
    public private(set) var predictions: UInt64 = 0
    /// Predictions currently labelled fraud.
    public private(set) var fraud: UInt64 = 0
    /// Predictions flagged (`score >= threshold`).
    public private(set) var flagged: UInt64 = 0
    /// Predictions both flagged and currently labelled fraud.
    public private(set) var truePositives: UInt64 = 0
    /// Predictions with any label (fraud or explicitly legitimate).
    public private(set) var labelled: UInt64 = 0
    /// Predictions per score bin.
    private var binPredictions: [UInt64]
    /// Predictions currently labelled fraud per score bin.
    private var binFraud: [UInt64]

    /// An empty window with the given operating threshold.
    public init(threshold: Double) {
        self.threshold = threshold
        binPredictions = Array(repeating: 0, count: Self.scoreBins)
        binFraud = Array(repeating: 0, count: Self.scoreBins)
    }

    /// A score clamped to [0, 1], NaN as 0.
    @inline(__always)
    static func clamp(_ score: Double) -> Double {
        score >= 0 ? min(score, 1) : 0
    }

    /// The score bin of a clamped score.
    @inline(__always)
    static func bin(_ clamped: Double) -> Int {
        min(scoreBins - 1, Int(clamped * Double(scoreBins)))
    }

    /// Counts one prediction with the given score.
    public mutating func addPrediction(score: Double) {
        let s = Self.clamp(score)
        predictions &+= 1
        binPredictions[Self.bin(s)] &+= 1
        if s >= threshold { flagged &+= 1 }
    }

    /// Applies a label to a prediction of this window that had `score`: `previous` is its earlier label (nil: none
    /// yet), `isFraud` the new one, which replaces the earlier one (a correction from fraud to legitimate or back).
    ///
    /// The caller must have added that prediction; a label that contradicts the counts (removing fraud that was
    /// never counted) saturates at zero instead of trapping.
    public mutating func applyLabel(score: Double, previous: Bool?, isFraud: Bool) {
        if previous == nil { labelled &+= 1 }
        let wasFraud = previous ?? false
        guard wasFraud != isFraud else { return }
        let s = Self.clamp(score)
        let bin = Self.bin(s)
        let isFlagged = s >= threshold
        if isFraud {
            fraud &+= 1
            binFraud[bin] &+= 1
            if isFlagged { truePositives &+= 1 }
        } else {
            fraud = fraud.saturatingSubtracting(1)
            binFraud[bin] = binFraud[bin].saturatingSubtracting(1)
            if isFlagged { truePositives = truePositives.saturatingSubtracting(1) }
        }
    }

    /// Flagged fraud / flagged; nil when nothing is flagged.
    public var precision: Double? {
        flagged == 0 ? nil : Double(truePositives) / Double(flagged)
    }

    /// Flagged fraud / fraud; nil when no prediction is labelled fraud.
    public var recall: Double? {
        fraud == 0 ? nil : Double(truePositives) / Double(fraud)
    }

    /// Average precision, the step-wise area under the precision–recall curve, as scikit-learn's
    /// `average_precision_score`: `Σₙ (Rₙ − Rₙ₋₁) Pₙ` over thresholds taken from the highest score down; nil when
    /// no prediction is labelled fraud.
    ///
    /// Computed from the score bins: a bin holding only fraud is taken as that many distinct scores (each adds a
    /// step), a bin holding both fraud and legitimate predictions as tied scores (one step, as scikit-learn treats
    /// equal scores). So the value is exact whenever no bin holds scores of both labels, and otherwise differs from
    /// the exact one only by the order inside the mixed bins (width 0.001).
    public var averagePrecision: Double? {
        var positives: UInt64 = 0
        for count in binFraud { positives &+= count }
        guard positives > 0 else { return nil }
        var truePositives = 0.0
        var seen = 0.0
        var sum = 0.0
        for bin in stride(from: Self.scoreBins - 1, through: 0, by: -1) {
            let fraudCount = binFraud[bin]
            let legitimateCount = binPredictions[bin].saturatingSubtracting(fraudCount)
            if fraudCount == 0 {
                seen += Double(legitimateCount)
            } else if legitimateCount == 0 {
                sum += Self.distinctFraudSteps(truePositives: truePositives, seen: seen, count: fraudCount)
                truePositives += Double(fraudCount)
                seen += Double(fraudCount)
            } else {
                truePositives += Double(fraudCount)
                seen += Double(fraudCount) + Double(legitimateCount)
                sum += Double(fraudCount) * truePositives / seen
            }
        }
        return sum / Double(positives)
    }

    /// `Σ_{j=1…m} (tp + j) / (n + j)`: the precisions at `m` fraud scores in a row after `tp` true positives among
    /// `n` predictions. Summed term by term for up to 4096 (exactly scikit-learn's sum); beyond, as
    /// `m − (n − tp)·(H(n + m) − H(n))` with harmonic numbers, so a huge (or corrupt) count cannot stall the caller.
    static func distinctFraudSteps(truePositives tp: Double, seen n: Double, count m: UInt64) -> Double {
        if n == tp { return Double(m) }  // no legitimate prediction above: every precision is 1
        if m <= 4096 {
            var sum = 0.0
            var j = 1.0
            for _ in 0..<m {
                sum += (tp + j) / (n + j)
                j += 1
            }
            return sum
        }
        return Double(m) - (n - tp) * (harmonic(n + Double(m)) - harmonic(n))
    }

    /// The harmonic number `H(x) = Σ_{k=1…x} 1/k` of a whole number: summed below 4096, else by its asymptotic
    /// expansion `ln x + γ + 1/(2x) − 1/(12x²) + 1/(120x⁴)` (error below 1e-20 there).
    static func harmonic(_ x: Double) -> Double {
        if x < 4096 {
            var sum = 0.0
            var k = x
            while k >= 1 {
                sum += 1 / k
                k -= 1
            }
            return sum
        }
        let inverse = 1 / x
        let square = inverse * inverse
        return log(x) + 0.577_215_664_901_532_9 + inverse / 2 - square / 12 + square * square / 120
    }

    /// Adds another window's predictions and labels (for example the same window's partial counts from another
    /// partition). Its flagged and true-positive counts are taken as they are, so both must use the same threshold.
    public mutating func merge(_ other: ClassificationWindow) {
        predictions &+= other.predictions
        fraud &+= other.fraud
        flagged &+= other.flagged
        truePositives &+= other.truePositives
        labelled &+= other.labelled
        for bin in 0..<Self.scoreBins {
            binPredictions[bin] &+= other.binPredictions[bin]
            binFraud[bin] &+= other.binFraud[bin]
        }
    }

    /// Predictions in one score bin (`0..<scoreBins`), and how many of them are labelled fraud.
    public func binCounts(_ bin: Int) -> (predictions: UInt64, fraud: UInt64) {
        guard bin >= 0 && bin < Self.scoreBins else { return (0, 0) }
        return (binPredictions[bin], binFraud[bin])
    }
}

extension ClassificationWindow {
    /// Appends the state encoding: format byte `0x21`, the threshold (a little-endian double), the five counters as
    /// varints, then the non-empty score bins only, each as (gap to the previous non-empty bin, predictions, fraud)
    /// varints — a window of a few thousand predictions takes some hundreds of bytes, not 16 KB.
    public func encode(into out: inout [UInt8]) {
        out.append(StateFormat.classificationWindow)
        out.appendDouble(threshold)
        out.appendVarint(predictions)
        out.appendVarint(fraud)
        out.appendVarint(flagged)
        out.appendVarint(truePositives)
        out.appendVarint(labelled)
        var nonEmpty = 0
        for bin in 0..<Self.scoreBins where binPredictions[bin] != 0 || binFraud[bin] != 0 { nonEmpty += 1 }
        out.appendVarint(UInt64(nonEmpty))
        var next = 0
        for bin in 0..<Self.scoreBins where binPredictions[bin] != 0 || binFraud[bin] != 0 {
            out.appendVarint(UInt64(bin - next))
            out.appendVarint(binPredictions[bin])
            out.appendVarint(binFraud[bin])
            next = bin + 1
        }
    }

    /// Decodes what ``encode(into:)`` wrote; throws on short, corrupt or foreign input.
    public init(decoding bytes: ArraySlice<UInt8>) throws(MonitorError) {
        var reader = StateReader(bytes, typeName: "ClassificationWindow")
        try reader.expectFormat(StateFormat.classificationWindow)
        try self.init(from: &reader)
        try reader.expectEnd()
    }

    init(from reader: inout StateReader) throws(MonitorError) {
        self.init(threshold: try reader.double("threshold"))
        predictions = try reader.varint("predictions")
        fraud = try reader.varint("fraud")
        flagged = try reader.varint("flagged")
        truePositives = try reader.varint("true positives")
        labelled = try reader.varint("labelled")
        let nonEmpty = try reader.count("non-empty bin count", minimumBytes: 3, maximum: Self.scoreBins)
        var next = 0
        for _ in 0..<nonEmpty {
            let gap = try reader.varint("bin gap")
            guard gap < UInt64(Self.scoreBins - next) else { throw reader.error(.corrupt, "score bin out of range") }
            let bin = next + Int(gap)
            binPredictions[bin] = try reader.varint("predictions of bin \(bin)")
            binFraud[bin] = try reader.varint("fraud of bin \(bin)")
            next = bin + 1
        }
    }
}
