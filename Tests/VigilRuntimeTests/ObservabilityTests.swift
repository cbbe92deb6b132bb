import Foundation
import Testing
import VigilCore
import VigilHTTP
import VigilKafka
import VigilRuntime
import VigilTopology
#if canImport(Glibc)
import Glibc
#endif

/// `vigil run --http` on the embedded cluster: /metrics counts what the runner processed, /readyz turns ready only
/// once the assigned partitions are caught up, /model names the models in force.
@Suite("Observability endpoint of a run")
struct ObservabilityTests {
    /// GET over a plain socket (HTTP/1.1, Connection: close): the status code and the body.
    static func get(_ port: Int, _ path: String) throws -> (status: Int, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            response += buffer[..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        let status = Int(text.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    /// The value of an unlabelled sample, or the sum over a labelled family.
    static func total(_ metrics: String, _ name: String) -> Double {
        metrics.split(separator: "\n").filter { $0.hasPrefix(name + " ") || $0.hasPrefix(name + "{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    @Test("/metrics counts every processed event per partition, /readyz turns ready once caught up, /model names the champion")
    func scrapeDuringRun() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ScoringClusterTests.champion.write(to: "\(dir)/champion")
        let topology = try ScoringSupport.topology(stateDirectory: dir, scoring: "model: \(dir)/champion\nreload: 0s")
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        var options = RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, maxBatch: 200)
        options.queryable = true
        let runner = Runner(topology: topology, options: options, logger: Support.logger)
        let server = try ObservabilityServer(
            host: "127.0.0.1", port: 0, source: RunObservability(runner: runner), logger: Support.logger)
        defer { try? server.shutdown() }
        let port = server.port

        // Before the group assigns anything: alive, not ready.
        #expect(try Self.get(port, "/healthz").status == 200)
        let early = try Self.get(port, "/readyz")
        #expect(early.status == 503 && early.body.contains("no input partition"))

        let txs = Support.transactions(count: 2_000, seed: 12, cards: 80)
        try await Support.onThread {
            try Support.produce(txs.map { (Array($0.cardID.utf8), Support.encode($0)) }, topic: topology.source.topic, bootstrap: bootstrap)
        }
        let running = Task.detached { try await Support.onThread { try runner.run() } }
        try await Support.waitUntil("all events processed") { runner.counters.eventsIn == 2_000 }
        try await Support.waitUntil("ready") { (try? Self.get(port, "/readyz").status) == 200 }

        // Lags are measured every second from the fetch responses: wait until they show the end.
        try await Support.waitUntil("lag 0") { (try? Self.total(Self.get(port, "/metrics").body, "vigil_consumer_lag")) == 0 }
        let metrics = try Self.get(port, "/metrics")
        #expect(metrics.status == 200)
        #expect(Self.total(metrics.body, "vigil_events_in_total") == 2_000)
        #expect(metrics.body.contains("vigil_events_in_total{topic=\"\(topology.source.topic)\",partition=\"0\"}"))
        #expect(Self.total(metrics.body, "vigil_predictions_total") == 2_000)
        #expect(Self.total(metrics.body, "vigil_score_count") == 2_000)
        #expect(Self.total(metrics.body, "vigil_ready") == 1)
        #expect(Self.total(metrics.body, "vigil_assigned_partitions") == Double(topology.source.partitions))
        #expect(Self.total(metrics.body, "vigil_consumer_lag") == 0)
        #expect(Self.total(metrics.body, "vigil_processing_latency_seconds_count") > 0)
        #expect(Self.total(metrics.body, "vigil_state_bytes") > 0, "the stores hold the cards' state")
        #expect(metrics.body.contains("vigil_state_bytes{store=\"\(topology.source.topic)-0\"}"))
        #expect(metrics.body.contains("vigil_model_info{role=\"champion\",model=\"test-model\",version=\"1\"} 1"))
        // Every sample's family is in the catalogue the deployment files are checked against.
        for line in metrics.body.split(separator: "\n") where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            #expect(VigilMetrics.metric(exposingSeries: name) != nil, "\(name) is catalogued")
        }
        let model = try Self.get(port, "/model")
        #expect(model.status == 200 && model.body.contains("\"champion\":\"test-model@1\""))
        #expect(try Self.get(port, "/features/nope/c1").status == 404)
        #expect(try Self.get(port, "/features/card/no-such-card").status == 404)
        runner.stop()
        try await running.value
    }

    @Test("/features/{stage}/{key} returns the values of the key's latest feature event, from local state")
    func featuresOfTheLatestEvent() async throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: Support.logger)
        let dir = try Support.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let topology = try Support.topology(stateDirectory: dir)
        try Support.createTopics(topology, on: cluster)
        let bootstrap = cluster.bootstrapServers
        var options = RuntimeOptions(bootstrapServers: bootstrap, kafka: Support.fastGroup, maxBatch: 300)
        options.queryable = true
        let runner = Runner(topology: topology, options: options, logger: Support.logger)
        let server = try ObservabilityServer(
            host: "127.0.0.1", port: 0, source: RunObservability(runner: runner), logger: Support.logger)
        defer { try? server.shutdown() }
        let txs = Support.transactions(count: 1_500, seed: 31, cards: 40)
        try await Support.onThread {
            try Support.produce(txs.map { (Array($0.cardID.utf8), Support.encode($0)) }, topic: topology.source.topic, bootstrap: bootstrap)
        }
        let running = Task.detached { try await Support.onThread { try runner.run() } }
        try await Support.waitUntil("all events processed") { runner.counters.eventsIn == 1_500 }
        let features = try await Support.onThread { try Support.readAll(topology.sinks.features, bootstrap: bootstrap) }
        // The latest feature event of each card (a card's events are in one partition, in order).
        var latest: [String: [String: Any]] = [:]
        for record in features {
            let o = try ScoringSupport.object(record.value)
            let card = try #require((o["keys"] as? [String: Any])?["card"] as? String)
            latest[card] = o
        }
        #expect(latest.count == Set(txs.map(\.cardID)).count)
        for (card, event) in latest.sorted(by: { $0.key < $1.key }).prefix(10) {
            let answer = try Self.get(server.port, "/features/card/\(card)")
            #expect(answer.status == 200)
            let o = try ScoringSupport.object(Array(answer.body.utf8))
            #expect(o["ts"] as? Int64 == event["ts"] as? Int64)
            let got = try #require(o["features"] as? [String: Any])
            let want = try #require(event["features"] as? [String: Any])
            #expect(Set(got.keys) == Set(want.keys))
            for (name, value) in want {
                #expect((got[name] as? NSNumber)?.doubleValue == (value as? NSNumber)?.doubleValue, "\(card) \(name)")
            }
        }
        #expect(try Self.get(server.port, "/features/card/no-such-card").status == 404)
        runner.stop()
        try await running.value
    }
}
