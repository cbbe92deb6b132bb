import Foundation

/// The few file-system operations the runtime needs, off the hot path.
enum FileSystem {
    /// `mkdir -p`.
    static func createDirectories(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
}
