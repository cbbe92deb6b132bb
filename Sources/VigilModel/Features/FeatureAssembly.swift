/// Maps the values a topology computes (in its own order) to a model's input vector (in manifest order).
///
/// Built once at start-up from the two name lists; if the topology does not compute a feature the model needs,
/// the initializer fails with an error listing every missing name, so training–serving skew stops the start
/// instead of scoring silent zeros. Names the topology computes but the model does not read are ignored; if the
/// topology lists a name twice, the first occurrence is used.
///
/// Thread-safety: an immutable value; ``fill(from:into:)`` allocates nothing.
public struct FeatureAssembly: Sendable, Hashable {
    /// The model's features, in manifest order.
    public let features: [String]
    /// For each model feature, its index among the topology's values.
    public let sourceIndices: [Int]
    /// How many values the topology computes.
    public let sourceCount: Int

    /// Maps `features` (the manifest's, in order) onto `available` (the topology's feature names, in the order it
    /// produces values).
    ///
    /// - Throws: ``ModelError`` with code `missingFeatures` naming every model feature `available` lacks;
    ///   `model` (e.g. `card-fraud@3`) is quoted in the message when given.
    public init(features: [String], available: [String], model: String? = nil) throws(ModelError) {
        var position: [String: Int] = [:]
        for (index, name) in available.enumerated() where position[name] == nil {
            position[name] = index
        }
        let missing = features.filter { position[$0] == nil }
        guard missing.isEmpty else {
            let names = missing.map { "\"\($0)\"" }.joined(separator: ", ")
            let subject = model.map { "model \($0)" } ?? "the model"
            throw ModelError(
                code: .missingFeatures,
                message: "the topology does not compute \(missing.count) of the \(features.count) features "
                    + "\(subject) needs: \(names)")
        }
        self.features = features
        self.sourceIndices = features.map { position[$0]! }
        self.sourceCount = available.count
    }

    /// Copies the model's inputs out of `values` (topology order) into `vector` (manifest order).
    ///
    /// - Precondition: `values.count == sourceCount` and `vector.count == features.count`.
    @inline(__always)
    public func fill(from values: UnsafeBufferPointer<Double>, into vector: UnsafeMutableBufferPointer<Double>) {
        precondition(values.count == sourceCount && vector.count == sourceIndices.count, "feature vector size")
        sourceIndices.withUnsafeBufferPointer { indices in
            for i in 0..<indices.count {
                vector[i] = values[indices[i]]
            }
        }
    }

    /// ``fill(from:into:)`` on arrays; `vector` must already hold `features.count` values.
    public func fill(from values: [Double], into vector: inout [Double]) {
        values.withUnsafeBufferPointer { values in
            vector.withUnsafeMutableBufferPointer { fill(from: values, into: $0) }
        }
    }

    /// A new vector in manifest order (allocates; use ``fill(from:into:)`` per event).
    public func vector(from values: [Double]) -> [Double] {
        var vector = [Double](repeating: 0, count: sourceIndices.count)
        fill(from: values, into: &vector)
        return vector
    }
}
