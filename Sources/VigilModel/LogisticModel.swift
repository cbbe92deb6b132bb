#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Logistic regression from a JSON file: `{"weights": [...], "intercept": x, "standardisation": {"mean": [...],
/// "std": [...]}}` (standardisation optional).
///
/// The margin is computed in `Double`, in this exact order: `m = intercept`, then for `i` in `0..<n`,
/// `m += weights[i] * z[i]` with `z[i] = (x[i] - mean[i]) / std[i]` (or `x[i]` without standardisation). A missing
/// value (NaN) takes `z[i] = 0`: the training mean with standardisation, zero without, so it contributes nothing.
/// The score is `1 / (1 + exp(-m))`. The contribution of feature `i` is `weights[i] * z[i]`; the bias is the
/// intercept.
public struct LogisticModel: Model {
    /// One weight per feature.
    public let weights: [Double]
    /// The bias.
    public let intercept: Double
    /// Per-feature training means, or nil without standardisation.
    public let mean: [Double]?
    /// Per-feature training standard deviations (all > 0), or nil without standardisation.
    public let std: [Double]?

    /// The number of weights.
    public var featureCount: Int { weights.count }
    /// Always a probability.
    public var output: ModelOutput { .probability }

    /// Creates a model from its parameters, validating them.
    ///
    /// - Throws: ``ModelError`` with code `invalidModel` if a value is not finite, a standard deviation is not
    ///   positive, or the array lengths differ.
    public init(weights: [Double], intercept: Double, mean: [Double]? = nil, std: [Double]? = nil) throws(ModelError) {
        func invalid(_ path: String, _ message: String) -> ModelError {
            ModelError(code: .invalidModel, path: path, message: message)
        }
        guard !weights.isEmpty else { throw invalid("weights", "must list at least one weight") }
        if let index = weights.firstIndex(where: { !$0.isFinite }) { throw invalid("weights[\(index)]", "not finite") }
        guard intercept.isFinite else { throw invalid("intercept", "not finite") }
        guard (mean == nil) == (std == nil) else {
            throw invalid("standardisation", "needs both mean and std")
        }
        if let mean, let std {
            guard mean.count == weights.count else {
                throw invalid("standardisation.mean", "has \(mean.count) values for \(weights.count) weights")
            }
            guard std.count == weights.count else {
                throw invalid("standardisation.std", "has \(std.count) values for \(weights.count) weights")
            }
            if let index = mean.firstIndex(where: { !$0.isFinite }) {
                throw invalid("standardisation.mean[\(index)]", "not finite")
            }
            if let index = std.firstIndex(where: { !($0.isFinite && $0 > 0) }) {
                throw invalid("standardisation.std[\(index)]", "must be a finite number > 0, got \(std[index])")
            }
        }
        self.weights = weights
        self.intercept = intercept
        self.mean = mean
        self.std = std
    }

    /// Reads a model from the bytes of its JSON file; `file` names it in errors.
    public init(json bytes: [UInt8], file: String = "model.json") throws(ModelError) {
        let root = JSONField(root: try JSONParser.parse(bytes, file: file), file: file, code: .invalidModel)
        try root.requireOnly(["weights", "intercept", "standardisation"])
        let weights = try root.field("weights").doubles()
        let intercept = try root.field("intercept").double()
        var mean: [Double]?
        var std: [Double]?
        if let standardisation = try root.optionalField("standardisation") {
            try standardisation.requireOnly(["mean", "std"])
            mean = try standardisation.field("mean").doubles()
            std = try standardisation.field("std").doubles()
        }
        do {
            try self.init(weights: weights, intercept: intercept, mean: mean, std: std)
        } catch {
            throw ModelError(code: error.code, file: file, path: error.path, message: error.message)
        }
    }

    /// The standardised value of feature `i` (0 when missing).
    @inline(__always)
    private func standardised(_ x: Double, _ i: Int) -> Double {
        if x.isNaN { return 0 }
        guard let mean, let std else { return x }
        return (x - mean[i]) / std[i]
    }

    public func margin(_ features: UnsafeBufferPointer<Double>) -> Double {
        precondition(features.count == weights.count, "expected \(weights.count) features, got \(features.count)")
        var m = intercept
        for i in 0..<weights.count {
            m += weights[i] * standardised(features[i], i)
        }
        return m
    }

    public func score(_ features: UnsafeBufferPointer<Double>) -> Double {
        1.0 / (1.0 + exp(-margin(features)))
    }

    public func contributions(_ features: UnsafeBufferPointer<Double>) -> [Double] {
        precondition(features.count == weights.count, "expected \(weights.count) features, got \(features.count)")
        var out = [Double](repeating: 0, count: weights.count + 1)
        for i in 0..<weights.count {
            out[i] = weights[i] * standardised(features[i], i)
        }
        out[weights.count] = intercept
        return out
    }
}
