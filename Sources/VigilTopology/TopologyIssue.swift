/// One problem in a topology file, located by file, line and column, with a hint on how to fix it.
public struct TopologyIssue: Sendable, Equatable, CustomStringConvertible {
    /// The topology file, as given to the loader.
    public var file: String
    /// 1-based; 0 when the problem has no position (e.g. an unreadable file).
    public var line: Int
    /// 1-based, counted in Unicode scalars; 0 when the problem has no position.
    public var column: Int
    /// The dotted path of the field, e.g. `stages[0].features[1].window`; empty for the whole document.
    public var field: String
    /// What kind of problem this is, for tools and tests; `message` says it in words.
    public var code: TopologyError.Code
    /// What is wrong, in one sentence.
    public var message: String
    /// How to fix it, often with the allowed values and a did-you-mean.
    public var hint: String?

    public init(
        file: String, line: Int, column: Int, field: String, code: TopologyError.Code, message: String,
        hint: String? = nil
    ) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: error: field: message`, then `  hint: …` on its own line when there is a hint.
    public var description: String {
        var s = "\(file):\(line):\(column): error: \(field.isEmpty ? "" : "\(field): ")\(message)"
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}
