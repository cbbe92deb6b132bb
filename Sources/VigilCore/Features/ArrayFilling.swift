extension Array {
    /// `count` copies of `value`, like `Array(repeating:count:)`, allocated through specialised code.
    ///
    /// `Array(repeating:count:)` allocates through a generic, non-inlinable standard-library function that looks
    /// up the storage class's type metadata on every call (about 1000 instructions; measured in the key states'
    /// hash tables, which start empty and grow for every new key). Reserving and then appending stays in code
    /// specialised for `Element`.
    @inlinable @inline(__always)
    init(filledWith value: Element, count: Int) {
        self.init()
        reserveCapacity(count)
        append(contentsOf: repeatElement(value, count: count))
    }
}
