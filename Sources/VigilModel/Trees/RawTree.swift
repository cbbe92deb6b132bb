/// One regression tree as XGBoost stores it: parallel arrays indexed by node id, root at 0, `-1` for no child.
///
/// Only used while loading; ``TreeEnsembleModel`` flattens and validates these.
struct RawTree: Sendable {
    /// Left child of each node, `-1` for a leaf.
    var left: [Int]
    /// Right child of each node, `-1` for a leaf.
    var right: [Int]
    /// The feature each split reads (ignored for leaves).
    var feature: [Int]
    /// The split condition of a split, the leaf value of a leaf (XGBoost's `split_conditions`).
    var condition: [Float]
    /// Whether a missing value goes left (ignored for leaves).
    var defaultLeft: [Bool]
    /// The node cover (sum of training hessians), used by contributions.
    var cover: [Float]

    /// The number of nodes.
    var count: Int { left.count }
}
