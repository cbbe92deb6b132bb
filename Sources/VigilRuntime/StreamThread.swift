import Foundation
import Logging
import VigilKafka
import VigilState
import VigilTopology

/// One stream thread's loop: poll a batch → process it in the partitions' tasks → every `commitInterval` (or when
/// idle, stopping or revoked): deliver the outputs → commit each task's state with its offset in one WriteBatch →
/// tell Kafka the offsets (for lag monitoring).
///
/// Everything here runs on the one OS thread that calls `run`, rebalance callbacks included (librdkafka calls them
/// from inside `poll`), so tasks need no locks. A revoked task is committed (after the outputs are delivered) and
/// closed inside the callback, so its partition's next owner resumes exactly where this one stopped.
final class StreamThread: RebalanceListener {
    let index: Int
    let topology: Topology
    let options: RuntimeOptions
    let coordinator: RunCoordinator
    let logger: Logger

    private var tasks: [TopicPartition: PartitionTask] = [:]
    private var sink: ProducerSink?
    /// The consumer, while `run` is running (the rebalance callback checks stored offsets against the log).
    private var consumer: KafkaConsumer?
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
        sink = ProducerSink(producer: producer)
        self.consumer = consumer
        defer {
            consumer.close()  // revokes: commits and closes every task
            closeAllTasks()
            sink = nil
            self.consumer = nil
        }
        try consumer.subscribe(topics: topology.stages.map(\.inputTopic), listener: self)
        do {
            var lastCommit = ContinuousClock.now
            var lastProgressCheck = ContinuousClock.now
            var uncommitted = 0
            var lastIdleCheck = ContinuousClock.now
            var lastLagCheck = ContinuousClock.now
            while !coordinator.shouldStop {
                // Held-back records wait for other partitions or threads: look again soon rather than idling.
                let messages = try consumer.poll(
                    maxMessages: options.maxBatch, timeout: heldBack ? .milliseconds(2) : options.pollTimeout)
                if let failure = callbackFailure { throw failure }
                if !messages.isEmpty {
                    coordinator.markBusy(thread: index)
                    coordinator.counters.batchStarted(at: .now)
                    if firstPollSinceCommit == nil { firstPollSinceCommit = .now }
                }
                // Also with nothing new: records held back for alignment may be free to go now.
                uncommitted += try process(messages)
                let now = ContinuousClock.now
                if topology.idleTimeoutMillis != nil, now - lastIdleCheck >= .milliseconds(100), let sink {
                    lastIdleCheck = now
                    for task in tasks.values where try task.advanceIfIdle(now: now, sink: sink) { uncommitted += 1 }
                }
                if uncommitted > 0,
                   messages.isEmpty || uncommitted >= options.maxUncommittedRecords || now - lastCommit >= options.commitInterval {
                    try commit(consumer)
                    uncommitted = 0
                    lastCommit = now
                }
                if now - lastLagCheck >= .seconds(1) {
                    lastLagCheck = now
                    try publishLags(consumer)
                }
                if messages.isEmpty, options.stopWhenCaughtUp, now - lastProgressCheck > .milliseconds(50) {
                    lastProgressCheck = now
                    try reportProgress(consumer)
                }
            }
            try commit(consumer)
        } catch {
            // Whatever failed, uncommitted work is suspect: the revoke in `close()` must roll it back, not commit it.
            if callbackFailure == nil { callbackFailure = error }
            throw error
        }
    }

    /// Queues each record in its partition's task (records of partitions this thread no longer owns are left to
    /// their new owner), then applies what may be applied now (`drain`). Returns how many records were applied.
    private func process(_ messages: [KafkaMessage]) throws -> Int {
        var current: PartitionTask?
        for message in messages {
            if current?.partition.partition != message.partition || current?.partition.topic != message.topic {
                current = tasks[TopicPartition(message.topic, message.partition)]
            }
            current?.enqueue(message)
        }
        let applied = try drain()
        try adjustPauses()
        return applied
    }

    /// How long a source partition that is behind (the log has records we have not received) may hold back the
    /// others before they go on without it.
    static let alignmentWait: Duration = .seconds(10)
    /// Queued records above which a partition's fetching is paused, and below which it resumes.
    static let pauseAbove = 50_000
    static let resumeBelow = 10_000

    private var waitingSince: [TopicPartition: ContinuousClock.Instant] = [:]
    /// Whether the last `drain` left records queued because their stage was held back.
    private var heldBack = false
    private var paused: Set<TopicPartition> = []

    /// Applies queued records in event-time order across this thread's partitions (docs/decisions/0003): the
    /// earliest head first, and a record only if it is at most `grace / 2` past the progress of every partition of
    /// its stage that still has records on their way (here, and in the other stream threads of the process). The
    /// tasks of a stage thus move through event time together, even when catching up on a long backlog, so the
    /// repartition topics they write interleave in near time order and the next stage sees few late events.
    private func drain() throws -> Int {
        guard let sink else { return 0 }
        let slack = max(topology.graceMillis / 2, 1)
        // Only stages that feed a next stage are paced: the last stage's order affects nobody's lateness.
        let paced = topology.stages.count - 1
        var applied = 0
        heldBack = false
        rounds: while true {
            // What holds each stage back: its partitions here that are behind with nothing queued, and the other
            // threads' progress. (Queued heads need no limit: the earliest is always taken first.)
            let (own, waiting) = try frontiers()
            coordinator.publishFrontiers(thread: index, own)
            let others = coordinator.frontiers(excluding: index)
            let limits = zip(waiting, others).map { min($0, $1) }
            while true {
                // The earliest head among the records that may go: a paced stage's record waits while it is more
                // than `slack` past its stage's limit.
                var best: PartitionTask?
                var bestTime = Int64.max
                for task in tasks.values {
                    guard let head = task.headTime, best == nil || head < bestTime else { continue }
                    let limit = limits[task.stageIndex]
                    if task.stageIndex < paced, head != .min, limit < .max - slack, head > limit + slack {
                        heldBack = true
                        continue
                    }
                    best = task
                    bestTime = head
                }
                guard let task = best else { break rounds }
                try task.processHead(sink: sink)
                applied += 1
                // A partition that just ran dry may now hold its stage back: look again.
                if task.pendingCount == 0 { continue rounds }
            }
        }
        coordinator.publishFrontiers(thread: index, try frontiers().own)
        return applied
    }

    private func publishFrontiersNow() {
        if let own = try? frontiers().own { coordinator.publishFrontiers(thread: index, own) }
    }

    /// Per stage: `own`, the event time this thread's partitions of the stage have reached (the earliest queued
    /// record, or the stream time of a partition that is behind with nothing queued); and `waiting`, the lowest
    /// stream time among its partitions that are behind with nothing queued (each waited for at most
    /// `alignmentWait`). Int64.max where nothing holds the stage back.
    private func frontiers() throws -> (own: [Int64], waiting: [Int64]) {
        var own = Array(repeating: Int64.max, count: topology.stages.count)
        var waiting = own
        guard let consumer else { return (own, waiting) }
        let now = ContinuousClock.now
        for task in tasks.values {
            let s = task.stageIndex
            if let head = task.headTime {
                waitingSince[task.partition] = nil
                own[s] = min(own[s], head)
                continue
            }
            var behind = true
            if let (low, high) = try consumer.cachedWatermarks(task.partition) {
                let position = task.nextOffset >= 0 ? task.nextOffset : low
                behind = position < high
            }
            guard behind else {
                waitingSince[task.partition] = nil
                continue
            }
            let since = waitingSince[task.partition] ?? now
            waitingSince[task.partition] = since
            if now - since < Self.alignmentWait {
                own[s] = min(own[s], task.streamTime)
                waiting[s] = min(waiting[s], task.streamTime)
            }
        }
        return (own, waiting)
    }

    /// Pauses fetching for partitions with many queued records, and resumes them once they drain.
    private func adjustPauses() throws {
        guard let consumer else { return }
        var pause: [TopicPartition] = [], resume: [TopicPartition] = []
        for (tp, task) in tasks {
            if task.pendingCount > Self.pauseAbove, !paused.contains(tp) { pause.append(tp) }
            if task.pendingCount < Self.resumeBelow, paused.contains(tp) { resume.append(tp) }
        }
        if !pause.isEmpty {
            try consumer.pause(pause)
            paused.formUnion(pause)
        }
        if !resume.isEmpty {
            try consumer.resume(resume)
            paused.subtract(resume)
        }
    }

    /// Delivers every output sent so far, then commits each task's state with its offset (one WriteBatch per task),
    /// then tells the group the offsets (for lag monitoring only).
    private func commit(_ consumer: KafkaConsumer) throws {
        let pending = tasks.values.filter(\.hasUncommittedWork)
        guard !pending.isEmpty, let sink else { return }
        let started = ContinuousClock.now
        try sink.flush()
        var counts = BatchCounts()
        var offsets: [TopicPartition: Int64] = [:]
        for task in pending {
            let taskCounts = try task.commit()
            coordinator.counters.addEvents(taskCounts.eventsIn, partition: task.partition)
            counts += taskCounts
            offsets[task.partition] = task.nextOffset
        }
        let finished = ContinuousClock.now
        coordinator.counters.recordBatch(
            latency: finished - (firstPollSinceCommit ?? started), commit: finished - started)
        firstPollSinceCommit = nil
        coordinator.counters.add(counts)
        coordinator.counters.addCommits(offsets.count)
        coordinator.counters.batchCommitted(at: .now)
        if counts.forwarded > 0 { coordinator.forwarded() }
        logger.trace("committed", metadata: ["records": "\(counts.eventsIn)", "tasks": "\(offsets.count)"])
        do {
            try consumer.commit(offsets, async: true)
        } catch {
            // The offsets that matter are in the state stores; the group's are for lag monitoring only.
            logger.debug("offset commit to the group failed", metadata: ["error": "\(error)"])
        }
    }

    /// When the first records polled since the last commit arrived (the start of a batch's latency).
    private var firstPollSinceCommit: ContinuousClock.Instant?

    /// Each partition's lag (log end minus position) from the fetch responses' watermarks, for metrics and
    /// readiness.
    private func publishLags(_ consumer: KafkaConsumer) throws {
        for task in tasks.values {
            guard let (low, high) = try consumer.cachedWatermarks(task.partition) else { continue }
            let position = task.nextOffset < 0 ? low : max(task.nextOffset, low)
            coordinator.counters.setProgress(position: position, high: high, partition: task.partition)
        }
    }

    // MARK: RebalanceListener

    func partitionsAssigned(_ partitions: [TopicPartition]) -> [TopicPartition: Int64] {
        var offsets: [TopicPartition: Int64] = [:]
        let inputs = Set(topology.stages.map(\.inputTopic))
        for tp in partitions where inputs.contains(tp.topic) {
            do {
                let task = try openTask(tp)
                tasks[tp] = task
                coordinator.registerStore(task.store.store, for: tp)
                offsets[tp] = try resumeOffset(of: task)
                logger.debug("partition assigned", metadata: [
                    "partition": "\(tp)", "resume_at": "\(task.committedOffset.map(String.init) ?? "beginning")",
                ])
            } catch {
                logger.error("cannot start \(tp): \(error)")
                callbackFailure = callbackFailure ?? error
            }
        }
        logger.info("partitions assigned", metadata: [
            "partitions": "\(partitions.map(\.description).sorted())",
            "with_state": "\(offsets.values.filter { $0 >= 0 }.count)",
        ])
        coordinator.setAssigned(thread: index, partitions: Array(tasks.keys))
        coordinator.counters.partitionsAssigned(partitions.filter { tasks[$0] != nil })
        // Tell the other threads at once where these partitions stand: until this thread publishes, they
        // would take its stages as holding nothing back and run ahead of partitions it has just taken over.
        publishFrontiersNow()
        return offsets
    }

    func partitionsRevoked(_ partitions: [TopicPartition]) {
        // Work processed since the last commit is delivered and committed before the partitions go: their next
        // owner resumes exactly where this thread stopped. If that fails, it is rolled back and redone there.
        let revoked = partitions.compactMap { tasks[$0] }.filter(\.hasUncommittedWork)
        if !revoked.isEmpty, callbackFailure == nil, let sink {
            do {
                try sink.flush()
                var counts = BatchCounts()
                for task in revoked { counts += try task.commit() }
                coordinator.counters.add(counts)
                if counts.forwarded > 0 { coordinator.forwarded() }
                coordinator.counters.addCommits(revoked.count)
            } catch {
                logger.error("could not commit revoked partitions; their new owner reprocesses them: \(error)")
                callbackFailure = error
            }
        }
        let pausedRevoked = partitions.filter { paused.contains($0) }
        if !pausedRevoked.isEmpty {
            try? consumer?.resume(pausedRevoked)  // a partition must not come back paused
            paused.subtract(pausedRevoked)
        }
        for tp in partitions {
            waitingSince[tp] = nil
            guard let task = tasks.removeValue(forKey: tp) else { continue }
            coordinator.registerStore(nil, for: tp)
            task.dropQueue()
            if task.hasUncommittedWork { try? task.rollback() }  // closed next: nothing to keep
            task.close()
            logger.debug("partition revoked", metadata: ["partition": "\(tp)", "committed_to": "\(task.nextOffset)"])
        }
        coordinator.counters.partitionsRevoked(partitions)
        logger.info("partitions revoked", metadata: ["partitions": "\(partitions.map(\.description).sorted())"])
        coordinator.setAssigned(thread: index, partitions: Array(tasks.keys))
        // Tell the other threads at once where these partitions stand: until this thread publishes, they
        // would take its stages as holding nothing back and run ahead of partitions it has just taken over.
        publishFrontiersNow()
    }

    /// Opens a task's store, waiting a little if another thread of this process still holds it (a hand-over).
    private func openTask(_ tp: TopicPartition) throws -> PartitionTask {
        var attempt = 0
        while true {
            do {
                return try PartitionTask(
                    topology: topology, partition: tp, settings: options.state ?? StateSettings(), models: options.models)
            } catch let error as StateError where error.code == .busy && attempt < 50 {
                attempt += 1
                Thread.sleep(forTimeInterval: 0.1)  // back-off while the previous owner closes the store
            }
        }
    }

    /// Where a task resumes: its stored offset, checked against the partition's log. State from another log (a
    /// recreated topic, another cluster) is refused; records the log no longer holds are counted and reported.
    private func resumeOffset(of task: PartitionTask) throws -> Int64 {
        guard let stored = task.committedOffset else { return KafkaOffset.beginning }
        guard let consumer else { return stored }
        let (low, high) = try consumer.watermarks(task.partition, timeout: .seconds(10))
        if stored > high {
            throw RuntimeError.stateAheadOfLog(
                path: PartitionTask.storePath(topology: topology, partition: task.partition), stored: stored, high: high)
        }
        if stored < low {
            logger.warning("the log no longer holds records \(stored)..<\(low) of \(task.partition) (retention?): they are skipped")
            coordinator.counters.addTruncated(Int(low - stored))
            task.skip(to: low)
            return low
        }
        return stored
    }

    private func closeAllTasks() {
        for task in tasks.values {
            coordinator.registerStore(nil, for: task.partition)
            if task.hasUncommittedWork { try? task.rollback() }  // closed next: nothing to keep
            task.close()
        }
        coordinator.counters.partitionsRevoked(Array(tasks.keys))
        tasks.removeAll()
        coordinator.setAssigned(thread: index, partitions: [])
        coordinator.publishFrontiers(thread: index, Array(repeating: .max, count: topology.stages.count))  // nobody waits for a stopped thread
    }

    // MARK: Progress

    private func reportProgress(_ consumer: KafkaConsumer) throws {
        let epoch = coordinator.epoch
        var caughtUp = true
        for task in tasks.values {
            // Watermarks from fetch responses first: asking the broker would queue behind the fetch long-poll.
            guard let (low, high) = try consumer.cachedWatermarks(task.partition) else {
                caughtUp = false
                break
            }
            let position = task.nextOffset < 0 ? low : task.nextOffset
            if position < high {
                caughtUp = false
                break
            }
        }
        if caughtUp && topology.stages.count > 1 {
            // Repartition topics fill up while we are idle: confirm against the broker's current ends.
            for task in tasks.values {
                let (low, high) = try consumer.watermarks(task.partition, timeout: .seconds(10))
                let position = task.nextOffset < 0 ? low : task.nextOffset
                if position < high {
                    caughtUp = false
                    break
                }
            }
        }
        coordinator.reportIdle(thread: index, caughtUp: caughtUp, epoch: epoch)
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
