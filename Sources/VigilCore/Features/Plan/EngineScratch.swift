/// Per-event scratch space of ``FeatureEngine/apply(_:key:watermark:upstream:into:)``: the event's value hashes and
/// the values it adds to each column, in memory the call allocates for itself (on the stack when small), so that
/// applying an event neither allocates nor shares anything between threads.
struct EngineScratch {
    /// Value hash per ``EnginePlan/hashedFields`` slot (0 when missing).
    let hashes: UnsafeMutableBufferPointer<UInt64>
    /// Per-column hashes: the exact buffer's hash columns, then each tile group's (``EnginePlan/scratchLayout``).
    let columnHashes: UnsafeMutableBufferPointer<UInt64>
    /// Per-column units: the exact buffer's numeric columns, then each tile group's.
    let units: UnsafeMutableBufferPointer<Int64>

    /// Where each column group starts in ``columnHashes`` and ``units``.
    struct Layout: Sendable {
        var hashSlots = 0
        var columnHashes = 0
        var units = 0
        /// Start of tile group g's hash columns in ``columnHashes`` (the buffer's start at 0).
        var tileHashStart: [Int] = []
        /// Start of tile group g's numeric columns in ``units``.
        var tileUnitStart: [Int] = []

        init() {}

        init(plan: EnginePlan) {
            hashSlots = plan.hashedFields.count
            columnHashes = plan.bufferHashed.count
            units = plan.bufferNumeric.count
            for g in plan.tileGroups {
                tileHashStart.append(columnHashes)
                tileUnitStart.append(units)
                columnHashes += g.hashed.count
                units += g.numeric.count
            }
        }
    }

    /// Runs `body` with scratch space for `layout`.
    @inline(__always)
    static func with<R>(_ layout: Layout, _ body: (inout EngineScratch) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: Swift.max(1, layout.hashSlots + layout.columnHashes)) {
            h in
            withUnsafeTemporaryAllocation(of: Int64.self, capacity: Swift.max(1, layout.units)) { u in
                var s = EngineScratch(
                    hashes: UnsafeMutableBufferPointer(rebasing: h[0..<layout.hashSlots]),
                    columnHashes: UnsafeMutableBufferPointer(rebasing: h[layout.hashSlots..<(layout.hashSlots + layout.columnHashes)]),
                    units: UnsafeMutableBufferPointer(rebasing: u[0..<layout.units]))
                return body(&s)
            }
        }
    }
}
