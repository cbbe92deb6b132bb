import Foundation
import Testing

@testable import VigilModel

/// Performance sanity, not asserted as time: prints ns per single-row score of a 100-tree, depth-6 ensemble and of
/// the 200-tree target (``ScoringBenchmark``). Run it in release for meaningful numbers:
/// `swift test -c release -Xswiftc -enable-testing --filter ScoringThroughputCheck` (`VIGIL_SCORING_PREDICTIONS`
/// overrides the number of scores).
@Suite("Scoring throughput check")
struct ScoringThroughputCheck {
    @Test("scores a synthetic 100-tree and 200-tree depth-6 ensemble and prints ns per prediction", arguments: [100, 200])
    func throughput(trees: Int) {
        #if DEBUG
        let (defaultPredictions, explained) = (5_000, 10)
        #else
        let (defaultPredictions, explained) = (1_000_000, 500)
        #endif
        let predictions =
            ProcessInfo.processInfo.environment["VIGIL_SCORING_PREDICTIONS"].flatMap { Int($0) } ?? defaultPredictions
        let m = ScoringBenchmark.run(trees: trees, depth: 6, predictions: predictions, explained: explained)
        print(
            "scoring throughput: \(m.trees) trees depth \(m.depth), \(m.features) features: \(m.predictions) single-row "
                + "scores in \(m.seconds) s = \(Int(m.nanosecondsPerPrediction)) ns/prediction "
                + "(\(Int(m.predictionsPerSecond)) /s); contributions \(Int(m.microsecondsPerExplanation)) µs/row; "
                + "checksum \(m.checksum)")
        #expect(m.checksum.isFinite && m.checksum > 0)
    }

    @Test("the synthetic ensemble is complete and its contributions sum to its margin")
    func syntheticEnsembleIsSound() {
        let model = ScoringBenchmark.syntheticEnsemble(trees: 5, depth: 6, features: 30)
        #expect(model.treeCount == 5 && model.maxDepth == 6 && model.nodeCount == 5 * 127)
        let row = (0..<30).map { Double($0) / 30 }
        #expect(abs(model.contributions(row).reduce(0, +) - model.margin(row)) < 1e-5)
    }
}
