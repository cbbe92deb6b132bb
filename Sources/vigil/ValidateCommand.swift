import ArgumentParser
import Logging
import VigilCore
import VigilModel
import VigilRuntime
import VigilTopology

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a topology file (and its model bundles) without running it; errors name the file, line, column and field.")

    @Argument(help: "The topology file.")
    var topology: String

    @OptionGroup var logging: LoggingOptions

    func run() throws {
        let logger = try logging.makeLogger("vigil.validate")
        let t: Topology
        do {
            t = try TopologyLoader.load(path: topology)
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
        if t.scoring != nil {
            // The bundles must load and find every feature they need: skew is caught here, before any traffic.
            do {
                let models = try ModelRegistry(topology: t, logger: logger)
                print("\(topology): ok")
                print(TopologyLoader.summary(t))
                for (role, m) in [("champion", models.current.champion), ("challenger", models.current.challenger)] {
                    guard let m else { continue }
                    let manifest = m.bundle.manifest
                    print("  \(role) \(m.identifier): \(manifest.modelKind.rawValue), \(manifest.features.count) features, all computed by the topology; decision at \(manifest.thresholds.decision)")
                    let recallRule = t.monitoring?.retrain?.rules.contains {
                        if case .recallDrop = $0 { true } else { false }
                    } ?? false
                    if recallRule, manifest.validation?.recall == nil {
                        printError("warning: \(topology): monitoring.retrain recall_drop compares live recall with the bundle's validation.recall, and \(m.identifier) has none: the rule cannot fire for it")
                    }
                    let withBaseline = manifest.features.filter { manifest.featureBaselines[$0] != nil }.count
                    if t.monitoring != nil, withBaseline < manifest.features.count {
                        printError("warning: \(topology): \(manifest.features.count - withBaseline) of \(m.identifier)'s \(manifest.features.count) features have no baseline in its manifest: no drift statistics for them")
                    }
                }
            } catch {
                printError("\(topology): \(error)")
                throw ExitCode(2)
            }
            return
        }
        print("\(topology): ok")
        print(TopologyLoader.summary(t))
    }
}

/// Loads a topology or exits with status 2 after printing every problem.
func loadTopologyOrExit(_ path: String) throws -> Topology {
    do {
        return try TopologyLoader.load(path: path)
    } catch {
        printError(error.description)
        throw ExitCode(2)
    }
}
