/// The xoshiro256** generator (Blackman and Vigna 2018), seeded through ``SplitMix64``: the generator's only source
/// of randomness.
///
/// Same seed → same sequence on every platform and Swift version: the helpers below (``uniform()``,
/// ``int(below:)``, ``normal()`` …) are implemented here rather than with the standard library's
/// `random(in:using:)`, whose algorithms are not promised to stay the same. Not for cryptography.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// Creates a generator whose 256-bit state is four SplitMix64 outputs of `seed`.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform double in [0, 1), with 53 random bits.
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform double in (0, 1]: safe to take the logarithm of.
    @inline(__always)
    public mutating func uniformPositive() -> Double { Double((next() >> 11) + 1) * 0x1.0p-53 }

    /// A uniform double in [low, high).
    @inline(__always)
    public mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }

    /// A uniform integer in 0..<n (multiply-shift; the bias of at most n/2^64 is irrelevant here). `n` must be > 0.
    @inline(__always)
    public mutating func int(below n: Int) -> Int {
        Int(truncatingIfNeeded: UInt64(n).multipliedFullWidth(by: next()).high)
    }

    /// A uniform integer in the closed range.
    @inline(__always)
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// `true` with probability `p`.
    @inline(__always)
    public mutating func chance(_ p: Double) -> Bool { uniform() < p }

    /// A standard normal variate (Marsaglia's polar method, with the deterministic ``DeterministicMath/log(_:)``).
    public mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * DeterministicMath.sqrt(-2 * DeterministicMath.log(s) / s)
            }
        }
    }

    /// A log-normal variate with the given median (e^mu) and shape sigma.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * DeterministicMath.exp(sigma * normal())
    }

    /// An exponential variate with the given mean.
    @inline(__always)
    public mutating func exponential(mean: Double) -> Double { -DeterministicMath.log(uniformPositive()) * mean }
}
