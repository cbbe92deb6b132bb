/// `exp`, `log`, `sqrt` and rounding in pure Swift from IEEE-754 basic operations only, so generated data is
/// bit-identical on every platform (libm implementations may differ in the last bit between systems).
///
/// It also keeps VigilCore free of libm: on Linux, `Double.rounded()` and `squareRoot()` compile to calls into
/// libm, which a target without Foundation or Glibc does not link.
///
/// Accuracy is a few ulp, ample for sampling distributions; these are not general-purpose replacements.
public enum DeterministicMath {
    /// `x` rounded to the nearest integer, halves away from zero (like `x.rounded()`), without libm.
    @inline(__always)
    public static func round(_ x: Double) -> Double {
        guard x.magnitude < 0x1.0p52 else { return x }  // already an integer (or inf/nan)
        let t = Double(Int64(x))  // truncation: one instruction, exact
        let f = x - t  // exact
        if f >= 0.5 { return t + 1 }
        if f <= -0.5 { return t - 1 }
        return t == 0 && x.sign == .minus ? -0.0 : t
    }

    /// The square root by Newton's method from a bit-level first guess; within an ulp or two. `nan` for negative
    /// input.
    public static func sqrt(_ x: Double) -> Double {
        guard x > 0 else { return x == 0 ? x : .nan }
        guard x.isFinite, x.isNormal else { return x.isFinite ? exp(0.5 * log(x)) : x }
        // Halving the exponent bits gives a guess within ~6%; five steps converge far below an ulp.
        var y = Double(bitPattern: (x.bitPattern >> 1) &+ 0x1FF8_0000_0000_0000)
        for _ in 0..<5 { y = 0.5 * (y + x / y) }
        return y
    }

    /// 1/k! for k = 0...17 (the constants are what the compiler rounds these literals to, on every platform).
    private static let inverseFactorials: [Double] = [
        1, 1, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
        1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800, 1.0 / 87178291200,
        1.0 / 1307674368000, 1.0 / 20922789888000, 1.0 / 355687428096000,
    ]

    /// 1/(2k+3) for k = 0..<12: the atanh series coefficients.
    private static let inverseOdd: [Double] = (0..<12).map { 1.0 / Double(2 * $0 + 3) }

    private static let ln2 = 0.693_147_180_559_945_3
    private static let ln2Hi = 6.931_471_803_691_238_164_90e-01
    private static let ln2Lo = 1.908_214_929_270_587_700_02e-10

    /// The natural logarithm; `-inf` for 0, `nan` for negative or `nan` input, `inf` for `inf`.
    public static func log(_ x: Double) -> Double {
        guard x > 0 else { return x == 0 ? -.infinity : .nan }
        guard x.isFinite else { return x }
        var e = Double(Int(x.exponent))
        var m = x.significand  // [1, 2)
        if m > 1.414_213_562_373_095_1 {
            m *= 0.5
            e += 1
        }
        // log(m) = 2 atanh(z), z = (m-1)/(m+1), |z| <= 0.1716.
        let z = (m - 1) / (m + 1)
        let z2 = z * z
        var term = z
        var sum = z
        for k in 0..<12 {
            term *= z2
            sum += term * inverseOdd[k]
        }
        return e * ln2 + 2 * sum
    }

    /// e raised to `x`; overflows to `inf` above ~709.78 and underflows to 0 below ~-745.
    public static func exp(_ x: Double) -> Double {
        guard !x.isNaN else { return x }
        if x > 709.78 { return .infinity }
        if x < -745.2 { return 0 }
        let k = round(x / ln2)
        let r = (x - k * ln2Hi) - k * ln2Lo  // |r| <= ~0.347
        // Taylor series to r^17/17!, Horner form.
        var p = inverseFactorials[17]
        var i = 16
        while i >= 0 {
            p = p * r + inverseFactorials[i]
            i -= 1
        }
        let ki = Int(k)
        if ki < -1021 {
            // Scale in two steps to reach subnormal results.
            return Double(sign: .plus, exponent: ki + 60, significand: p) * 0x1.0p-60
        }
        return Double(sign: .plus, exponent: ki, significand: p)
    }
}
