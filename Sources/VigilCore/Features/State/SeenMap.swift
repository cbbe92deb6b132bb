/// The latest-seen times of one field's values for one key, for `first_seen`: value hash → the newest event time
/// at which the key had that value.
///
/// An entry whose time is at or before ``cutoff`` can no longer decide any future event's value and is logically
/// gone; such entries are removed physically in batches (when the cutoff has moved past the oldest entry by a
/// slack), so that pruning does not scan the table at every event.
struct SeenMap: Sendable {
    var table = HashTable()
    /// Entries with latest time <= cutoff are dead.
    var cutoff: Int64 = .min
    /// A lower bound of the live entries' times (`Int64.max` when empty).
    var oldest: Int64 = .max

    /// The latest time `hash` was seen, if alive.
    @inline(__always)
    func latest(_ hash: UInt64) -> Int64? {
        guard let t = table.value(for: hash), t > cutoff else { return nil }
        return t
    }

    /// Records that the key had value `hash` at `time`.
    @inline(__always)
    mutating func record(_ hash: UInt64, at time: Int64) {
        if let s = table.slot(of: hash) {
            if table.values[s] < time { table.setValue(time, atSlot: s) }
        } else {
            table.set(hash, time)
        }
        if time < oldest { oldest = time }
    }

    /// Raises the cutoff; removes dead entries once the cutoff passes the oldest entry by `slack`.
    mutating func prune(cutoff newCutoff: Int64, slack: Int64) {
        if newCutoff > cutoff { cutoff = newCutoff }
        guard table.count > 0 else { return }
        guard cutoff >= oldest, EngineMath.sub(cutoff, oldest) >= slack || cutoff == .max else { return }
        let c = cutoff
        table.filter { _, t in t > c }
        var o = Int64.max
        table.forEach { _, t in if t < o { o = t } }
        oldest = o
    }

    /// Number of live entries.
    var liveCount: Int {
        var n = 0
        let c = cutoff
        table.forEach { _, t in if t > c { n += 1 } }
        return n
    }

    /// Whether both maps have the same cutoff and live entries.
    func sameEntries(as other: SeenMap) -> Bool {
        guard liveCount == other.liveCount else { return false }
        if liveCount == 0 { return true }
        guard cutoff == other.cutoff else { return false }
        var same = true
        table.forEach { h, t in
            if t > cutoff && other.latest(h) != t { same = false }
        }
        return same
    }
}
