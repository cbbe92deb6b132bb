public import Logging
public import VigilTopology
import Foundation
import Synchronization
public import VigilKafka
public import VigilCore
import VigilState

/// Runs a topology: starts the stream threads, stops them on request (or once caught up), and reports how it went.
///
/// Thread-safe: `stop()` may be called from any thread, e.g. a signal handler's queue.
public final class Runner: Sendable {
    public let topology: Topology
    public let options: RuntimeOptions
    public let counters = RuntimeCounters()
    let logger: Logger
    /// The models in use, once `run()` has loaded them (nil for a topology without scoring).
    public var models: ModelRegistry? { state.withLock { $0.models } }
    private let state = Mutex<RunState>(RunState())

    private struct RunState {
        var coordinator: RunCoordinator?
        var failures: [String] = []
        var stopRequested = false
        var models: ModelRegistry?
    }

    public init(topology: Topology, options: RuntimeOptions, logger: Logger) {
        var topology = topology
        if let dir = options.stateDirectory { topology.stateDirectory = dir }
        self.topology = topology
        self.options = options
        self.logger = logger
    }

    /// Runs until `stop()` is called (or, with `stopWhenCaughtUp`, until the input is processed to its end), then
    /// drains: the last batch is delivered and committed, the group is left and the stores are closed.
    /// Throws the first error of any stream thread.
    public func run() throws {
        guard topology.guarantee == .atLeastOnce else {
            throw RuntimeError.startup(
                "\(topology.file): guarantee \(topology.guarantee.rawValue) is not available in this release; use at_least_once (outputs are identical on redelivery, so consumers can de-duplicate on event_id)")
        }
        for (origin, properties) in [("the topology's kafka section", topology.kafka), ("-X", options.kafka)]
        where properties["group.id"] != nil {
            throw RuntimeError.startup(
                "group.id is set in \(origin): the consumer group is the topology's name (\(topology.name)); rename the topology instead")
        }
        let partitions = try inputPartitionCount()
        var effective = self.options
        if effective.state == nil {
            effective.state = try StateSettings.bounded(memoryBytes: effective.stateMemoryBytes, tasks: partitions)
        }
        if effective.queryable { effective.state?.queryable = true }
        var watcher: ModelWatcher?
        if topology.scoring != nil, effective.models == nil {
            let registry = try ModelRegistry(topology: topology, logger: logger)
            effective.models = registry
            if registry.scoring.reloadMillis > 0 { watcher = ModelWatcher(registry: registry) }
        }
        defer { watcher?.stop() }
        if let models = effective.models {
            state.withLock { $0.models = models }
            let current = models.current
            logger.info("scoring", metadata: [
                "champion": "\(current.champion.identifier)",
                "challenger": "\(current.challenger?.identifier ?? "none")",
                "canary": "\(models.scoring.canaryFraction.map { "\($0)" } ?? "off")",
            ])
        }
        let options = effective
        // Model-control events (promotions) first, so the stream threads start with the models in force.
        var control: ModelControlThread?
        let controlGroup = DispatchGroup()
        if topology.monitoring != nil, let models = options.models {
            let thread = try ModelControlThread(topology: topology, options: options, registry: models, logger: logger)
            try thread.catchUp()
            control = thread
            controlGroup.enter()
            let t = Thread { [self] in
                defer { controlGroup.leave() }
                do { try thread.run() } catch {
                    logger.error("model control failed: \(error)")
                    self.state.withLock { $0.failures.append("model control: \(error)") }
                    self.stop()
                }
            }
            t.name = "vigil-models"
            t.start()
        }
        defer {
            control?.stop()
            controlGroup.wait()
        }
        let coordinator = RunCoordinator(
            counters: counters, threads: options.threads, inputPartitions: partitions,
            stages: topology.stages.count, stopWhenCaughtUp: options.stopWhenCaughtUp)
        let group = DispatchGroup()
        let alreadyStopped = state.withLock { s -> Bool in
            s.coordinator = coordinator
            return s.stopRequested
        }
        if alreadyStopped { coordinator.requestStop() }
        logger.info("starting", metadata: [
            "topology": "\(topology.name)", "inputs": "\(topology.stages.map(\.inputTopic).joined(separator: ","))", "partitions": "\(partitions)",
            "threads": "\(options.threads)", "state_dir": "\(topology.stateDirectory)",
        ])
        // The monitor runs beside the stream threads, in its own consumer group (docs/monitoring.md).
        var monitorThread: MonitorThread?
        let monitorGroup = DispatchGroup()
        if topology.monitoring != nil {
            let monitor = try MonitorThread(
                topology: topology, options: options, models: options.models, counters: counters, logger: logger)
            monitorThread = monitor
            monitorGroup.enter()
            let thread = Thread { [self] in
                defer { monitorGroup.leave() }
                do {
                    try monitor.run()
                } catch {
                    logger.error("monitor failed: \(error)")
                    self.state.withLock { $0.failures.append("monitor: \(error)") }
                    coordinator.requestStop()
                }
            }
            thread.name = "vigil-monitor"
            thread.stackSize = 8 << 20
            thread.start()
        }
        for index in 0..<options.threads {
            group.enter()
            let topology = self.topology, logger = self.logger
            let thread = Thread { [self] in
                defer { group.leave() }
                let stream = StreamThread(
                    index: index, topology: topology, options: options, coordinator: coordinator, logger: logger)
                do {
                    try stream.run()
                } catch {
                    logger.error("stream thread \(index) failed: \(error)")
                    self.state.withLock { $0.failures.append("stream thread \(index): \(error)") }
                    coordinator.requestStop()
                }
            }
            thread.name = "vigil-stream-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        if let monitorThread {
            // Caught up: the monitor processes what the stream threads sent it, then stops. Stopped: at once.
            let interrupted = state.withLock { $0.stopRequested || !$0.failures.isEmpty }
            if options.stopWhenCaughtUp && !interrupted { monitorThread.finish() } else { monitorThread.stop() }
            monitorGroup.wait()
        }
        let failures = state.withLock { $0.failures }
        if !failures.isEmpty { throw RuntimeError.startup(failures.joined(separator: "; ")) }
    }

    /// The first failure of a stream, monitor or model-control thread, while the run is going down (nil while
    /// healthy).
    public var failureDescription: String? {
        state.withLock { $0.failures.first }
    }

    /// What `latestFeatures` found.
    public enum FeatureLookup: Sendable {
        /// The key's latest per-event features in the stage (as of the last commit), at the event time of its
        /// latest event.
        case found(timestamp: Int64, features: [(name: String, value: FeatureValue)])
        case unknownStage
        /// Not in this process's partitions of the stage; `complete` says whether it holds all of them (then the
        /// key has no event in the stage's state).
        case notFound(complete: Bool)
        /// The run keeps no latest values (`RuntimeOptions.queryable` is off).
        case notQueryable
    }

    /// A key's latest per-event features in a stage, from the local state of its partition (Kafka Streams'
    /// interactive queries): every open store of the stage is asked (a point read each), so the answer does not
    /// depend on how the producer partitioned the source. Thread-safe.
    public func latestFeatures(stage: String, key: String) -> FeatureLookup {
        guard let index = topology.stages.firstIndex(where: { $0.name == stage }) else { return .unknownStage }
        guard options.queryable else { return .notQueryable }
        let stageTopic = topology.stages[index].inputTopic
        let coordinator = state.withLock { $0.coordinator }
        let stores = coordinator?.stores(of: stageTopic) ?? [:]
        let storeKey = [PartitionStore.latestPrefix] + Array(key.utf8)
        for (_, store) in stores.sorted(by: { $0.key.partition < $1.key.partition }) {
            guard let bytes = try? store.get(storeKey), let (timestamp, values) = LatestValues.decode(bytes) else {
                continue
            }
            let names = StageProcessor.perEventNames(topology.stages[index])
            guard names.count == values.count else { continue }
            return .found(timestamp: timestamp, features: Array(zip(names, values)).map { ($0.0, $0.1) })
        }
        let total = (try? inputPartitionCounts())?[stageTopic]
        return .notFound(complete: total.map { stores.count >= $0 } ?? false)
    }

    /// The open task stores, per input partition (for metrics).
    func openStores() -> [TopicPartition: Store] {
        guard let coordinator = state.withLock({ $0.coordinator }) else { return [:] }
        var all: [TopicPartition: Store] = [:]
        for stage in topology.stages { all.merge(coordinator.stores(of: stage.inputTopic)) { a, _ in a } }
        return all
    }

    /// The input partitions (source and repartition topics) this runner's threads own at the moment (empty before
    /// the group assigns any).
    public var assignment: [TopicPartition] {
        state.withLock { $0.coordinator }?.assignment ?? []
    }

    /// Asks every stream thread to finish its current batch, commit it and stop.
    public func stop() {
        let coordinator = state.withLock { s -> RunCoordinator? in
            s.stopRequested = true
            return s.coordinator
        }
        coordinator?.requestStop()
    }

    /// Partitions per input topic, as found at start.
    private let partitionCounts = Mutex<[String: Int]>([:])

    private func inputPartitionCounts() throws -> [String: Int] { partitionCounts.withLock { $0 } }

    /// Partitions of every input topic (the source and the repartition topics), which must exist.
    private func inputPartitionCount() throws -> Int {
        var config = KafkaConfig(bootstrapServers: options.bootstrapServers)
        for (k, v) in topology.kafka { config[k] = v }
        for (k, v) in options.kafka { config[k] = v }
        let admin = try KafkaAdmin(config: config, logger: logger)
        var total = 0
        for topic in topology.stages.map(\.inputTopic) {
            do {
                let n = Int(try admin.partitionCount(topic: topic, timeout: .seconds(10)))
                partitionCounts.withLock { $0[topic] = n }
                total += n
            } catch let error as KafkaError where error.code == .unknownTopic {
                throw RuntimeError.inputTopicMissing(topic: topic)
            }
        }
        if let monitoring = topology.monitoring {
            // The monitor reads one partition in order: a monitor topic with more would split its windows.
            var checks = [(topology.sinks.monitor, "sinks.monitor", Int32?.some(1)), (topology.sinks.models, "sinks.models", Int32?.some(1))]
            if let labels = monitoring.labels { checks.append((labels.topic, "monitoring.labels.topic", nil)) }
            for (topic, field, wanted) in checks {
                let count: Int32
                do {
                    count = try admin.partitionCount(topic: topic, timeout: .seconds(10))
                } catch let error as KafkaError where error.code == .unknownTopic {
                    throw RuntimeError.startup(
                        "\(topology.file): \(field): topic \(topic) does not exist; create it\(wanted.map { " with \($0) partition" } ?? "") (docs/monitoring.md)")
                }
                if let wanted, count != wanted {
                    throw RuntimeError.startup(
                        "\(topology.file): \(field): topic \(topic) has \(count) partitions; the monitor needs exactly \(wanted) (docs/monitoring.md)")
                }
            }
        }
        return total
    }
}
