extension ObservabilityServer {
    /// Parses a listen address as `vigil run --http` takes it: `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` (all
    /// interfaces, `0.0.0.0`).
    ///
    /// - Throws: ``ObservabilityError`` with code `.invalidAddress` naming the problem.
    public static func parseListenAddress(_ text: String) throws -> (host: String, port: Int) {
        func invalid(_ why: String) -> ObservabilityError {
            ObservabilityError(code: .invalidAddress, message: "\"\(text)\": \(why) (expected HOST:PORT, e.g. 0.0.0.0:9400)")
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw invalid("no closing ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw invalid("no :PORT after the IPv6 address") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw invalid("no port") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw invalid("an IPv6 address must be in brackets") }
        }
        guard let port = Int(portText), (0...65_535).contains(port) else { throw invalid("port must be 0...65535") }
        return (host.isEmpty ? "0.0.0.0" : String(host), port)
    }
}
