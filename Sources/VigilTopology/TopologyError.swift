/// One problem in a topology file, located by file, line and column, with a hint on how to fix it.
public struct TopologyIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem has no position (e.g. an unreadable file).
    public var line: Int
    public var column: Int
    /// The dotted path of the field, e.g. `stages[0].features[1].window`.
    public var field: String
    public var message: String
    public var hint: String?

    public var description: String {
        var s = "\(file):\(line):\(column): error: \(field.isEmpty ? "" : "\(field): ")\(message)"
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}

/// A topology was rejected; `issues` lists every problem found, in file order.
public struct TopologyError: Error, Sendable, CustomStringConvertible {
    public var issues: [TopologyIssue]

    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
