internal import CRocksDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension MergeOperator {
    /// Creates the C merge operator. Its state retains a `MergeContext`, released by RocksDB's destructor callback.
    ///
    /// - Important: ownership passes to `rocksdb_options_set_merge_operator`; never destroy the result yourself.
    func makeRocksOperator() -> OpaquePointer {
        let context = Unmanaged.passRetained(MergeContext(self)).toOpaque()
        return rocksdb_mergeoperator_create(
            context, vigilMergeDestroy, vigilMergeFull, vigilMergePartial, vigilMergeDeleteValue, vigilMergeName)
    }
}

/// The Swift side of one C merge operator: the closure and the C name string.
///
/// - Important: retained once by `makeRocksOperator` (the `state` pointer) and released once by
///   `vigilMergeDestroy`, which RocksDB calls when the last options/column family using the operator is gone.
///   Immutable, so RocksDB's threads may share it.
final class MergeContext: @unchecked Sendable {
    let op: MergeOperator
    let cName: UnsafeMutablePointer<CChar>

    init(_ op: MergeOperator) {
        self.op = op
        // strdup only fails on out-of-memory; fall back to a static name rather than crash.
        self.cName = strdup(op.name) ?? strdup("vigil.merge")!
    }

    deinit { free(cName) }
}

@inline(__always)
private func bytes(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> [UInt8] {
    guard let pointer, length > 0 else { return [] }
    return Array(UnsafeRawBufferPointer(start: pointer, count: length))
}

private func operandList(
    _ list: UnsafePointer<UnsafePointer<CChar>?>?, _ lengths: UnsafePointer<Int>?, _ count: Int32
) -> [[UInt8]] {
    guard let list, let lengths, count > 0 else { return [] }
    var result: [[UInt8]] = []
    result.reserveCapacity(Int(count))
    for i in 0..<Int(count) { result.append(bytes(list[i], lengths[i])) }
    return result
}

/// Copies a merge result into a malloc'ed buffer that RocksDB hands back to `vigilMergeDeleteValue`.
private func mallocResult(
    _ result: [UInt8]?, _ success: UnsafeMutablePointer<UInt8>?, _ newLength: UnsafeMutablePointer<Int>?
) -> UnsafeMutablePointer<CChar>? {
    // Even a failure returns a (1-byte) buffer: RocksDB's wrapper assigns from the pointer before checking success.
    guard let buffer = malloc(max(result?.count ?? 0, 1)) else {
        success?.pointee = 0
        newLength?.pointee = 0
        return nil
    }
    guard let result else {
        success?.pointee = 0
        newLength?.pointee = 0
        return buffer.assumingMemoryBound(to: CChar.self)
    }
    result.withUnsafeBytes { src in
        if let base = src.baseAddress { buffer.copyMemory(from: base, byteCount: src.count) }
    }
    success?.pointee = 1
    newLength?.pointee = result.count
    return buffer.assumingMemoryBound(to: CChar.self)
}

private func vigilMergeDestroy(_ state: UnsafeMutableRawPointer?) {
    guard let state else { return }
    Unmanaged<MergeContext>.fromOpaque(state).release()
}

private func vigilMergeFull(
    _ state: UnsafeMutableRawPointer?, _ key: UnsafePointer<CChar>?, _ keyLength: Int,
    _ existing: UnsafePointer<CChar>?, _ existingLength: Int,
    _ operands: UnsafePointer<UnsafePointer<CChar>?>?, _ operandLengths: UnsafePointer<Int>?, _ count: Int32,
    _ success: UnsafeMutablePointer<UInt8>?, _ newLength: UnsafeMutablePointer<Int>?
) -> UnsafeMutablePointer<CChar>? {
    guard let state else { return mallocResult(nil, success, newLength) }
    let context = Unmanaged<MergeContext>.fromOpaque(state).takeUnretainedValue()
    let base: [UInt8]? = existing == nil ? nil : bytes(existing, existingLength)
    let result = context.op.merge(bytes(key, keyLength), base, operandList(operands, operandLengths, count))
    return mallocResult(result, success, newLength)
}

private func vigilMergePartial(
    _ state: UnsafeMutableRawPointer?, _ key: UnsafePointer<CChar>?, _ keyLength: Int,
    _ operands: UnsafePointer<UnsafePointer<CChar>?>?, _ operandLengths: UnsafePointer<Int>?, _ count: Int32,
    _ success: UnsafeMutablePointer<UInt8>?, _ newLength: UnsafeMutablePointer<Int>?
) -> UnsafeMutablePointer<CChar>? {
    guard let state else { return mallocResult(nil, success, newLength) }
    let context = Unmanaged<MergeContext>.fromOpaque(state).takeUnretainedValue()
    // Not associative: report "cannot combine" and RocksDB keeps the operands for the full merge.
    guard context.op.associative else { return mallocResult(nil, success, newLength) }
    let result = context.op.merge(bytes(key, keyLength), nil, operandList(operands, operandLengths, count))
    return mallocResult(result, success, newLength)
}

private func vigilMergeDeleteValue(_ state: UnsafeMutableRawPointer?, _ value: UnsafePointer<CChar>?, _ length: Int) {
    free(UnsafeMutableRawPointer(mutating: value))
}

private func vigilMergeName(_ state: UnsafeMutableRawPointer?) -> UnsafePointer<CChar>? {
    guard let state else { return nil }
    return UnsafePointer(Unmanaged<MergeContext>.fromOpaque(state).takeUnretainedValue().cName)
}
