import Foundation

/// A fresh directory for one test, removed when the value is dropped; tests run in parallel.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-topology-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` at `name` (relative; intermediate directories are created) and returns the full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let full = "\(path)/\(name)"
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
        return full
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
