import Testing

@testable import VigilModel

/// How a row finds its leaf: XGBoost's rules on a hand-built tree.
@Suite("Tree routing and missing values")
struct TreeRoutingTests {
    /// Root: feature 0 < 0.5, missing goes left → leaf 1. Right: feature 1 < 2, missing goes right → leaves 10 / 20.
    static func model() throws -> TreeEnsembleModel {
        let tree = RawTree(
            left: [1, -1, 3, -1, -1], right: [2, -1, 4, -1, -1], feature: [0, 0, 1, 0, 0],
            condition: [0.5, 1, 2, 10, 20], defaultLeft: [true, false, false, false, false],
            cover: [10, 4, 6, 3, 3])
        return try TreeEnsembleModel(
            trees: [tree], featureCount: 2, objective: .squaredError, baseScore: 0, featureNames: nil)
    }

    @Test("x < condition goes left, x == condition goes right")
    func strictLessThan() throws {
        let model = try Self.model()
        #expect(model.score([0.25, 0]) == 1)
        #expect(model.score([0.5, 1]) == 10)
        #expect(model.score([0.5, 2]) == 20)
        #expect(model.score([-.infinity, 2]) == 1)
        #expect(model.score([.infinity, -.infinity]) == 10)
    }

    @Test("a missing value follows the split's default direction")
    func missingFollowsDefault() throws {
        let model = try Self.model()
        #expect(model.score([.nan, 100]) == 1)  // default left at the root
        #expect(model.score([0.75, .nan]) == 20)  // default right at node 2
        #expect(model.score([.nan, .nan]) == 1)
    }

    @Test("inputs are compared as float32, as XGBoost's DMatrix stores them")
    func float32Comparison() throws {
        let model = try Self.model()
        // The double just below 0.5 rounds to 0.5 in float32, so XGBoost sends it right; a double comparison would
        // send it left.
        let justBelow = 0.5.nextDown
        #expect(justBelow < 0.5 && Float(justBelow) == 0.5)
        #expect(model.score([justBelow, 1]) == 10)
        #expect(model.score([Double(Float(0.5).nextDown), 1]) == 1)
    }

    @Test("contributions of a small tree are its exact Shapley values")
    func contributionsByHand() throws {
        let model = try Self.model()
        // Cover-weighted means: node 2 = (10·3 + 20·3) / 6 = 15; root = (1·4 + 15·6) / 10 = 9.4 (the bias).
        #expect(abs(model.expectedValue - 9.4) < 1e-6)
        // Row (0.75, 3) reaches leaf 20. Coalition values: v{} = 9.4, v{0} = 15, v{1} = 0.4·1 + 0.6·20 = 12.4,
        // v{0,1} = 20; Shapley: φ0 = ((15 − 9.4) + (20 − 12.4)) / 2 = 6.6, φ1 = ((12.4 − 9.4) + (20 − 15)) / 2 = 4.
        let phi = model.contributions([0.75, 3])
        #expect(abs(phi[0] - 6.6) < 1e-6 && abs(phi[1] - 4) < 1e-6 && abs(phi[2] - 9.4) < 1e-6)
        // Row (NaN, 3) follows the default left to leaf 1: v{0} = 1, v{0,1} = 1, so φ0 = ((1 − 9.4) + (1 − 12.4)) / 2
        // = −9.9 and φ1 = ((12.4 − 9.4) + 0) / 2 = 1.5.
        let missing = model.contributions([.nan, 3])
        #expect(abs(missing[0] + 9.9) < 1e-6 && abs(missing[1] - 1.5) < 1e-6)
        // With the bias the values sum to the margin.
        #expect(abs(missing.reduce(0, +) - model.margin([.nan, 3])) < 1e-6)
    }

    @Test("the flattened layout puts a split's children next to each other, breadth-first")
    func flattenedLayout() throws {
        let model = try Self.model()
        #expect(model.nodes.count == 5)
        // Rows as the scorer lays them out; the leaf slot holds -infinity whatever the row.
        var rows: [[Float]] = []
        for row in [[Double.infinity, .nan], [-.infinity, 3], [.nan, .nan]] {
            var slots = [Float](repeating: 0, count: model.layout.slotCount)
            row.withUnsafeBufferPointer { row in
                slots.withUnsafeMutableBufferPointer { model.layout.fill($0.baseAddress!, from: row) }
            }
            rows.append(slots)
        }
        for (index, node) in model.nodes.enumerated() {
            if Int(node.left) == index {
                // A leaf loops on itself through a -infinity slot, whatever the inputs.
                #expect(node.slot == model.layout.leafSlot)
                for slots in rows { #expect(node.next(slots) == index) }
            } else {
                #expect(Int(node.left) > index && Int(node.left) + 1 < model.nodes.count)
            }
        }
        #expect(model.layout.feature(of: model.nodes[0].slot) == (0, true))
        #expect(model.layout.feature(of: model.nodes[2].slot) == (1, false))
        #expect(model.maxDepth == 2)
    }
}
