import Foundation
import Testing

@testable import VigilModel

/// Logistic regression: the fixture's numpy float64 results are reproduced exactly (same operations, same order,
/// the C library's `exp`).
@Suite("Logistic regression")
struct LogisticModelTests {
    static func fixture() throws -> (LogisticModel, Fixtures.Expected) {
        (try LogisticModel(json: try Fixtures.bytes("logistic/model.json")), try Fixtures.expected("logistic"))
    }

    @Test("scores, margins and contributions equal numpy's bit for bit")
    func exactParity() throws {
        let (model, expected) = try Self.fixture()
        #expect(model.featureCount == 10 && model.output == .probability)
        #expect(expected.inputs.contains { $0.contains { $0.isNaN } })
        for (row, input) in expected.inputs.enumerated() {
            #expect(model.margin(input) == expected.margin[row], "row \(row)")
            #expect(model.score(input) == expected.predict[row], "row \(row)")
            #expect(model.contributions(input) == expected.contribs[row], "row \(row)")
        }
    }

    @Test("a missing value takes the training mean: it contributes nothing and equals passing the mean")
    func missingIsTheMean() throws {
        let model = try LogisticModel(weights: [2, -1], intercept: 0.5, mean: [10, 3], std: [4, 2])
        let missing = model.contributions([.nan, 5])
        #expect(missing == [0, -1, 0.5])
        #expect(model.score([.nan, 5]) == model.score([10, 5]))
        let expectedMargin: Double = 0.5 + 2 * 1 + -1 * -1
        #expect(model.margin([14, 1]) == expectedMargin)
        // Without standardisation a missing value counts as 0.
        let raw = try LogisticModel(weights: [3], intercept: 1)
        #expect(raw.margin([.nan]) == 1)
        #expect(raw.contributions([2]) == [6, 1])
    }

    @Test("the score is the sigmoid of the margin and the contributions sum to the margin")
    func sigmoidAndSum() throws {
        let (model, expected) = try Self.fixture()
        for input in expected.inputs {
            let m = model.margin(input)
            let p = model.score(input)
            #expect(abs(log(p / (1 - p)) - m) < 1e-9)
            #expect(abs(model.contributions(input).reduce(0, +) - m) < 1e-12)
        }
    }
}
