/// One node of a flattened tree ensemble, 12 bytes.
///
/// All trees live in one contiguous array, each laid out breadth-first so that a split's right child is always
/// `left + 1`. Scoring first writes the row twice into a buffer of `2 × (F + 1)` floats (``InputLayout``): slots
/// `0..<F` hold the inputs with a missing value as `+infinity`, slots `F+1 ..< 2F+1` hold them with a missing value
/// as `-infinity`, and slots `F` and `2F+1` hold `-infinity`. A split on feature `f` reads slot `f` if missing values
/// go right, `F + 1 + f` if they go left, and goes left when the slot is `< value`: `+infinity < value` is false and
/// `-infinity < value` is true for every finite condition, so a missing value follows the default direction with one
/// comparison, exactly as XGBoost routes it (`x < condition` left, NaN to the default side).
///
/// A leaf holds its output in ``value``, points `left` at itself and reads slot `F` (`-infinity`), so a step from a
/// leaf stays on it: scoring walks every tree for a fixed number of steps without testing for leaves or branching.
struct TreeNode: Sendable, Equatable {
    /// The split condition (a split) or the leaf value (a leaf).
    var value: Float
    /// The input slot the node compares (see above).
    var slot: UInt32
    /// The absolute index of the left child, or the node's own index for a leaf.
    var left: UInt32

    /// The index of the node the row in `inputs` (laid out as above) leads to.
    @inline(__always)
    func next(_ inputs: UnsafePointer<Float>) -> Int {
        Int(left &+ (inputs[Int(slot)] < value ? 0 : 1))
    }
}

/// Where a model with `featureCount` features keeps each input, for ``TreeNode``.
struct InputLayout: Sendable, Equatable {
    /// The model's feature count, `F`.
    let featureCount: Int

    /// The number of slots, `2 × (F + 1)`.
    var slotCount: Int { 2 * (featureCount + 1) }

    /// The slot a split on `feature` reads.
    func slot(feature: Int, defaultLeft: Bool) -> UInt32 {
        UInt32(defaultLeft ? featureCount + 1 + feature : feature)
    }

    /// The slot a leaf reads (always `-infinity`).
    var leafSlot: UInt32 { UInt32(featureCount) }

    /// The feature a slot belongs to, and whether a missing value goes left.
    func feature(of slot: UInt32) -> (feature: Int, defaultLeft: Bool) {
        let s = Int(slot)
        return s > featureCount ? (s - featureCount - 1, true) : (s, false)
    }

    /// Writes a row into `slots` (``slotCount`` floats), converting each input to float32 as XGBoost does.
    @inline(__always)
    func fill(_ slots: UnsafeMutablePointer<Float>, from row: UnsafeBufferPointer<Double>) {
        let leftHalf = slots + featureCount + 1
        for i in 0..<featureCount {
            let x = Float(row[i])
            let missing = x.isNaN
            slots[i] = missing ? .infinity : x
            leftHalf[i] = missing ? -.infinity : x
        }
        slots[featureCount] = -.infinity
        leftHalf[featureCount] = -.infinity
    }
}
