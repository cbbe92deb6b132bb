/// A response of the endpoint, before it meets NIO: status, content type and body.
struct EndpointResponse: Sendable, Equatable {
    var status: Int
    var contentType: String
    var body: [UInt8]
    /// Further headers (`Location`, `Allow`).
    var headers: [Header] = []

    struct Header: Sendable, Equatable {
        var name: String
        var value: String
    }

    static func text(_ status: Int, _ text: String) -> EndpointResponse {
        EndpointResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8))
    }

    static func json(_ status: Int, _ body: [UInt8]) -> EndpointResponse {
        EndpointResponse(status: status, contentType: "application/json", body: body)
    }

    /// A JSON object of string fields with the given status.
    static func jsonObject(_ status: Int, _ fields: [(String, String)]) -> EndpointResponse {
        let members = fields.map { JSONText.quoted($0.0) + ":" + JSONText.quoted($0.1) }
        return json(status, Array(("{" + members.joined(separator: ",") + "}").utf8))
    }

    /// `{"error": message, …fields}` with the given status.
    static func jsonError(_ status: Int, _ message: String, _ fields: [(String, String)] = []) -> EndpointResponse {
        jsonObject(status, [("error", message)] + fields)
    }

    /// What a request gets when the server's workers are gone (shutting down).
    static let unavailable = EndpointResponse.text(503, "shutting down")
}
