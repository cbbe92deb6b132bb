import Foundation
import Logging
import Synchronization
import VigilKafka
import VigilTopology

/// Reads a topology's models topic (`sinks.models`, one partition) from its beginning and applies each
/// model-control event to the registry, in every process that scores the topology (no consumer group: each
/// process needs every event). Each event applied, or refused, leaves an audit event naming this process.
///
/// `catchUp()` applies what the topic holds before the stream threads start, so a restart scores with the models
/// last put in force; `run()` then follows the topic until `stop()`.
final class ModelControlThread: @unchecked Sendable {
    let topology: Topology
    let registry: ModelRegistry
    let logger: Logger
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let partition: TopicPartition
    private let stopFlag = Atomic<Bool>(false)
    private let instance: String
    private(set) var applied = 0

    init(topology: Topology, options: RuntimeOptions, registry: ModelRegistry, logger: Logger) throws {
        self.topology = topology
        self.registry = registry
        self.logger = logger
        var config = KafkaConfig(bootstrapServers: options.bootstrapServers)
        for (k, v) in topology.kafka { config[k] = v }
        for (k, v) in options.kafka { config[k] = v }
        instance = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
        if config["client.id"] == nil { config["client.id"] = "\(topology.name)-models" }
        var consumerConfig = config
        consumerConfig["group.id"] = "\(topology.name)-models-\(UUID().uuidString)"  // never joined: assign only
        consumerConfig["enable.auto.commit"] = "false"
        consumer = try KafkaConsumer(config: consumerConfig, logger: logger)
        producer = try KafkaProducer(config: config, logger: logger)
        partition = TopicPartition(topology.sinks.models, 0)
        try consumer.assign([partition: KafkaOffset.beginning])
    }

    /// Applies every event the topic holds now.
    func catchUp() throws {
        let (_, high) = try consumer.watermarks(partition, timeout: .seconds(10))
        var next: Int64 = 0
        while next < high {
            let messages = try consumer.poll(maxMessages: 100, timeout: .milliseconds(200))
            for message in messages {
                try apply(message)
                next = message.offset + 1
            }
            if messages.isEmpty {
                let (low, _) = try consumer.watermarks(partition, timeout: .seconds(10))
                next = max(next, low)
            }
        }
        try producer.flush(timeout: .seconds(30))
    }

    func run() throws {
        while !stopFlag.load(ordering: .acquiring) {
            let messages = try consumer.poll(maxMessages: 100, timeout: .milliseconds(200))
            for message in messages { try apply(message) }
            if !messages.isEmpty { try producer.flush(timeout: .seconds(30)) }
        }
    }

    func stop() { stopFlag.store(true, ordering: .releasing) }

    private func apply(_ message: KafkaMessage) throws {
        var audit = MonitorJSON(type: "audit", topology: topology.name)
        do {
            let control = try ModelControl.decode(message.value ?? [])
            let change = try registry.apply(control)
            applied += 1
            audit.field("action", "model_\(control.action.rawValue)")
            audit.field("detail", "\(change)")
            audit.field("bundle", control.bundle)
            audit.field("reason", control.reason)
            audit.field("trigger_id", control.triggerID)
            let models = registry.current
            audit.field("champion", models.champion.identifier)
            audit.field("challenger", models.challenger?.identifier)
        } catch {
            logger.error("model control event at offset \(message.offset) refused: \(error)")
            audit.field("action", "model_control_refused")
            audit.field("detail", "\(error)")
        }
        audit.field("control_offset", message.offset)
        audit.field("instance", instance)
        try producer.send(topic: topology.sinks.audit, key: nil, value: audit.finish(), headers: [])
    }
}
