/// An open-addressing hash table from non-zero 64-bit value hashes to 64-bit integers (linear probing, backward-shift
/// deletion), with no per-operation allocation once grown.
///
/// The keys are ``StableHash`` outputs, already well mixed, so the slot is the key's low bits. Key 0 marks an empty
/// slot. The layout depends only on the sequence of operations, never on a process seed.
struct HashTable: Sendable {
    /// Slot keys; 0 is empty. The capacity is 0 or a power of two.
    private(set) var keys: [UInt64] = []
    /// Slot values, parallel to `keys`.
    private(set) var values: [Int64] = []
    /// Number of occupied slots.
    private(set) var count = 0

    init() {}

    /// A table sized for `capacity` entries.
    init(minimumCapacity: Int) {
        if minimumCapacity > 0 { resize(to: Self.slots(for: minimumCapacity)) }
    }

    static func slots(for entries: Int) -> Int {
        var n = 8
        while n * 3 < entries * 4 + 4 { n <<= 1 }  // load factor <= 3/4
        return n
    }

    /// The slot holding `key`, if present.
    @inline(__always)
    func slot(of key: UInt64) -> Int? {
        guard count > 0 else { return nil }
        let mask = keys.count &- 1
        var i = Int(truncatingIfNeeded: key) & mask
        while true {
            let k = keys[i]
            if k == key { return i }
            if k == 0 { return nil }
            i = (i &+ 1) & mask
        }
    }

    /// The value for `key`, if present.
    @inline(__always)
    func value(for key: UInt64) -> Int64? {
        guard let s = slot(of: key) else { return nil }
        return values[s]
    }

    /// Sets the value of an occupied slot.
    @inline(__always)
    mutating func setValue(_ value: Int64, atSlot slot: Int) { values[slot] = value }

    /// Inserts `key` with `value`, or replaces its value; returns the slot.
    @discardableResult
    mutating func set(_ key: UInt64, _ value: Int64) -> Int {
        if (count &+ 1) * 4 > keys.count * 3 { resize(to: Swift.max(8, keys.count * 2)) }
        let mask = keys.count &- 1
        var i = Int(truncatingIfNeeded: key) & mask
        while true {
            let k = keys[i]
            if k == key {
                values[i] = value
                return i
            }
            if k == 0 {
                keys[i] = key
                values[i] = value
                count &+= 1
                return i
            }
            i = (i &+ 1) & mask
        }
    }

    /// Adds 1 to the count of `key` (inserting it with 1).
    @inline(__always)
    mutating func increment(_ key: UInt64) {
        if let s = slot(of: key) { values[s] &+= 1 } else { set(key, 1) }
    }

    /// Subtracts 1 from the count of `key`, removing it at 0.
    @inline(__always)
    mutating func decrement(_ key: UInt64) {
        guard let s = slot(of: key) else { return }
        if values[s] <= 1 { remove(atSlot: s) } else { values[s] &-= 1 }
    }

    /// Removes every entry, keeping the capacity (O(capacity)).
    mutating func removeAll() {
        guard count > 0 else { return }
        keys.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        count = 0
    }

    /// Removes the entry at an occupied slot (backward-shift deletion: no tombstones).
    mutating func remove(atSlot slot: Int) {
        let mask = keys.count &- 1
        var hole = slot
        var i = (slot &+ 1) & mask
        while keys[i] != 0 {
            let home = Int(truncatingIfNeeded: keys[i]) & mask
            // Move entry i into the hole when its home is not cyclically in (hole, i].
            let distanceToHome = (i &- home) & mask
            let distanceToHole = (i &- hole) & mask
            if distanceToHome >= distanceToHole {
                keys[hole] = keys[i]
                values[hole] = values[i]
                hole = i
            }
            i = (i &+ 1) & mask
        }
        keys[hole] = 0
        values[hole] = 0
        count &-= 1
    }

    /// Keeps only the entries for which `keep` is true (rebuilds the table; O(capacity)).
    mutating func filter(_ keep: (UInt64, Int64) -> Bool) {
        var survivors = 0
        for i in keys.indices where keys[i] != 0 && keep(keys[i], values[i]) { survivors += 1 }
        if survivors == count { return }
        let oldKeys = keys
        let oldValues = values
        keys = []
        values = []
        count = 0
        if survivors > 0 { resize(to: Self.slots(for: survivors)) }
        for i in oldKeys.indices where oldKeys[i] != 0 && keep(oldKeys[i], oldValues[i]) {
            set(oldKeys[i], oldValues[i])
        }
    }

    /// Calls `body` for every entry, in slot order.
    @inline(__always)
    func forEach(_ body: (UInt64, Int64) -> Void) {
        for i in keys.indices where keys[i] != 0 { body(keys[i], values[i]) }
    }

    private mutating func resize(to slots: Int) {
        let oldKeys = keys
        let oldValues = values
        keys = [UInt64](filledWith: 0, count: slots)
        values = [Int64](filledWith: 0, count: slots)
        count = 0
        for i in oldKeys.indices where oldKeys[i] != 0 { set(oldKeys[i], oldValues[i]) }
    }

    /// Heap bytes held.
    var approximateBytes: Int { keys.count * 16 }

    /// Whether both tables hold the same entries (whatever their layout).
    func sameEntries(as other: HashTable) -> Bool {
        guard count == other.count else { return false }
        for i in keys.indices where keys[i] != 0 {
            if other.value(for: keys[i]) != values[i] { return false }
        }
        return true
    }
}
