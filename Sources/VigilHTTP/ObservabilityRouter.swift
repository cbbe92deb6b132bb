/// Maps a request to its response by asking the source: the endpoint's routes, without any networking.
///
/// Thread-safe (immutable; the source is thread-safe). Runs on the server's worker threads.
struct ObservabilityRouter: Sendable {
    let source: any ObservabilitySource

    /// The response to `method` on `uri` (the request target as sent: path, optionally `?query`).
    func respond(method: String, uri: String) -> EndpointResponse {
        guard method == "GET" else {
            var response = EndpointResponse.text(405, "method not allowed")
            response.headers.append(.init(name: "Allow", value: "GET"))
            return response
        }
        let path = uri.prefix { $0 != "?" && $0 != "#" }
        switch path {
        case "/metrics":
            return EndpointResponse(
                status: 200, contentType: PrometheusExposition.contentType,
                body: PrometheusExposition.render(source.metrics()))
        case "/healthz":
            return probe(source.unhealthyReason())
        case "/readyz":
            return probe(source.notReadyReason())
        case "/model":
            return .json(200, source.models())
        case _ where path.hasPrefix("/features/"):
            return features(path: path.dropFirst("/features/".count))
        default:
            return .text(404, "not found")
        }
    }

    private func probe(_ reason: String?) -> EndpointResponse {
        guard let reason else { return .text(200, "ok") }
        return .text(503, reason.isEmpty ? "not ok" : reason)
    }

    /// `rest` is `{stage}/{key}`, still percent-encoded; the key is everything after the first `/`.
    private func features(path rest: Substring) -> EndpointResponse {
        guard let slash = rest.firstIndex(of: "/") else {
            return .jsonError(404, "expected /features/{stage}/{key}")
        }
        let rawStage = rest[..<slash]
        let rawKey = rest[rest.index(after: slash)...]
        guard !rawStage.isEmpty, !rawKey.isEmpty else {
            return .jsonError(404, "expected /features/{stage}/{key}")
        }
        guard let stage = PercentDecoding.decode(rawStage), let key = PercentDecoding.decode(rawKey) else {
            return .jsonError(400, "malformed percent-encoding or not UTF-8")
        }
        switch source.features(stage: stage, key: key) {
        case .found(let json):
            return .json(200, json)
        case .elsewhere(let instance):
            // The path as the client sent it (still encoded), so the other instance decodes the same key.
            let host = instance.filter { $0 != "\r" && $0 != "\n" }
            let location = "http://\(host)/features/\(rawStage)/\(rawKey)"
            var response = EndpointResponse.jsonObject(307, [("instance", host), ("location", location)])
            response.headers.append(.init(name: "Location", value: location))
            return response
        case .unknownStage:
            return .jsonError(404, "unknown stage", [("stage", stage)])
        case .notFound:
            return .jsonError(404, "key not found", [("stage", stage), ("key", key)])
        }
    }
}
