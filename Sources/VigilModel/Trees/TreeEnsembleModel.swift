#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A gradient-boosted tree ensemble (XGBoost's `gbtree`), scored natively with XGBoost's float32 arithmetic.
///
/// Scoring reproduces XGBoost's CPU predictor: each input is converted to float32 (as a `DMatrix` stores it), a
/// split sends `x < condition` left and a missing value (NaN) to its default side, and the margin is accumulated in
/// float32 starting from the base margin, tree by tree in file order. `binary:logistic` applies XGBoost's float32
/// sigmoid `1 / (expf(min(-m, 88.7)) + 1)`; `reg:squarederror` returns the margin. Scores therefore equal
/// XGBoost's `predict` bit for bit on the parity fixtures.
///
/// Trees are flattened into one contiguous array of 12-byte nodes laid out breadth-first (a split's children are
/// adjacent). Scoring allocates nothing: the float32 copy of the inputs lives on the stack.
///
/// Thread-safety: an immutable value; any number of threads may score with it at once.
public struct TreeEnsembleModel: Model {
    /// The learning objective, which fixes the output transformation and the base score's meaning.
    public enum Objective: String, Sendable, Hashable, CaseIterable {
        /// Binary classification: the margin is a log-odds, the score its sigmoid, the base score a probability.
        case binaryLogistic = "binary:logistic"
        /// Regression with squared error: the score is the margin, the base score a value.
        case squaredError = "reg:squarederror"
    }

    /// The objective the model was trained with.
    public let objective: Objective
    /// How many features the model reads (`num_feature`).
    public let featureCount: Int
    /// The base score as stored (a probability for `binary:logistic`).
    public let baseScore: Float
    /// The base score in margin space (`-logf(1 / p - 1)` for `binary:logistic`), where accumulation starts.
    public let baseMargin: Float
    /// The feature names stored in the model file, if it has them.
    public let featureNames: [String]?
    /// The expected value of the margin over the training data (the bias of ``contributions(_:)``): the base
    /// margin plus each tree's cover-weighted mean leaf value.
    public let expectedValue: Double
    /// The depth of the deepest tree (a lone leaf has depth 0).
    public let maxDepth: Int

    /// Every tree's nodes, flattened breadth-first.
    let nodes: [TreeNode]
    /// Where each input sits in the scoring buffer.
    let layout: InputLayout
    /// The index of each tree's root in ``nodes``.
    let roots: [UInt32]
    /// The depth of each block of ``interleave`` consecutive trees (the deepest of them), then of the last,
    /// partial block.
    let blockDepths: [Int32]
    /// Each node's cover (sum of hessians), aligned with ``nodes``.
    let covers: [Double]

    /// The number of trees.
    public var treeCount: Int { roots.count }
    /// The number of nodes over all trees.
    public var nodeCount: Int { nodes.count }
    /// A probability for `binary:logistic`, a value for regression.
    public var output: ModelOutput { objective == .binaryLogistic ? .probability : .value }

    /// The deepest tree Vigil accepts (contributions recurse once per level).
    public static let depthLimit = 128

    /// The most features Vigil accepts (the scoring buffer holds two floats per feature).
    public static let featureLimit = 1 << 20

    /// How many trees scoring walks side by side (independent chains of loads the CPU overlaps): measured for 200
    /// trees of depth 6, 8 → 0.94M scores/s, 12 → 1.04M, 16 → 1.13M (x86-64 still holds 16 indices in registers).
    static let interleave = 16

    /// Builds an ensemble from trees in XGBoost's layout, validating their structure.
    ///
    /// `treePath(i)` names tree `i` in errors (e.g. `learner.gradient_booster.model.trees[3]`).
    init(
        trees: [RawTree], featureCount: Int, objective: Objective, baseScore: Float, featureNames: [String]?,
        file: String? = nil, treePath: (Int) -> String = { "trees[\($0)]" }
    ) throws(ModelError) {
        guard featureCount > 0 && featureCount <= Self.featureLimit else {
            throw ModelError(
                code: .unsupportedModel, file: file, path: "learner.learner_model_param.num_feature",
                message: "\(featureCount) features is outside 1...\(Self.featureLimit)")
        }
        let baseMargin: Float
        switch objective {
        case .binaryLogistic:
            guard baseScore > 0 && baseScore < 1 else {
                throw ModelError(
                    code: .invalidModel, file: file, path: "learner.learner_model_param.base_score",
                    message: "base_score must be in (0, 1) for binary:logistic, got \(baseScore)")
            }
            baseMargin = -logf(1.0 / baseScore - 1.0)
        case .squaredError:
            baseMargin = baseScore
        }
        var nodes: [TreeNode] = []
        var covers: [Double] = []
        var roots: [UInt32] = []
        var maxDepth = 0
        var blockDepths: [Int32] = []
        for (index, tree) in trees.enumerated() {
            roots.append(UInt32(nodes.count))
            let depth = try Self.flatten(
                tree, layout: InputLayout(featureCount: featureCount), into: &nodes, covers: &covers, file: file,
                path: treePath(index))
            maxDepth = max(maxDepth, depth)
            if index % Self.interleave == 0 { blockDepths.append(0) }
            blockDepths[blockDepths.count - 1] = max(blockDepths[blockDepths.count - 1], Int32(depth))
        }
        guard nodes.count < Int(UInt32.max / 2) else {
            throw ModelError(code: .unsupportedModel, file: file, message: "too many nodes (\(nodes.count))")
        }
        self.objective = objective
        self.featureCount = featureCount
        self.baseScore = baseScore
        self.baseMargin = baseMargin
        self.featureNames = featureNames
        self.nodes = nodes
        self.layout = InputLayout(featureCount: featureCount)
        self.roots = roots
        self.blockDepths = blockDepths
        self.covers = covers
        self.maxDepth = maxDepth
        self.expectedValue = Double(baseMargin) + Self.rootMeans(nodes: nodes, covers: covers, roots: roots)
    }

    /// Appends `tree` to `nodes` breadth-first and returns its depth; rejects dangling children, cycles, shared
    /// nodes, feature indices out of range and non-positive split covers. Unreachable (deleted) nodes are dropped.
    private static func flatten(
        _ tree: RawTree, layout: InputLayout, into nodes: inout [TreeNode], covers: inout [Double], file: String?,
        path: String
    ) throws(ModelError) -> Int {
        let featureCount = layout.featureCount
        func invalid(_ field: String, _ node: Int, _ message: String) -> ModelError {
            ModelError(code: .invalidModel, file: file, path: "\(path).\(field)[\(node)]", message: message)
        }
        let n = tree.count
        guard n > 0 else {
            throw ModelError(code: .invalidModel, file: file, path: path, message: "the tree has no nodes")
        }
        // Breadth-first order of the original ids; the children of order[k] get consecutive positions.
        var order = [0]
        var depthOf = [Int](repeating: -1, count: n)
        depthOf[0] = 0
        var head = 0
        var maxDepth = 0
        while head < order.count {
            let id = order[head]
            head += 1
            let (l, r) = (tree.left[id], tree.right[id])
            if l == -1 && r == -1 { continue }
            guard l >= 0 && l < n else { throw invalid("left_children", id, "child \(l) is not a node of this tree") }
            guard r >= 0 && r < n else { throw invalid("right_children", id, "child \(r) is not a node of this tree") }
            guard l != r else { throw invalid("right_children", id, "both children are node \(l)") }
            for child in [l, r] where depthOf[child] != -1 {
                throw invalid(
                    child == l ? "left_children" : "right_children", id,
                    "node \(child) is reached twice (the tree has a cycle or a shared node)")
            }
            guard tree.feature[id] >= 0 && tree.feature[id] < featureCount else {
                throw invalid(
                    "split_indices", id, "feature \(tree.feature[id]) is out of range (the model has \(featureCount))")
            }
            guard tree.condition[id].isFinite else { throw invalid("split_conditions", id, "not finite") }
            guard tree.cover[id] > 0 else { throw invalid("sum_hessian", id, "a split needs a positive cover") }
            depthOf[l] = depthOf[id] + 1
            depthOf[r] = depthOf[id] + 1
            maxDepth = max(maxDepth, depthOf[l])
            guard maxDepth <= depthLimit else {
                throw ModelError(
                    code: .unsupportedModel, file: file, path: path,
                    message: "the tree is deeper than \(depthLimit) levels")
            }
            order.append(l)
            order.append(r)
        }
        let base = nodes.count
        var position = [Int](repeating: -1, count: n)
        for (k, id) in order.enumerated() { position[id] = base + k }
        for id in order {
            guard tree.cover[id] >= 0 && tree.cover[id].isFinite else {
                throw invalid("sum_hessian", id, "a cover must be finite and >= 0")
            }
            covers.append(Double(tree.cover[id]))
            if tree.left[id] == -1 {
                guard tree.condition[id].isFinite else { throw invalid("split_conditions", id, "leaf value not finite") }
                nodes.append(TreeNode(value: tree.condition[id], slot: layout.leafSlot, left: UInt32(nodes.count)))
            } else {
                nodes.append(
                    TreeNode(
                        value: tree.condition[id],
                        slot: layout.slot(feature: tree.feature[id], defaultLeft: tree.defaultLeft[id]),
                        left: UInt32(position[tree.left[id]])))
            }
        }
        return maxDepth
    }

    /// The sum over trees of each root's cover-weighted mean leaf value, in `Double`.
    private static func rootMeans(nodes: [TreeNode], covers: [Double], roots: [UInt32]) -> Double {
        var means = [Double](repeating: 0, count: nodes.count)
        // Children always follow their parent, so a reverse sweep sees them first.
        for index in stride(from: nodes.count - 1, through: 0, by: -1) {
            let node = nodes[index]
            if Int(node.left) == index {
                means[index] = Double(node.value)
            } else {
                let l = Int(node.left)
                means[index] = (means[l] * covers[l] + means[l + 1] * covers[l + 1]) / covers[index]
            }
        }
        return roots.reduce(0.0) { $0 + means[Int($1)] }
    }

    // MARK: Scoring

    /// The float32 margin, exactly as XGBoost accumulates it.
    ///
    /// Trees are walked ``interleave`` at a time, each for its block's depth (leaves loop on themselves), and their
    /// leaf values are added in tree order, so the float32 sum is XGBoost's.
    @inline(__always)
    func marginFloat(_ features: UnsafeBufferPointer<Double>) -> Float {
        precondition(features.count == featureCount, "expected \(featureCount) features, got \(features.count)")
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: layout.slotCount) { buffer in
            let x = buffer.baseAddress!
            layout.fill(x, from: features)
            return nodes.withUnsafeBufferPointer { nodes in
                roots.withUnsafeBufferPointer { roots in
                    blockDepths.withUnsafeBufferPointer { depths in
                        Self.accumulate(
                            nodes: nodes.baseAddress!, roots: roots, depths: depths, x: UnsafePointer(x), base: baseMargin)
                    }
                }
            }
        }
    }

    /// `base` plus the leaf value each tree's walk ends on, summed in float32 in tree order.
    @inline(__always)
    private static func accumulate(
        nodes: UnsafePointer<TreeNode>, roots: UnsafeBufferPointer<UInt32>, depths: UnsafeBufferPointer<Int32>,
        x: UnsafePointer<Float>, base: Float
    ) -> Float {
        var sum = base
        var t = 0
        var block = 0
        while t + 16 <= roots.count {
            var i0 = Int(roots[t + 0])
            var i1 = Int(roots[t + 1])
            var i2 = Int(roots[t + 2])
            var i3 = Int(roots[t + 3])
            var i4 = Int(roots[t + 4])
            var i5 = Int(roots[t + 5])
            var i6 = Int(roots[t + 6])
            var i7 = Int(roots[t + 7])
            var i8 = Int(roots[t + 8])
            var i9 = Int(roots[t + 9])
            var i10 = Int(roots[t + 10])
            var i11 = Int(roots[t + 11])
            var i12 = Int(roots[t + 12])
            var i13 = Int(roots[t + 13])
            var i14 = Int(roots[t + 14])
            var i15 = Int(roots[t + 15])
            for _ in 0..<depths[block] {
                i0 = nodes[i0].next(x)
                i1 = nodes[i1].next(x)
                i2 = nodes[i2].next(x)
                i3 = nodes[i3].next(x)
                i4 = nodes[i4].next(x)
                i5 = nodes[i5].next(x)
                i6 = nodes[i6].next(x)
                i7 = nodes[i7].next(x)
                i8 = nodes[i8].next(x)
                i9 = nodes[i9].next(x)
                i10 = nodes[i10].next(x)
                i11 = nodes[i11].next(x)
                i12 = nodes[i12].next(x)
                i13 = nodes[i13].next(x)
                i14 = nodes[i14].next(x)
                i15 = nodes[i15].next(x)
            }
            sum += nodes[i0].value
            sum += nodes[i1].value
            sum += nodes[i2].value
            sum += nodes[i3].value
            sum += nodes[i4].value
            sum += nodes[i5].value
            sum += nodes[i6].value
            sum += nodes[i7].value
            sum += nodes[i8].value
            sum += nodes[i9].value
            sum += nodes[i10].value
            sum += nodes[i11].value
            sum += nodes[i12].value
            sum += nodes[i13].value
            sum += nodes[i14].value
            sum += nodes[i15].value
            t += 16
            block += 1
        }
        while t < roots.count {
            var i = Int(roots[t])
            for _ in 0..<depths[block] { i = nodes[i].next(x) }
            sum += nodes[i].value
            t += 1
        }
        return sum
    }

    /// XGBoost's float32 sigmoid.
    @inline(__always)
    static func sigmoid(_ margin: Float) -> Float {
        1.0 / (expf(min(-margin, 88.7)) + 1.0)
    }

    public func margin(_ features: UnsafeBufferPointer<Double>) -> Double {
        Double(marginFloat(features))
    }

    public func score(_ features: UnsafeBufferPointer<Double>) -> Double {
        let m = marginFloat(features)
        switch objective {
        case .binaryLogistic: return Double(Self.sigmoid(m))
        case .squaredError: return Double(m)
        }
    }
}
