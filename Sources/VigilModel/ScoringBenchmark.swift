/// A self-contained throughput check of tree scoring: a synthetic ensemble of complete trees (every split at full
/// depth, random features and thresholds, covers consistent) scored single-row on pre-generated inputs with 5%
/// missing values. The runtime's bench and the tests call it; it measures ``TreeEnsembleModel/score(_:)`` alone.
public enum ScoringBenchmark {
    /// What one run measured.
    public struct Measurement: Sendable {
        /// Trees in the ensemble.
        public var trees: Int
        /// Depth of every tree.
        public var depth: Int
        /// Features per row.
        public var features: Int
        /// Single-row scores timed.
        public var predictions: Int
        /// Wall time of the scoring loop, seconds.
        public var seconds: Double
        /// Rows explained with ``TreeEnsembleModel/contributions(_:)``.
        public var explained: Int
        /// Wall time of the contributions loop, seconds.
        public var explainSeconds: Double
        /// The sum of all scores (to compare runs and keep the work from being optimised away).
        public var checksum: Double

        /// Nanoseconds per single-row score.
        public var nanosecondsPerPrediction: Double { predictions > 0 ? seconds * 1e9 / Double(predictions) : 0 }
        /// Single-row scores per second.
        public var predictionsPerSecond: Double { seconds > 0 ? Double(predictions) / seconds : 0 }
        /// Microseconds per row of contributions.
        public var microsecondsPerExplanation: Double { explained > 0 ? explainSeconds * 1e6 / Double(explained) : 0 }
    }

    /// SplitMix64: a tiny deterministic generator.
    private struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        mutating func unit() -> Double { Double(next() >> 11) * 0x1p-53 }
    }

    /// A `binary:logistic` ensemble of `trees` complete trees of `depth` over `features` inputs.
    public static func syntheticEnsemble(trees: Int, depth: Int, features: Int, seed: UInt64 = 42) -> TreeEnsembleModel {
        var random = Generator(state: seed)
        var raw: [RawTree] = []
        let count = (1 << (depth + 1)) - 1
        let firstLeaf = (1 << depth) - 1
        for _ in 0..<trees {
            var tree = RawTree(
                left: [Int](repeating: -1, count: count), right: [Int](repeating: -1, count: count),
                feature: [Int](repeating: 0, count: count), condition: [Float](repeating: 0, count: count),
                defaultLeft: [Bool](repeating: false, count: count), cover: [Float](repeating: 0, count: count))
            for node in stride(from: count - 1, through: 0, by: -1) {
                if node >= firstLeaf {
                    tree.condition[node] = Float(random.unit() - 0.5) * 0.2
                    tree.cover[node] = Float(1 + random.unit() * 50)
                } else {
                    tree.left[node] = 2 * node + 1
                    tree.right[node] = 2 * node + 2
                    tree.feature[node] = Int(random.next() % UInt64(features))
                    tree.condition[node] = Float(random.unit())
                    tree.defaultLeft[node] = random.next() & 1 == 0
                    tree.cover[node] = tree.cover[2 * node + 1] + tree.cover[2 * node + 2]
                }
            }
            raw.append(tree)
        }
        // The synthetic trees are valid by construction.
        return try! TreeEnsembleModel(
            trees: raw, featureCount: features, objective: .binaryLogistic, baseScore: 0.5, featureNames: nil)
    }

    /// Scores `predictions` single rows (cycling over 4096 generated rows) with a synthetic ensemble, then explains
    /// `explained` rows.
    public static func run(
        trees: Int = 100, depth: Int = 6, features: Int = 30, predictions: Int = 1_000_000, explained: Int = 2_000
    ) -> Measurement {
        let model = syntheticEnsemble(trees: trees, depth: depth, features: features)
        var random = Generator(state: 7)
        let rowCount = 4096
        let rows = (0..<(rowCount * features)).map { _ in random.unit() < 0.05 ? Double.nan : random.unit() }
        let clock = ContinuousClock()
        var checksum = 0.0
        let elapsed = rows.withUnsafeBufferPointer { rows in
            clock.measure {
                for i in 0..<predictions {
                    let start = (i & (rowCount - 1)) * features
                    checksum += model.score(UnsafeBufferPointer(rebasing: rows[start..<(start + features)]))
                }
            }
        }
        let explainElapsed = rows.withUnsafeBufferPointer { rows in
            clock.measure {
                for i in 0..<explained {
                    let start = (i & (rowCount - 1)) * features
                    checksum += model.contributions(UnsafeBufferPointer(rebasing: rows[start..<(start + features)]))[0]
                }
            }
        }
        return Measurement(
            trees: trees, depth: depth, features: features, predictions: predictions, seconds: elapsed.seconds,
            explained: explained, explainSeconds: explainElapsed.seconds, checksum: checksum)
    }
}

extension Duration {
    /// The duration in seconds.
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}
