import ArgumentParser
import VigilKafka
import VigilTopology
import Foundation

struct DevBrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Start a local Kafka cluster (librdkafka's mock cluster, loopback only) until Ctrl-C.",
        discussion: """
            Prints the bootstrap servers on the first line of standard output, then creates the topics of each
            topology given, plus any --topic. The cluster keeps data in memory only, at most about 5 MiB or 100k
            messages per partition (older messages are dropped beyond that).
            """)

    @Option(help: "Number of brokers.")
    var brokers: Int = 1

    @Option(name: .customLong("topology"), help: "Create this topology's topics (repeatable).")
    var topologies: [String] = []

    @Option(name: .customLong("topic"), help: "Create a topic, as name or name:partitions (repeatable).")
    var topics: [String] = []

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 16") }
    }

    func run() throws {
        let logger = try logging.makeLogger("vigil.dev-broker")
        var wanted: [(String, Int32)] = []
        for path in topologies {
            let topology = try loadTopologyOrExit(path)
            wanted += topology.topics.map { ($0.name, $0.partitions) }
            wanted.append(("labels", topology.source.partitions))
            if let labels = topology.monitoring?.labels { wanted.append((labels.topic, topology.source.partitions)) }
        }
        for spec in topics {
            let parts = spec.split(separator: ":")
            guard parts.count <= 2, let name = parts.first, !name.isEmpty,
                  let partitions = parts.count == 2 ? Int32(parts[1]) : 1, partitions > 0
            else { throw ValidationError("--topic expects name or name:partitions, got \"\(spec)\"") }
            wanted.append((String(name), partitions))
        }
        let cluster = try EmbeddedKafka(brokers: brokers, logger: logger)
        print(cluster.bootstrapServers)
        fflush(nil)
        var created = Set<String>()
        for (name, partitions) in wanted where created.insert(name).inserted {
            try cluster.createTopic(name, partitions: partitions)
            printError("created topic \(name) (\(partitions) partitions)")
        }
        printError("dev broker up at \(cluster.bootstrapServers) with \(brokers) broker(s); Ctrl-C to stop")
        ShutdownSignals.waitForSignal()
        withExtendedLifetime(cluster) {}
        printError("dev broker stopped")
    }
}
