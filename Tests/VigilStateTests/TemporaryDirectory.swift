import Foundation
import Testing

@testable import VigilState

/// Runs `body` with a fresh, unique directory path (not yet created) and removes everything there afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent(
        "vigil-state-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: base) }
    return try body(base.path)
}

/// Bytes of a string, for readable test keys.
func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// An 8-byte little-endian Int64.
func le(_ v: Int64) -> [UInt8] {
    let u = UInt64(bitPattern: v)
    return (0..<8).map { UInt8(truncatingIfNeeded: u >> (8 * UInt64($0))) }
}

/// All entries of an iterator, checking it ended without error.
func drain(_ iterator: StoreIterator) throws -> [(key: [UInt8], value: [UInt8])] {
    var result: [(key: [UInt8], value: [UInt8])] = []
    for entry in iterator { result.append(entry) }
    try iterator.status()
    return result
}
