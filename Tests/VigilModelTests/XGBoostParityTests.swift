import Testing

@testable import VigilModel

/// Vigil's tree scoring and contributions against XGBoost's own `predict` and `pred_contribs` on the committed
/// fixtures (real XGBoost 3.2 models on generated data with NaNs, never-used features, and probe rows that sit
/// exactly on split thresholds or on the double just below one).
@Suite("XGBoost parity")
struct XGBoostParityTests {
    static let fixtures = ["xgb_binary_deep", "xgb_regression", "xgb_tiny"]

    static func load(_ name: String) throws -> (TreeEnsembleModel, Fixtures.Expected) {
        let model = try TreeEnsembleModel(xgboostJSON: try Fixtures.bytes("\(name)/model.json"))
        return (model, try Fixtures.expected(name))
    }

    @Test("the fixtures are what the tests claim: NaNs, probes, deep and tiny models, both objectives")
    func fixturesCoverTheCases() throws {
        let (deep, deepExpected) = try Self.load("xgb_binary_deep")
        #expect(deep.objective == .binaryLogistic)
        #expect(deep.treeCount >= 50 && deep.treeCount <= 100)
        #expect(deep.maxDepth == 6)
        #expect(deepExpected.inputs.contains { $0.contains { $0.isNaN } })
        let (regression, _) = try Self.load("xgb_regression")
        #expect(regression.objective == .squaredError)
        let (tiny, _) = try Self.load("xgb_tiny")
        #expect(tiny.treeCount == 3 && tiny.maxDepth == 2)
        #expect(tiny.baseScore == 0.3)
        // Features 8 (constant) and 9 (always missing) are never split on: their contributions are exactly 0.
        for name in Self.fixtures {
            let (model, expected) = try Self.load(name)
            for row in expected.inputs {
                let phi = model.contributions(row)
                #expect(phi[8] == 0 && phi[9] == 0)
            }
        }
    }

    @Test("scores match XGBoost's predict within 1e-6 on every row", arguments: fixtures)
    func scores(name: String) throws {
        let (model, expected) = try Self.load(name)
        #expect(model.featureCount == expected.features.count)
        #expect(model.featureNames == expected.features)
        var worstScore = 0.0
        var worstMargin = 0.0
        for (row, input) in expected.inputs.enumerated() {
            let score = model.score(input)
            let margin = model.margin(input)
            #expect(abs(score - expected.predict[row]) <= 1e-6, "row \(row): \(score) vs \(expected.predict[row])")
            #expect(abs(margin - expected.margin[row]) <= 1e-6, "row \(row): \(margin) vs \(expected.margin[row])")
            worstScore = max(worstScore, abs(score - expected.predict[row]))
            worstMargin = max(worstMargin, abs(margin - expected.margin[row]))
        }
        // XGBoost's float32 arithmetic is reproduced exactly, so the results are bit-identical.
        #expect(worstMargin == 0, "margin differs by up to \(worstMargin)")
        #expect(worstScore == 0, "score differs by up to \(worstScore)")
        print("parity \(name): \(expected.inputs.count) rows, max |score diff| \(worstScore), max |margin diff| \(worstMargin)")
    }

    @Test("contributions match XGBoost's pred_contribs within 1e-5 and sum to the margin", arguments: fixtures)
    func contributions(name: String) throws {
        let (model, expected) = try Self.load(name)
        var worst = 0.0
        var worstSum = 0.0
        for (row, input) in expected.inputs.enumerated() {
            let phi = model.contributions(input)
            #expect(phi.count == model.featureCount + 1)
            for (column, value) in phi.enumerated() {
                let reference = expected.contribs[row][column]
                #expect(abs(value - reference) <= 1e-5, "row \(row) column \(column): \(value) vs \(reference)")
                worst = max(worst, abs(value - reference))
            }
            let sum = phi.reduce(0, +)
            #expect(abs(sum - expected.margin[row]) <= 1e-5, "row \(row): contributions sum to \(sum)")
            worstSum = max(worstSum, abs(sum - expected.margin[row]))
        }
        #expect(abs(model.expectedValue - expected.contribs[0][model.featureCount]) <= 1e-6)
        print("contributions \(name): max |diff| \(worst), max |sum - margin| \(worstSum)")
    }
}
