/// Saturating and flooring integer helpers for window arithmetic: timestamps come from events and watermarks may be
/// `Int64.min` before any event, so window bounds must never trap on overflow.
enum EngineMath {
    /// `a − b`, clamped to the Int64 range.
    @inline(__always)
    static func sub(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.subtractingReportingOverflow(b)
        return o ? (b > 0 ? .min : .max) : r
    }

    /// `a + b`, clamped to the Int64 range.
    @inline(__always)
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? .max : .min) : r
    }

    /// `a × b`, clamped to the Int64 range.
    @inline(__always)
    static func mul(_ a: Int64, _ b: Int64) -> Int64 {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        return o ? ((a < 0) != (b < 0) ? .min : .max) : r
    }

    /// `⌊a / b⌋` for b > 0.
    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && a < 0) ? q &- 1 : q
    }

    /// The tile (or aligned window start index) containing time t.
    @inline(__always)
    static func tile(_ t: Int64, width: Int64) -> Int64 { floorDiv(t, width) }

    /// The first time covered by the tiled window (width R, window W) at an event in tile k: `(k+1)R − W`.
    @inline(__always)
    static func tiledStart(tile k: Int64, width: Int64, window: Int64) -> Int64 {
        sub(mul(add(k, 1), width), window)
    }

    /// `v` as a Double: correctly rounded when it fits in 64 bits (the common case, without the slow generic
    /// conversion), else the generic conversion.
    @inline(__always)
    static func double(_ v: Int128) -> Double {
        if let small = Int64(exactly: v) { return Double(small) }
        return Double(v)
    }

    /// `v` as a Double, from its two 64-bit halves (deterministic; may differ from the correctly rounded value in the
    /// last bit, which only HyperLogLog estimates use).
    @inline(__always)
    static func double(_ v: UInt128) -> Double {
        Double(UInt64(truncatingIfNeeded: v >> 64)) * 0x1.0p64 + Double(UInt64(truncatingIfNeeded: v))
    }
}
