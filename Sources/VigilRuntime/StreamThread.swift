import Logging
import VigilKafka
import VigilTopology

/// One stream thread's loop: poll a batch → process it in the partitions' tasks → deliver the outputs → commit each
/// task's state with its offset in one WriteBatch → tell Kafka the offsets (for lag monitoring).
///
/// Everything here runs on the one OS thread that calls `run`, rebalance callbacks included (librdkafka calls them
/// from inside `poll`), so tasks need no locks. Revocation happens between batches, when every processed record is
/// already committed, so a revoked task only has to close.
final class StreamThread: RebalanceListener {
    let index: Int
    let topology: Topology
    let options: RuntimeOptions
    let coordinator: RunCoordinator
    let logger: Logger

    private var tasks: [Int32: PartitionTask] = [:]
    private var callbackFailure: (any Error)?

    init(index: Int, topology: Topology, options: RuntimeOptions, coordinator: RunCoordinator, logger: Logger) {
        self.index = index
        self.topology = topology
        self.options = options
        self.coordinator = coordinator
        var logger = logger
        logger[metadataKey: "thread"] = "\(index)"
        self.logger = logger
    }

    /// Runs until the coordinator says stop or an error occurs; always leaves the group and closes the tasks.
    func run() throws {
        let consumer = try KafkaConsumer(config: consumerConfig(), logger: logger)
        let producer = try KafkaProducer(config: producerConfig(), logger: logger)
        let sink = ProducerSink(producer: producer)
        defer {
            consumer.close()  // revokes: closes every task
            closeAllTasks()
        }
        try consumer.subscribe(topics: [topology.source.topic], listener: self)
        var idleChecks = ContinuousClock.now
        while !coordinator.shouldStop {
            let messages = try consumer.poll(maxMessages: options.maxBatch, timeout: options.pollTimeout)
            if let failure = callbackFailure { throw failure }
            if messages.isEmpty {
                if options.stopWhenCaughtUp, ContinuousClock.now - idleChecks > .milliseconds(50) {
                    idleChecks = .now
                    try reportProgress(consumer)
                }
                continue
            }
            coordinator.markBusy(thread: index)
            coordinator.counters.batchStarted(at: .now)
            var current: PartitionTask?
            for message in messages {
                if current?.partition.partition != message.partition {
                    current = tasks[message.partition]
                }
                // A record of a partition this thread no longer owns: its new owner processes it.
                guard let task = current else { continue }
                try task.process(message, sink: sink)
            }
            try sink.flush()
            var counts = BatchCounts()
            var offsets: [TopicPartition: Int64] = [:]
            for task in tasks.values where task.hasUncommittedWork {
                counts += try task.commit()
                offsets[task.partition] = task.nextOffset
            }
            coordinator.counters.add(counts)
            coordinator.counters.addCommits(offsets.count)
            coordinator.counters.batchCommitted(at: .now)
            logger.trace("batch committed", metadata: ["records": "\(messages.count)", "tasks": "\(offsets.count)"])
            do {
                try consumer.commit(offsets, async: true)
            } catch {
                // The offsets that matter are in the state stores; the group's are for lag monitoring only.
                logger.debug("offset commit to the group failed", metadata: ["error": "\(error)"])
            }
        }
        try sink.flush()
    }

    // MARK: RebalanceListener

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        for tp in partitions where tp.topic == topology.source.topic {
            do {
                let task = try PartitionTask(topology: topology, partition: tp, settings: options.state)
                tasks[tp.partition] = task
                offsets[tp] = task.committedOffset ?? KafkaOffset.beginning
                logger.debug("partition assigned", metadata: [
                    "partition": "\(tp)", "resume_at": "\(task.committedOffset.map(String.init) ?? "beginning")",
                ])
            } catch {
                logger.error("cannot open the state of \(tp): \(error)")
                callbackFailure = callbackFailure ?? error
            }
        }
        logger.info("partitions assigned", metadata: [
            "partitions": "\(partitions.map(\.partition).sorted())",
            "with_state": "\(offsets.values.filter { $0 >= 0 }.count)",
        ])
        coordinator.setAssigned(thread: index, partitions: Array(tasks.keys))
        return offsets
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        for tp in partitions {
            guard let task = tasks.removeValue(forKey: tp.partition) else { continue }
            if task.hasUncommittedWork { task.rollback() }
            task.close()
            logger.debug("partition revoked", metadata: ["partition": "\(tp)", "committed_to": "\(task.nextOffset)"])
        }
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.partition).sorted())"])
        coordinator.setAssigned(thread: index, partitions: Array(tasks.keys))
    }

    private func closeAllTasks() {
        for task in tasks.values {
            if task.hasUncommittedWork { task.rollback() }
            task.close()
        }
        tasks.removeAll()
        coordinator.setAssigned(thread: index, partitions: [])
    }

    // MARK: Progress

    private func reportProgress(_ consumer: KafkaConsumer) throws {
        var caughtUp = true
        for task in tasks.values {
            // Watermarks from fetch responses: asking the broker would queue behind the fetch long-poll.
            guard let (low, high) = try consumer.cachedWatermarks(task.partition) else {
                caughtUp = false
                continue
            }
            let position = task.nextOffset < 0 ? low : task.nextOffset
            if position < high { caughtUp = false }
        }
        coordinator.reportIdle(thread: index, caughtUp: caughtUp)
    }

    // MARK: Configuration

    private func common() -> KafkaConfig {
        var config = KafkaConfig(bootstrapServers: options.bootstrapServers)
        for (k, v) in topology.kafka { config[k] = v }
        for (k, v) in options.kafka { config[k] = v }
        if config["client.id"] == nil { config["client.id"] = "\(topology.name)-\(index)" }
        return config
    }

    private func consumerConfig() -> KafkaConfig {
        var config = common()
        config["group.id"] = topology.name
        if config["auto.offset.reset"] == nil { config["auto.offset.reset"] = "earliest" }
        return config
    }

    private func producerConfig() -> KafkaConfig {
        var config = common()
        if config["linger.ms"] == nil { config["linger.ms"] = "5" }
        // murmur2 like the Java client, so every client puts a key in the same partition.
        if config["partitioner"] == nil { config["partitioner"] = "murmur2_random" }
        return config
    }
}
