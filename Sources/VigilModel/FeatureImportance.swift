/// How much each input matters to a model, for ranking features (the retraining policy's "top N features").
///
/// - Trees: XGBoost's `total_cover`: the summed cover (hessian) of every split on the feature, over all trees. It
///   needs no data and favours features that route many training rows.
/// - Logistic regression: the absolute weight on the model's own input scale, |w| (standardised inputs when the
///   model carries `mean` and `std`, which is when weights are comparable).
public protocol FeatureImportanceProviding {
    /// One non-negative value per input, in manifest order.
    func featureImportance() -> [Double]
}

extension TreeEnsembleModel: FeatureImportanceProviding {
    public func featureImportance() -> [Double] {
        var importance = [Double](repeating: 0, count: featureCount)
        for (index, node) in nodes.enumerated() where Int(node.left) != index {
            let feature = layout.feature(of: node.slot).feature
            if feature >= 0 && feature < featureCount { importance[feature] += covers[index] }
        }
        return importance
    }
}

extension LogisticModel: FeatureImportanceProviding {
    public func featureImportance() -> [Double] { weights.map { abs($0) } }
}

extension FeatureImportanceProviding {
    /// Indices of the inputs by importance, highest first; ties keep manifest order.
    public func featuresByImportance() -> [Int] {
        let importance = featureImportance()
        return importance.indices.sorted { importance[$0] != importance[$1] ? importance[$0] > importance[$1] : $0 < $1 }
    }
}
