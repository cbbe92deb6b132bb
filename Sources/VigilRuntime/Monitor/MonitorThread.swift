import Foundation
import Logging
import Synchronization
import VigilCore
import VigilKafka
import VigilState
import VigilTopology

/// Runs a topology's monitor (docs/monitoring.md) in its own consumer group, `<name>-monitor`:
/// - the labels topic's partitions, wherever the group puts them, are forwarded to the monitor topic as they come
///   (a malformed label goes to the dead-letter topic with the reason);
/// - the process that owns the monitor topic's one partition applies its records in order to the `Monitor`, whose
///   outputs (drift, performance, retrain triggers, audit) are delivered before its state and offset are committed
///   in one batch (invariant 3: at-least-once, identical on redelivery).
///
/// Everything runs on the thread that calls `run`, rebalance callbacks included; `stop()` and `finish()` may be
/// called from any thread (an atomic flag), hence `@unchecked Sendable`.
final class MonitorThread: RebalanceListener, @unchecked Sendable {
    let topology: Topology
    let monitoring: Topology.Monitoring
    let options: RuntimeOptions
    let models: ModelRegistry?
    let counters: RuntimeCounters
    let logger: Logger
    private let stopFlag: Atomic<Int>  // 0 run, 1 finish when caught up, 2 stop now

    private var consumer: KafkaConsumer?
    private var sink: ProducerSink?
    private var monitor: Monitor?
    private var monitorNext: Int64 = -1
    private var labelOffsets: [TopicPartition: Int64] = [:]
    private var uncommitted = 0
    private var callbackFailure: (any Error)?
    private var buffer: [UInt8] = []

    init(topology: Topology, options: RuntimeOptions, models: ModelRegistry?, counters: RuntimeCounters, logger: Logger) throws {
        guard let monitoring = topology.monitoring else {
            throw RuntimeError.startup("topology \(topology.name) has no monitoring section")
        }
        self.topology = topology
        self.monitoring = monitoring
        self.options = options
        self.models = models
        self.counters = counters
        var logger = logger
        logger[metadataKey: "thread"] = "monitor"
        self.logger = logger
        stopFlag = Atomic(0)
    }

    /// The consumer group of the monitor.
    static func group(_ topology: Topology) -> String { "\(topology.name)-monitor" }

    /// Stops after the current batch.
    func stop() { stopFlag.store(2, ordering: .releasing) }

    /// Stops once everything in the monitor and labels topics up to now is processed and committed.
    func finish() {
        _ = stopFlag.compareExchange(expected: 0, desired: 1, ordering: .acquiringAndReleasing)
    }

    func run() throws {
        let consumer = try KafkaConsumer(config: config(consumer: true), logger: logger)
        let producer = try KafkaProducer(config: config(consumer: false), logger: logger)
        sink = ProducerSink(producer: producer)
        self.consumer = consumer
        defer {
            consumer.close()
            closeMonitor()
            sink = nil
            self.consumer = nil
        }
        var topics = [topology.sinks.monitor]
        if let labels = monitoring.labels { topics.append(labels.topic) }
        try consumer.subscribe(topics: topics, listener: self)
        var lastCommit = ContinuousClock.now
        do {
            while stopFlag.load(ordering: .acquiring) < 2 {
                let messages = try consumer.poll(maxMessages: options.maxBatch, timeout: options.pollTimeout)
                if let failure = callbackFailure { throw failure }
                for message in messages { try process(message) }
                let now = ContinuousClock.now
                if uncommitted > 0,
                   messages.isEmpty || uncommitted >= options.maxUncommittedRecords || now - lastCommit >= options.commitInterval {
                    try commit()
                    lastCommit = now
                }
                if messages.isEmpty, stopFlag.load(ordering: .acquiring) == 1, try caughtUp() { break }
            }
            try commit()
        } catch {
            if callbackFailure == nil { callbackFailure = error }
            throw error
        }
    }

    private func process(_ message: KafkaMessage) throws {
        guard let sink else { return }
        let tp = TopicPartition(message.topic, message.partition)
        uncommitted += 1
        if message.topic == topology.sinks.monitor {
            guard let monitor, message.offset >= monitorNext else { return }
            if message.offset > monitorNext {
                // The log no longer holds them (retention; the embedded cluster keeps ~100k records per partition).
                logger.warning("monitor records \(monitorNext)..<\(message.offset) are gone from the log: skipped")
                counters.addTruncated(Int(message.offset - monitorNext))
            }
            try monitor.apply(message.value ?? []) { out in
                try sink.send(topic: out.topic, key: out.key, value: out.value, headers: [])
            }
            monitorNext = message.offset + 1
            return
        }
        labelOffsets[tp] = message.offset + 1
        do {
            let label = try LabelCodec.decode(message.value ?? [])
            MonitorRecord.encodeLabel(label, into: &buffer)
            try sink.send(topic: topology.sinks.monitor, key: Array("labels".utf8), value: buffer, headers: [])
        } catch {
            let source = SourceCoordinates(topic: message.topic, partition: message.partition, offset: message.offset)
            let headers = DeadLetter.headers(
                kind: "malformed_label", reason: "\(error)", source: source, topology: topology.name, stage: "monitor")
            try sink.send(topic: topology.sinks.deadLetter, key: message.key, value: message.value, headers: headers)
            counters.addMonitorDeadLetters(1)
        }
    }

    /// Delivers the outputs, then commits the monitor's state with its offset, then the group's offsets.
    private func commit() throws {
        guard uncommitted > 0, let sink, let consumer else { return }
        try sink.flush()
        var offsets = labelOffsets
        if let monitor, monitorNext >= 0 {
            try monitor.commit(offset: monitorNext)
            offsets[TopicPartition(topology.sinks.monitor, 0)] = monitorNext
            counters.setMonitor(monitor.counts)
            counters.setDriftPSI(monitor.takeLatestPSI())
        }
        uncommitted = 0
        do {
            try consumer.commit(offsets, async: false)
        } catch {
            // The monitor's offset that matters is in its store; the labels' are the group's: redelivered labels
            // are forwarded again, and the monitor ignores a label that changes nothing.
            logger.warning("offset commit to the monitor group failed", metadata: ["error": "\(error)"])
        }
    }

    private func caughtUp() throws -> Bool {
        guard let consumer else { return true }
        for tp in try consumer.assignment() {
            let (low, high) = try consumer.watermarks(tp, timeout: .seconds(10))
            let position = tp.topic == topology.sinks.monitor ? monitorNext : (labelOffsets[tp] ?? -1)
            if max(position, low) < high { return false }
        }
        return true
    }

    private func closeMonitor() {
        monitor = nil
        monitorNext = -1
    }

    // MARK: RebalanceListener

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for tp in partitions where tp.topic == topology.sinks.monitor && tp.partition == 0 {
            do {
                let path = Monitor.storePath(topology: topology)
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                let store = try openStore(path)
                let models = self.models
                let monitor = try Monitor(topology: topology, store: store) { name, version in
                    guard let current = models?.current else { return nil }
                    for loaded in [current.champion] + (current.challenger.map { [$0] } ?? [])
                    where loaded.name == name && loaded.version == version {
                        return Monitor.ModelInfo(bundle: loaded.bundle)
                    }
                    return nil
                }
                self.monitor = monitor
                monitorNext = monitor.committedOffset ?? 0
                offsets[tp] = monitor.committedOffset ?? KafkaOffset.beginning
                logger.info("monitor started", metadata: ["resume_at": "\(monitorNext)"])
            } catch {
                logger.error("cannot start the monitor: \(error)")
                callbackFailure = callbackFailure ?? error
            }
        }
        return offsets
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        if callbackFailure == nil {
            do { try commit() } catch {
                logger.error("could not commit the monitor before a rebalance; its next owner redoes the work: \(error)")
                callbackFailure = error
            }
        }
        for tp in partitions {
            if tp.topic == topology.sinks.monitor { closeMonitor() } else { labelOffsets[tp] = nil }
        }
    }

    private func openStore(_ path: String) throws -> Store {
        var attempt = 0
        while true {
            do {
                return try Store(path: path, options: options.state?.store ?? StateSettings.defaultStoreOptions)
            } catch {
                guard error.code == .busy, attempt < 50 else { throw error }
                attempt += 1
                Thread.sleep(forTimeInterval: 0.1)  // back-off while a previous owner closes the store
            }
        }
    }

    private func config(consumer: Bool) -> KafkaConfig {
        var config = KafkaConfig(bootstrapServers: options.bootstrapServers)
        for (k, v) in topology.kafka { config[k] = v }
        for (k, v) in options.kafka { config[k] = v }
        if config["client.id"] == nil { config["client.id"] = "\(topology.name)-monitor" }
        if consumer {
            config["group.id"] = Self.group(topology)
            if config["auto.offset.reset"] == nil { config["auto.offset.reset"] = "earliest" }
            config["enable.auto.commit"] = "false"
        } else if config["linger.ms"] == nil {
            config["linger.ms"] = "5"
        }
        return config
    }
}
