/// Exact TreeSHAP (Lundberg, Erion and Lee, "Consistent individualized feature attribution for tree ensembles",
/// 2018, Algorithm 2), the method behind XGBoost's `pred_contribs`.
///
/// For each tree the algorithm walks every root-to-leaf path once, keeping for the unique features on the path the
/// fraction of training cover that flows each way (`zero` = cover share, `one` = 1 if the row follows the branch)
/// and the permutation weights of all feature subsets; at a leaf, each feature on the path receives its Shapley
/// share of the leaf value. A feature met twice on a path is unwound and re-extended with the product of both
/// fractions. Node covers are XGBoost's `sum_hessian`. Routing is the scoring routing (float32 inputs, default
/// direction for NaN). Arithmetic is in `Double`; XGBoost works in float32, so values differ by float32 rounding
/// (about 1e-7 relative per tree).
///
/// The bias (last element) is ``TreeEnsembleModel/expectedValue``: the base margin plus every tree's cover-weighted
/// mean leaf value. Each row's values sum to its margin up to that rounding.
extension TreeEnsembleModel {
    /// One entry of the unique decision path.
    private struct PathElement {
        var feature: Int
        var zero: Double
        var one: Double
        var weight: Double
    }

    public func contributions(_ features: UnsafeBufferPointer<Double>) -> [Double] {
        precondition(features.count == featureCount, "expected \(featureCount) features, got \(features.count)")
        var phi = [Double](repeating: 0, count: featureCount + 1)
        var x = [Float](repeating: 0, count: layout.slotCount)
        x.withUnsafeMutableBufferPointer { layout.fill($0.baseAddress!, from: features) }
        // 1/k for the path lengths that occur, so the inner loops multiply instead of divide.
        let reciprocal = (0...(maxDepth + 2)).map { $0 == 0 ? 0 : 1 / Double($0) }
        // Each level's path starts after its parent's: (depth + 3) * (depth + 4) / 2 elements cover the deepest leaf.
        let scratchCount = (maxDepth + 3) * (maxDepth + 4) / 2
        let scratch = UnsafeMutablePointer<PathElement>.allocate(capacity: scratchCount)
        defer { scratch.deallocate() }
        scratch.initialize(repeating: PathElement(feature: -1, zero: 0, one: 0, weight: 0), count: scratchCount)
        nodes.withUnsafeBufferPointer { nodes in
            covers.withUnsafeBufferPointer { covers in
                x.withUnsafeBufferPointer { x in
                    reciprocal.withUnsafeBufferPointer { reciprocal in
                        phi.withUnsafeMutableBufferPointer { phi in
                            let walk = ShapWalk(
                                nodes: nodes, covers: covers, layout: layout, x: x, phi: phi, reciprocal: reciprocal)
                            for root in roots {
                                walk.recurse(
                                    node: Int(root), uniqueDepth: 0, parentPath: scratch, zero: 1, one: 1, feature: -1)
                            }
                        }
                    }
                }
            }
        }
        phi[featureCount] = expectedValue
        return phi
    }

    /// The state of one row's walk through the trees.
    private struct ShapWalk {
        let nodes: UnsafeBufferPointer<TreeNode>
        let covers: UnsafeBufferPointer<Double>
        let layout: InputLayout
        let x: UnsafeBufferPointer<Float>
        let phi: UnsafeMutableBufferPointer<Double>
        let reciprocal: UnsafeBufferPointer<Double>

        func recurse(
            node: Int, uniqueDepth: Int, parentPath: UnsafeMutablePointer<PathElement>, zero: Double, one: Double,
            feature: Int
        ) {
            let path = parentPath + uniqueDepth + 1
            path.update(from: parentPath, count: uniqueDepth + 1)
            extend(path, depth: uniqueDepth, zero: zero, one: one, feature: feature)
            let current = nodes[node]
            if Int(current.left) == node {
                if uniqueDepth == 0 { return }
                let value = Double(current.value)
                for i in 1...uniqueDepth {
                    let weight = unwoundSum(path, depth: uniqueDepth, index: i)
                    phi[path[i].feature] += weight * (path[i].one - path[i].zero) * value
                }
                return
            }
            let hot = current.next(x.baseAddress!)
            let feature = layout.feature(of: current.slot).feature
            let left = Int(current.left)
            let cold = hot == left ? left + 1 : left
            var depth = uniqueDepth
            var incomingZero = 1.0
            var incomingOne = 1.0
            // A feature already on the path is taken off and comes back with both splits' fractions combined.
            if let k = (0...depth).first(where: { path[$0].feature == feature }) {
                incomingZero = path[k].zero
                incomingOne = path[k].one
                unwind(path, depth: depth, index: k)
                depth -= 1
            }
            let cover = covers[node]
            recurse(
                node: hot, uniqueDepth: depth + 1, parentPath: path, zero: incomingZero * covers[hot] / cover,
                one: incomingOne, feature: feature)
            recurse(
                node: cold, uniqueDepth: depth + 1, parentPath: path, zero: incomingZero * covers[cold] / cover,
                one: 0, feature: feature)
        }

        /// Adds a feature with its zero and one fractions to the path of `depth + 1` elements, updating the
        /// permutation weights.
        @inline(__always)
        private func extend(
            _ path: UnsafeMutablePointer<PathElement>, depth: Int, zero: Double, one: Double, feature: Int
        ) {
            path[depth] = PathElement(feature: feature, zero: zero, one: one, weight: depth == 0 ? 1 : 0)
            let inverseSize = reciprocal[depth + 1]
            var i = depth - 1
            while i >= 0 {
                path[i + 1].weight += one * path[i].weight * Double(i + 1) * inverseSize
                path[i].weight = zero * path[i].weight * Double(depth - i) * inverseSize
                i -= 1
            }
        }

        /// Removes element `index` from the path (the inverse of `extend`).
        private func unwind(_ path: UnsafeMutablePointer<PathElement>, depth: Int, index: Int) {
            let one = path[index].one
            let zero = path[index].zero
            let size = Double(depth + 1)
            let inverseSize = reciprocal[depth + 1]
            var next = path[depth].weight
            var i = depth - 1
            if one != 0 {
                let scale = size / one
                while i >= 0 {
                    let saved = path[i].weight
                    path[i].weight = next * scale * reciprocal[i + 1]
                    next = saved - path[i].weight * zero * Double(depth - i) * inverseSize
                    i -= 1
                }
            } else {
                // zero > 0 here: only a split's share of the cover is unwound, and split covers are positive.
                let scale = size / zero
                while i >= 0 {
                    path[i].weight = path[i].weight * scale * reciprocal[depth - i]
                    i -= 1
                }
            }
            for j in index..<depth {
                path[j].feature = path[j + 1].feature
                path[j].zero = path[j + 1].zero
                path[j].one = path[j + 1].one
            }
        }

        /// The total permutation weight the path would have with element `index` unwound.
        @inline(__always)
        private func unwoundSum(_ path: UnsafeMutablePointer<PathElement>, depth: Int, index: Int) -> Double {
            let one = path[index].one
            let zero = path[index].zero
            let size = Double(depth + 1)
            var total = 0.0
            var i = depth - 1
            if one != 0 {
                let scale = size / one
                let decay = zero * reciprocal[depth + 1]
                var next = path[depth].weight
                while i >= 0 {
                    let weight = next * scale * reciprocal[i + 1]
                    total += weight
                    next = path[i].weight - weight * decay * Double(depth - i)
                    i -= 1
                }
            } else if zero != 0 {
                let scale = size / zero
                while i >= 0 {
                    total += path[i].weight * scale * reciprocal[depth - i]
                    i -= 1
                }
            }
            return total
        }
    }
}
