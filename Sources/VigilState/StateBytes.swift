/// Contiguous bytes that can be lent to RocksDB without copying: keys and values of `Store` and `WriteBatch`.
///
/// `[UInt8]` has its own overloads; this protocol lets the hot path pass slices and borrowed buffers (a reused
/// key buffer, a decoder's input) without allocating an array.
public protocol StateBytes {
    /// Calls `body` with the bytes, valid only during the call.
    func withStateBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension Array: StateBytes where Element == UInt8 {
    @inlinable
    public func withStateBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { withUnsafeBytes(body) }
}

extension ArraySlice: StateBytes where Element == UInt8 {
    @inlinable
    public func withStateBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { withUnsafeBytes(body) }
}

extension ContiguousArray: StateBytes where Element == UInt8 {
    @inlinable
    public func withStateBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { withUnsafeBytes(body) }
}

extension UnsafeRawBufferPointer: StateBytes {
    @inlinable
    public func withStateBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { body(self) }
}

extension UnsafeMutableRawBufferPointer: StateBytes {
    @inlinable
    public func withStateBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { body(UnsafeRawBufferPointer(self)) }
}

extension UnsafeBufferPointer: StateBytes where Element == UInt8 {
    @inlinable
    public func withStateBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { body(UnsafeRawBufferPointer(self)) }
}

extension UnsafeRawBufferPointer {
    /// The start address as RocksDB's `const char*` (nil for an empty buffer, which RocksDB accepts with length 0).
    @inline(__always)
    var cchars: UnsafePointer<CChar>? { baseAddress?.assumingMemoryBound(to: CChar.self) }
}
