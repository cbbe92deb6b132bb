@testable import VigilMonitor

/// SplitMix64, the tests' seeded generator (the same as ops/river-fixtures/generate.py's).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A double in [0, 1) from the top 53 bits.
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// An index drawn with the given probabilities (summing to 1).
    mutating func categorical(cumulative: [Double]) -> Int {
        let u = uniform()
        for (i, c) in cumulative.enumerated() where u < c { return i }
        return cumulative.count - 1
    }
}

/// One piece of a fixture stream: `bernoulli`: 1.0 if u < a else 0.0; `uniform`: a + b · u.
struct Segment {
    enum Kind { case bernoulli, uniform }
    var kind: Kind
    var a: Double
    var b: Double
    var length: Int
}

/// A seeded fixture stream.
struct StreamSpec {
    var name: String
    var seed: UInt64
    var segments: [Segment]

    var values: [Double] {
        var rng = SplitMix64(seed: seed)
        var values: [Double] = []
        for segment in segments {
            for _ in 0..<segment.length {
                let u = rng.uniform()
                switch segment.kind {
                case .bernoulli: values.append(u < segment.a ? 1.0 : 0.0)
                case .uniform: values.append(segment.a + segment.b * u)
                }
            }
        }
        return values
    }
}

/// What River flagged on one stream with one detector configuration, and its state at the end: ADWIN's width and
/// estimation, or Page-Hinkley's count since its last reset (`estimation` nil).
struct DetectorCase: CustomStringConvertible {
    var stream: String
    var detector: String
    var make: @Sendable () -> ChangeDetector
    var flagged: [Int]
    var size: Int
    var estimation: Double?

    var description: String { "\(stream)/\(detector)" }

    var values: [Double] { RiverFixtures.streams.first { $0.name == stream }!.values }
}

/// `|a − b| <= tolerance`.
func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance
}

/// Encodes a state into a fresh array.
func encoded(_ encode: (inout [UInt8]) -> Void) -> [UInt8] {
    var bytes: [UInt8] = []
    encode(&bytes)
    return bytes
}
