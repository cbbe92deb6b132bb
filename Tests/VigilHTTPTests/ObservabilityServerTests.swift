import Logging
import Synchronization
import Testing
import VigilHTTP

/// Runs `body` against a real server on 127.0.0.1 and an ephemeral port, then shuts it down.
/// The default idle timeout is long on purpose: the whole suite shares two cores and Swift's two cooperative
/// threads with CPU-heavy tests (the fuzzers), so a client task may wait many seconds between connecting and writing;
/// the server must not close the connection meanwhile (the idle test sets its own short timeout).
func withServer<T>(
    _ source: FakeSource, idleTimeout: Duration = .seconds(600), _ body: (Int) async throws -> T
) async throws -> T {
    let server = try ObservabilityServer(
        host: "127.0.0.1", port: 0, source: source, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
        idleTimeout: idleTimeout)
    do {
        let result = try await body(server.port)
        try server.shutdown()
        return result
    } catch {
        try? server.shutdown()
        throw error
    }
}

@Suite("Observability server")
struct ObservabilityServerTests {
    @Test func metricsServesTheExpositionWithItsContentType() async throws {
        let source = FakeSource { $0.samples = PrometheusExpositionTests.samples }
        try await withServer(source) { port in
            let response = try await HTTPTestClient.request(port: port, "/metrics")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let expected = PrometheusExposition.render(
                PrometheusExpositionTests.samples
                    + [MetricSample(name: "fake_scrapes_total", help: "Calls of metrics().", value: .counter(1))])
            #expect(response.body == expected)
            #expect(response.text.contains(#"vigil_score_bucket{model="fraud-demo",version="2",role="shadow",le="+Inf"} 4"#))
        }
    }

    @Test func healthzAndReadyzFollowTheSource() async throws {
        let source = FakeSource { $0.notReady = "restoring 3 of 8 partitions" }
        try await withServer(source) { port in
            var health = try await HTTPTestClient.request(port: port, "/healthz")
            #expect(health.status == 200 && health.text == "ok\n")
            var ready = try await HTTPTestClient.request(port: port, "/readyz")
            #expect(ready.status == 503 && ready.text == "restoring 3 of 8 partitions\n")

            source.update {
                $0.notReady = nil
                $0.unhealthy = "stream thread 0 failed: broker down"
            }
            health = try await HTTPTestClient.request(port: port, "/healthz")
            #expect(health.status == 503 && health.text == "stream thread 0 failed: broker down\n")
            ready = try await HTTPTestClient.request(port: port, "/readyz")
            #expect(ready.status == 200 && ready.text == "ok\n")
        }
    }

    @Test func modelServesTheSourcesJSON() async throws {
        let source = FakeSource()
        try await withServer(source) { port in
            let response = try await HTTPTestClient.request(port: port, "/model")
            #expect(response.status == 200)
            #expect(response.header("Content-Type") == "application/json")
            #expect(response.body == source.models())
        }
    }

    @Test func featuresAnswerFoundElsewhereUnknownStageAndNotFound() async throws {
        let json = Array(#"{"card_txn_count_1h":3,"card_amount_sum_1h":120.5}"#.utf8)
        let source = FakeSource {
            $0.features = ["card": ["c-1": .found(json: json), "c-2": .elsewhere(instance: "vigil-2.vigil:9400")]]
        }
        try await withServer(source) { port in
            let found = try await HTTPTestClient.request(port: port, "/features/card/c-1")
            #expect(found.status == 200)
            #expect(found.header("Content-Type") == "application/json")
            #expect(found.body == json)

            let elsewhere = try await HTTPTestClient.request(port: port, "/features/card/c-2?pretty")
            #expect(elsewhere.status == 307)
            #expect(elsewhere.header("Location") == "http://vigil-2.vigil:9400/features/card/c-2")

            let unknownStage = try await HTTPTestClient.request(port: port, "/features/nope/c-1")
            #expect(unknownStage.status == 404)
            #expect(unknownStage.text == #"{"error":"unknown stage","stage":"nope"}"#)

            let notFound = try await HTTPTestClient.request(port: port, "/features/card/c-9")
            #expect(notFound.status == 404)
            #expect(notFound.header("Content-Type") == "application/json")
            #expect(notFound.text == #"{"error":"key not found","stage":"card","key":"c-9"}"#)
        }
    }

    @Test func featuresPercentDecodeStageAndKey() async throws {
        let source = FakeSource { $0.features = ["card": ["a b/ü+%": .found(json: Array("{}".utf8))]] }
        try await withServer(source) { port in
            let response = try await HTTPTestClient.request(port: port, "/features/c%61rd/a%20b%2F%C3%BC+%25")
            #expect(response.status == 200)
            // A redirect keeps the key encoded as the client sent it.
            source.update { $0.features["card"]?["x/y"] = .elsewhere(instance: "other:9400") }
            let redirect = try await HTTPTestClient.request(port: port, "/features/card/x%2Fy")
            #expect(redirect.header("Location") == "http://other:9400/features/card/x%2Fy")
            // A literal slash after the stage belongs to the key.
            _ = try await HTTPTestClient.request(port: port, "/features/card/x/y")
            let asked = source.state.withLock { $0.asked }
            #expect(asked.map(\.0) == ["card", "card", "card"])
            #expect(asked.map(\.1) == ["a b/ü+%", "x/y", "x/y"])

            for bad in ["/features/card/%zz", "/features/card/%C3", "/features/card/%4"] {
                let response = try await HTTPTestClient.request(port: port, bad)
                #expect(response.status == 400, "\(bad)")
                #expect(response.text.hasPrefix(#"{"error":"#), "\(bad)")
            }
            #expect(source.state.withLock { $0.asked.count } == 3, "malformed keys never reach the source")
        }
    }

    @Test(arguments: ["/", "/metrics/", "/metricsx", "/features", "/features/", "/features/card", "/features/card/", "/features//k", "/healthz/x"])
    func unknownPathsAre404(path: String) async throws {
        try await withServer(FakeSource()) { port in
            let response = try await HTTPTestClient.request(port: port, path)
            #expect(response.status == 404)
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
    func otherMethodsAre405(method: String) async throws {
        try await withServer(FakeSource()) { port in
            let bytes = try await HTTPTestClient.exchange(
                port: port, "\(method) /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            let head = String(decoding: bytes, as: UTF8.self)
            #expect(head.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n"))
            #expect(head.contains("\r\nAllow: GET\r\n"))
        }
    }

    @Test func aMalformedRequestGets400AndTheServerGoesOn() async throws {
        try await withServer(FakeSource()) { port in
            let bytes = try await HTTPTestClient.exchange(port: port, "THIS IS NOT HTTP\r\n\r\n")
            #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            // Much garbage: the server answers 400 and closes with bytes unread, so the client may see a reset
            // instead of the answer. Either way the server goes on.
            let garbage = try await HTTPTestClient.exchange(
                port: port, String(repeating: "\u{0}\u{7f}\r\n", count: 1000), toleratingReset: true)
            #expect(garbage.isEmpty || String(decoding: garbage, as: UTF8.self).hasPrefix("HTTP/1.1 400"))
            let health = try await HTTPTestClient.request(port: port, "/healthz")
            #expect(health.status == 200)
        }
    }

    @Test func keepAliveAnswersPipelinedRequestsInOrder() async throws {
        let source = FakeSource { $0.notReady = nil }
        try await withServer(source) { port in
            let bytes = try await HTTPTestClient.exchange(
                port: port,
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let responses = try HTTPTestClient.parse(bytes)
            #expect(responses.map(\.status) == [200, 404, 200])
            #expect(responses.map { $0.header("Connection") } == ["keep-alive", "keep-alive", "close"])
        }
    }

    @Test func idleConnectionsAreClosed() async throws {
        // 3 s: short enough for the test, long enough that a loaded CI machine sends its request before the
        // server gives up on the connection (200 ms was not).
        try await withServer(FakeSource(), idleTimeout: .seconds(3)) { port in
            // Nothing sent: the server closes the connection (exchange throws if it has not within its deadline).
            let nothing = try await HTTPTestClient.exchange(port: port, "")
            #expect(nothing.isEmpty)
            // A keep-alive request is answered, then the idle connection is closed.
            let bytes = try await HTTPTestClient.exchange(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            let responses = try HTTPTestClient.parse(bytes)
            #expect(responses.map(\.status) == [200])
        }
    }

    @Test func concurrentScrapesEachGetACompleteExposition() async throws {
        let source = FakeSource { $0.samples = PrometheusExpositionTests.samples }
        let scrapes = 24
        try await withServer(source) { port in
            let bodies = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                for _ in 0..<scrapes { group.addTask { try await HTTPTestClient.request(port: port, "/metrics") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(bodies.count == scrapes)
            let fixed = PrometheusExposition.render(PrometheusExpositionTests.samples)
            var calls = Set<String>()
            for response in bodies {
                #expect(response.status == 200)
                #expect(response.body.starts(with: fixed))
                let last = response.text.split(separator: "\n").last.map(String.init) ?? ""
                #expect(last.hasPrefix("fake_scrapes_total "))
                calls.insert(last)
            }
            // Each scrape called the source once: every body carries a different call number.
            #expect(calls.count == scrapes)
            let callCount = source.metricsCalls.load(ordering: .relaxed)
            #expect(callCount == scrapes)
        }
    }

    @Test func aSlowSourceCallDoesNotBlockProbes() async throws {
        let source = FakeSource {
            $0.features = ["slow": ["k": .found(json: Array("{}".utf8))]]
            $0.blockingStage = "slow"
        }
        try await withServer(source) { port in
            async let slow = HTTPTestClient.request(port: port, "/features/slow/k")
            // Wait (bounded) until the slow call is inside the source, then probe.
            // (A generous bound: the whole suite shares two cores; polling sleeps so the request's task can run.)
            let deadline = ContinuousClock.now + .seconds(120)
            while !source.blocked.load(ordering: .sequentiallyConsistent) {
                try #require(ContinuousClock.now < deadline, "the slow request never reached the source")
                try await Task.sleep(for: .milliseconds(5))
            }
            let health = try await HTTPTestClient.request(port: port, "/healthz")
            #expect(health.status == 200)
            // The probe was answered while the slow call still blocks a worker.
            let stillBlocked = source.blocked.load(ordering: .sequentiallyConsistent)
            #expect(stillBlocked)
            source.release.signal()
            #expect(try await slow.status == 200)
        }
    }

    @Test func bindingAPortInUseFailsWithBindFailed() async throws {
        try await withServer(FakeSource()) { port in
            let error = #expect(throws: ObservabilityError.self) {
                _ = try ObservabilityServer(
                    host: "127.0.0.1", port: port, source: FakeSource(),
                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            }
            #expect(error?.code == .bindFailed)
        }
        #expect(throws: ObservabilityError.self) {
            _ = try ObservabilityServer(
                host: "127.0.0.1", port: 70_000, source: FakeSource(),
                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
    }

    @Test func shutdownClosesTheListenerAndIsIdempotent() async throws {
        let server = try ObservabilityServer(
            host: "127.0.0.1", port: 0, source: FakeSource(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), idleTimeout: .seconds(600))
        let port = server.port
        #expect(port > 0)
        #expect(try await HTTPTestClient.request(port: port, "/healthz").status == 200)
        try server.shutdown()
        try server.shutdown()
        await #expect(throws: (any Error).self) { try await HTTPTestClient.request(port: port, "/healthz") }
    }
}

@Suite("Listen address")
struct ListenAddressTests {
    @Test(arguments: [
        ("0.0.0.0:9400", "0.0.0.0", 9400), ("127.0.0.1:0", "127.0.0.1", 0), (":9400", "0.0.0.0", 9400),
        ("localhost:80", "localhost", 80), ("[::]:9400", "::", 9400), ("[::1]:1", "::1", 1),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let address = try ObservabilityServer.parseListenAddress(text)
        #expect(address.host == host && address.port == port)
    }

    @Test(arguments: ["9400", "host:", "host:x", "host:65536", "host:-1", "::1:9400", "[::1]9400", "[::1:9400"])
    func rejects(text: String) {
        let error = #expect(throws: ObservabilityError.self) { try ObservabilityServer.parseListenAddress(text) }
        #expect(error?.code == .invalidAddress)
    }

    @Test func listensOnIPv6LoopbackWhenAvailable() async throws {
        // Not every machine has ::1; where binding it fails, the error is the documented one.
        do {
            let server = try ObservabilityServer(
                host: "::1", port: 0, source: FakeSource(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            #expect(server.port > 0)
            try server.shutdown()
        } catch let error as ObservabilityError {
            #expect(error.code == .bindFailed)
        }
    }
}
