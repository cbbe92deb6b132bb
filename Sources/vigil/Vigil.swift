import ArgumentParser

/// The `vigil` command line: a thin layer over the runtime.
@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Real-time fraud features on Kafka, with state in RocksDB.",
        version: VigilVersion.current,
        subcommands: [RunCommand.self, DevBrokerCommand.self, GenerateCommand.self, ValidateCommand.self, BackfillCommand.self, ReplayCommand.self, BenchCommand.self, AlertsCommand.self, TopicCommand.self, ModelsCommand.self])
}

enum VigilVersion {
    static let current = "0.1.0"
}
