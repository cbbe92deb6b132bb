import Foundation

@testable import VigilModel

/// Reads the committed parity fixtures (written by `ops/train-fixtures`).
enum Fixtures {
    /// `Tests/VigilModelTests/Fixtures`.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        .path

    /// The path of a fixture file or directory.
    static func path(_ relative: String) -> String { directory + "/" + relative }

    /// The bytes of a fixture file.
    static func bytes(_ relative: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(relative)) else {
            throw FixtureError(message: "missing fixture \(relative); run ops/train-fixtures")
        }
        return [UInt8](data)
    }

    /// The text of a fixture file.
    static func text(_ relative: String) throws -> String { String(decoding: try bytes(relative), as: UTF8.self) }

    /// A fixture's `expected.json`: inputs and the reference outputs (null inputs are NaN).
    struct Expected {
        var features: [String]
        var inputs: [[Double]]
        var predict: [Double]
        var margin: [Double]
        var contribs: [[Double]]
    }

    static func expected(_ name: String) throws -> Expected {
        let file = "\(name)/expected.json"
        let root = JSONField(root: try JSONParser.parse(try bytes(file), file: file), file: file, code: .invalidModel)
        func matrix(_ key: String) throws -> [[Double]] {
            try root.field(key).elements().map { row in
                try row.elements().map { cell in
                    if case .null = cell.value { return Double.nan }
                    return try cell.double()
                }
            }
        }
        return Expected(
            features: try root.field("features").strings(), inputs: try matrix("inputs"),
            predict: try root.field("predict").doubles(), margin: try root.field("margin").doubles(),
            contribs: try matrix("contribs"))
    }
}

/// A fixture could not be read.
struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A fresh, unique temporary directory, removed by `cleanup`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "vigil-model-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func write(_ relative: String, _ text: String) throws {
        try write(relative, Array(text.utf8))
    }

    func write(_ relative: String, _ bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path + "/" + relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}
