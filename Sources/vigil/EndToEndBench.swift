import ArgumentParser
import Foundation
import Logging
import Synchronization
import VigilCore
import VigilKafka
import VigilRuntime
import VigilTopology

struct EndToEndBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "e2e",
        abstract: "End to end through an in-process embedded cluster: catch-up throughput, the raw consume ceiling, and latency at a paced rate.")

    @Option(help: "The topology.") var topology: String = "topologies/card-velocity.yaml"
    @Option(help: "Transactions preloaded per run (mind the mock cluster's ~5 MiB per partition).") var events: Int = 300_000
    @Option(help: "Partitions of the input and feature topics.") var partitions: Int32 = 32
    @Option(help: "Stream threads.") var threads: Int = 1
    @Option(help: "Runs.") var runs: Int = 3
    @Flag(help: "Leave out the topology's scoring section (features only; no monitoring either).") var noScoring = false
    @Flag(help: "Leave out the topology's monitoring section (scoring without the monitor).") var noMonitoring = false
    @Option(help: "Paced rate for the latency phase, events/s (0 skips it).") var latencyRate: Int = 20_000
    @Option(help: "Seconds of the latency phase.") var latencySeconds: Int = 5
    @Option(help: "fetch.wait.max.ms of the consumers (the mock broker holds a fetch this long when it has no data, rather than answering when data arrives as a real broker does; every repartition hop would wait for it).")
    var fetchWaitMs: Int = 10

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let logger = try logging.makeLogger("vigil.bench", defaultLevel: .warning)
        var base = try loadTopologyOrExit(self.topology)
        if noScoring { base.scoring = nil }
        if noScoring || noMonitoring { base.monitoring = nil }
        let payloads = Self.generate(count: events)
        var rates: [Double] = [], ceilings: [Double] = []
        for run in 1...runs {
            let cluster = try EmbeddedKafka(brokers: 1, logger: logger)
            let topology = try Self.prepare(base, run: run, partitions: partitions, on: cluster)
            defer { try? FileManager.default.removeItem(atPath: topology.stateDirectory) }
            try Self.produce(payloads, topic: topology.source.topic, bootstrap: cluster.bootstrapServers, logger: logger)

            let ceiling = try Self.consumeCeiling(topology.source.topic, partitions: partitions, count: payloads.count, bootstrap: cluster.bootstrapServers, logger: logger)
            let runner = Runner(
                topology: topology,
                options: RuntimeOptions(
                    bootstrapServers: cluster.bootstrapServers, kafka: ["fetch.wait.max.ms": "\(fetchWaitMs)"],
                    threads: threads, stopWhenCaughtUp: true),
                logger: logger)
            let start = ContinuousClock.now
            try runner.run()
            let wall = Double(nanos(ContinuousClock.now - start)) / 1e9
            let seconds = Double(nanos(runner.counters.processingDuration)) / 1e9
            guard runner.counters.eventsIn == payloads.count else {
                throw ValidationError("processed \(runner.counters.eventsIn) of \(payloads.count): the mock cluster dropped data; use more partitions or fewer events")
            }
            let rate = Double(payloads.count) / seconds
            rates.append(rate)
            ceilings.append(ceiling)
            emitJSON([
                ("bench", "e2e_throughput"), ("run", run), ("events", payloads.count), ("events_per_s", rate),
                ("processing_s", seconds), ("wall_s_incl_group_join", wall),
                ("consume_only_events_per_s", ceiling), ("partitions", Int(partitions)), ("threads", threads),
                ("max_batch", 10_000), ("brokers", 1), ("features", topology.stages.reduce(0) { $0 + $1.features.count }), ("stages", topology.stages.count),
            ])
        }
        emitJSON([
            ("bench", "e2e_throughput"), ("summary", "median"), ("runs", runs), ("events_per_s", median(rates)),
            ("consume_only_events_per_s", median(ceilings)),
        ])
        if latencyRate > 0 { try latency(base, logger: logger) }
    }

    /// Events paced at `latencyRate`/s with `ts` = send time; latency = when the feature event is read − ts.
    func latency(_ base: Topology, logger: Logger) throws {
        let cluster = try EmbeddedKafka(brokers: 1, logger: logger)
        let topology = try Self.prepare(base, run: 0, partitions: partitions, on: cluster)
        defer { try? FileManager.default.removeItem(atPath: topology.stateDirectory) }
        let bootstrap = cluster.bootstrapServers
        let fetchWait = ["fetch.wait.max.ms": "\(fetchWaitMs)"]
        let runner = Runner(
            topology: topology, options: RuntimeOptions(bootstrapServers: bootstrap, kafka: fetchWait, threads: threads),
            logger: logger)
        let finished = DispatchSemaphore(value: 0)
        let runnerThread = Thread {
            try? runner.run()
            finished.signal()
        }
        runnerThread.start()
        // Produce only once the group has assigned every partition: the join itself is not latency.
        let joinDeadline = ContinuousClock.now + .seconds(60)
        while runner.assignment.count < Int(partitions) * topology.stages.count && ContinuousClock.now < joinDeadline {
            Thread.sleep(forTimeInterval: 0.05)
        }

        let total = latencyRate * latencySeconds
        let latencies = Mutex<[UInt64]>([])
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            defer { done.signal() }
            var config = KafkaConfig(bootstrapServers: bootstrap)
            config["group.id"] = "bench-latency-reader"
            for (k, v) in fetchWait { config[k] = v }
            config["auto.offset.reset"] = "earliest"
            guard let consumer = try? KafkaConsumer(config: config, logger: logger) else { return }
            defer { consumer.close() }
            var offsets: [TopicPartition: Int64] = [:]
            for p in 0..<self.partitions { offsets[TopicPartition(topology.sinks.features, p)] = KafkaOffset.beginning }
            try? consumer.assign(offsets)
            var seen = 0
            let deadline = ContinuousClock.now + .seconds(Int64(self.latencySeconds) + 60)
            while seen < total && ContinuousClock.now < deadline {
                guard let batch = try? consumer.poll(maxMessages: 10_000, timeout: .milliseconds(50)) else { continue }
                let now = Self.epochMillis()
                var local: [UInt64] = []
                for m in batch {
                    if let v = m.value, let ts = Self.timestamp(in: v) { local.append(UInt64(max(0, now - ts)) * 1_000_000) }
                }
                seen += batch.count
                latencies.withLock { $0.append(contentsOf: local) }
            }
        }
        reader.start()

        var config = KafkaConfig(bootstrapServers: bootstrap)
        config["partitioner"] = "murmur2_random"
        config["linger.ms"] = "1"
        let producer = try KafkaProducer(config: config, logger: logger)
        var generatorConfig = GeneratorConfig()
        generatorConfig.seed = 99
        generatorConfig.eventCount = total
        var generator = TransactionGenerator(generatorConfig)
        var buffer: [UInt8] = []
        let start = ContinuousClock.now
        var sent = 0
        while let (t0, _) = generator.next() {
            var t = t0
            t.timestamp = Self.epochMillis()
            buffer.removeAll(keepingCapacity: true)
            TransactionCodec.encode(t, into: &buffer)
            try producer.send(topic: topology.source.topic, key: Array(t.cardID.utf8), value: buffer)
            sent += 1
            if sent % 100 == 0 {
                let due = start + .nanoseconds(Int64(sent) * 1_000_000_000 / Int64(latencyRate))
                let now = ContinuousClock.now
                if due > now { Thread.sleep(forTimeInterval: Double(nanos(due - now)) / 1e9) }
                producer.poll()
            }
        }
        try producer.flush(timeout: .seconds(60))
        done.wait()
        runner.stop()
        finished.wait()
        let sorted = latencies.withLock { $0.sorted() }
        emitJSON([
            ("bench", "e2e_latency"), ("rate_per_s", latencyRate), ("seconds", latencySeconds), ("events", sorted.count),
            ("p50_ms", percentileMicros(sorted, 0.5) / 1_000), ("p99_ms", percentileMicros(sorted, 0.99) / 1_000),
            ("max_ms", percentileMicros(sorted, 1.0) / 1_000), ("partitions", Int(partitions)), ("fetch_wait_max_ms", fetchWaitMs),
            ("note", "from producer send (event ts) to the feature event read by a consumer; includes linger.ms=1 on both producers and the consumer poll"),
        ])
    }

    static func epochMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down))
    }

    /// The `"ts":` value of a feature event, without a JSON parser.
    static func timestamp(in bytes: [UInt8]) -> Int64? {
        let pattern = Array(",\"ts\":".utf8)
        guard bytes.count > pattern.count else { return nil }
        for i in 0..<(bytes.count - pattern.count) where bytes[i] == pattern[0] && Array(bytes[i..<(i + pattern.count)]) == pattern {
            var j = i + pattern.count
            var v: Int64 = 0
            while j < bytes.count, bytes[j] >= 48, bytes[j] <= 57 { v = v * 10 + Int64(bytes[j] - 48); j += 1 }
            return v
        }
        return nil
    }

    static func generate(count: Int) -> [(key: [UInt8], value: [UInt8])] {
        var config = GeneratorConfig()
        config.seed = 7
        config.eventCount = count
        var generator = TransactionGenerator(config)
        var result: [(key: [UInt8], value: [UInt8])] = []
        result.reserveCapacity(count)
        while let (t, _) = generator.next() {
            var buffer: [UInt8] = []
            TransactionCodec.encode(t, into: &buffer)
            result.append((Array(t.cardID.utf8), buffer))
        }
        return result
    }

    static func prepare(_ base: Topology, run: Int, partitions: Int32, on cluster: EmbeddedKafka) throws -> Topology {
        var t = base
        t.name = "\(base.name)-bench\(run)"
        t.source.topic = "bench\(run)-transactions"
        t.stages[0].inputTopic = t.source.topic
        t.source.partitions = partitions
        t.sinks.features = "bench\(run)-features"
        t.sinks.deadLetter = "bench\(run)-dlq"
        t.sinks.windows = "bench\(run)-windows"
        t.sinks.late = "bench\(run)-late"
        t.sinks.predictions = "bench\(run)-predictions"
        t.sinks.shadow = "bench\(run)-shadow"
        t.sinks.alerts = "bench\(run)-alerts"
        for i in t.stages.indices.dropFirst() { t.stages[i].inputTopic = "bench\(run)-\(t.stages[i].name)-repartition" }
        for (keyPath, suffix) in [(\Topology.Sinks.monitor, "monitor"), (\.drift, "drift"), (\.performance, "performance"),
                                  (\.triggers, "retrain"), (\.models, "models"), (\.audit, "audit")] {
            t.sinks[keyPath: keyPath] = "bench\(run)-\(suffix)"
        }
        t.monitoring?.labels?.topic = "bench\(run)-labels"
        t.stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-bench-\(UUID().uuidString)").path
        for (name, p) in t.topics { try cluster.createTopic(name, partitions: p) }
        if let labels = t.monitoring?.labels { try cluster.createTopic(labels.topic, partitions: partitions) }
        return t
    }

    static func produce(_ payloads: [(key: [UInt8], value: [UInt8])], topic: String, bootstrap: String, logger: Logger) throws {
        var config = KafkaConfig(bootstrapServers: bootstrap)
        config["partitioner"] = "murmur2_random"
        config["linger.ms"] = "20"
        config["batch.size"] = "1000000"
        let producer = try KafkaProducer(config: config, logger: logger)
        for p in payloads { try producer.send(topic: topic, key: p.key, value: p.value) }
        try producer.flush(timeout: .seconds(120))
    }

    /// How fast librdkafka alone consumes the same input from the same cluster (the ceiling beside our figure).
    static func consumeCeiling(_ topic: String, partitions: Int32, count: Int, bootstrap: String, logger: Logger) throws -> Double {
        var config = KafkaConfig(bootstrapServers: bootstrap)
        config["group.id"] = "bench-ceiling"
        let consumer = try KafkaConsumer(config: config, logger: logger)
        defer { consumer.close() }
        var offsets: [TopicPartition: Int64] = [:]
        for p in 0..<partitions { offsets[TopicPartition(topic, p)] = KafkaOffset.beginning }
        try consumer.assign(offsets)
        let start = ContinuousClock.now
        var seen = 0
        while seen < count {
            seen += try consumer.poll(maxMessages: 10_000, timeout: .milliseconds(100)).count
            if ContinuousClock.now - start > .seconds(120) { break }
        }
        return Double(seen) / (Double(nanos(ContinuousClock.now - start)) / 1e9)
    }
}
