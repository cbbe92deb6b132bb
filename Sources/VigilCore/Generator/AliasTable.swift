/// Walker/Vose alias table: O(1) sampling of an index with probability proportional to its weight.
struct AliasTable: Sendable {
    private let probability: [Double]
    private let alias: [Int32]

    /// Builds the table; weights must be finite and non-negative with a positive sum.
    init(weights: [Double]) {
        let n = weights.count
        let total = weights.reduce(0, +)
        var scaled = weights.map { $0 * Double(n) / total }
        var probability = [Double](repeating: 1, count: n)
        var alias = [Int32](repeating: 0, count: n)
        var small: [Int] = []
        var large: [Int] = []
        for i in 0..<n { if scaled[i] < 1 { small.append(i) } else { large.append(i) } }
        while let s = small.popLast() {
            guard let l = large.popLast() else {
                probability[s] = 1
                continue
            }
            probability[s] = scaled[s]
            alias[s] = Int32(l)
            scaled[l] = (scaled[l] + scaled[s]) - 1
            if scaled[l] < 1 { small.append(l) } else { large.append(l) }
        }
        for l in large { probability[l] = 1 }
        self.probability = probability
        self.alias = alias
    }

    /// Draws an index.
    @inline(__always)
    func sample(_ rng: inout Xoshiro256StarStar) -> Int {
        let i = rng.int(below: probability.count)
        return rng.uniform() < probability[i] ? i : Int(alias[i])
    }
}
