#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Distances between a feature's training distribution (*expected*) and a window's (*actual*), both given as the
/// proportions of the same bins (``BinnedHistogram/proportions``).
///
/// The arrays should have the same length; where one is shorter its missing entries count as 0 (nothing traps).
public enum Drift {
    /// The floor applied to empty bins before PSI's logarithm: `1e-4`.
    public static let defaultEpsilon = 1e-4

    /// The population stability index `PSI = Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)`, with `aᵢ` and `eᵢ` each first floored at
    /// `epsilon` (so an empty bin adds a large but finite term); natural log. 0 for identical distributions.
    ///
    /// The usual reading: below 0.1 no shift, 0.1–0.25 a moderate one, above 0.25 a significant one. A window of
    /// `n` values has sampling noise of about `(k − 1) / n` even without drift: see ``psiThreshold(bins:sampleSize:sigmas:)``.
    public static func psi(expected: [Double], actual: [Double], epsilon: Double = defaultEpsilon) -> Double {
        var sum = 0.0
        for i in 0..<max(expected.count, actual.count) {
            let e = max(i < expected.count ? expected[i] : 0, epsilon)
            let a = max(i < actual.count ? actual[i] : 0, epsilon)
            sum += (a - e) * log(a / e)
        }
        return sum
    }

    /// The Kolmogorov–Smirnov statistic on the binned distribution functions:
    /// `maxᵢ |Σ_{j≤i} aⱼ − Σ_{j≤i} eⱼ|`, in [0, 1] for proportions.
    public static func ks(expected: [Double], actual: [Double]) -> Double {
        var cumulativeExpected = 0.0
        var cumulativeActual = 0.0
        var maximum = 0.0
        for i in 0..<max(expected.count, actual.count) {
            cumulativeExpected += i < expected.count ? expected[i] : 0
            cumulativeActual += i < actual.count ? actual[i] : 0
            maximum = max(maximum, abs(cumulativeActual - cumulativeExpected))
        }
        return maximum
    }

    /// The Jensen–Shannon *distance* (the square root of the divergence) with base-2 logarithms, so in [0, 1]:
    /// `sqrt(½ Σ eᵢ log₂(eᵢ/mᵢ) + ½ Σ aᵢ log₂(aᵢ/mᵢ))` with `m = (e + a) / 2` and `0 · log 0 = 0`.
    ///
    /// Like SciPy's `jensenshannon(e, a, base=2)`, each input is first divided by its sum (a no-op for proportions);
    /// an all-zero input is taken as is. Symmetric in its arguments.
    public static func jensenShannon(expected: [Double], actual: [Double]) -> Double {
        let count = max(expected.count, actual.count)
        let expectedSum = expected.reduce(0, +)
        let actualSum = actual.reduce(0, +)
        let expectedScale = expectedSum > 0 ? 1 / expectedSum : 1
        let actualScale = actualSum > 0 ? 1 / actualSum : 1
        var divergence = 0.0
        for i in 0..<count {
            let e = (i < expected.count ? expected[i] : 0) * expectedScale
            let a = (i < actual.count ? actual[i] : 0) * actualScale
            let m = (e + a) / 2
            // One sum per bin, so that swapping the arguments gives bit-identical results.
            divergence += (e > 0 ? e * log2(e / m) : 0) + (a > 0 ? a * log2(a / m) : 0)
        }
        // Rounding can leave a tiny negative divergence for identical inputs, or exceed 1 by an ulp.
        return min(1, max(0, divergence / 2).squareRoot())
    }

    /// A data-driven PSI threshold: the mean plus `sigmas` standard deviations of PSI between the baseline and
    /// samples of `n` values drawn from it — NannyML's "mean + 3σ of the statistic over reference chunks",
    /// computed analytically instead of by chunking the reference data.
    ///
    /// Without drift `n · PSI` is asymptotically χ² with `k − 1` degrees of freedom (PSI is then close to Pearson's
    /// χ² statistic divided by `n`), where `k` is the number of non-empty expected bins; so PSI has mean
    /// `(k − 1) / n` and standard deviation `sqrt(2(k − 1)) / n`. For k = 10, n = 2000: 0.0045 + 3 · 0.0021 = 0.0109.
    /// Returns `+infinity` when `n <= 0` (no sample, nothing can be judged) and 0 when `k <= 1`.
    public static func psiThreshold(bins k: Int, sampleSize n: Int, sigmas: Double = 3) -> Double {
        guard n > 0 else { return .infinity }
        guard k > 1 else { return 0 }
        let degrees = Double(k - 1)
        let size = Double(n)
        return degrees / size + sigmas * (2 * degrees).squareRoot() / size
    }
}
