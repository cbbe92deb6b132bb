import ArgumentParser
import VigilTopology
import VigilCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a topology file without running it; errors name the file, line, column and field.")

    @Argument(help: "The topology file.")
    var topology: String

    func run() throws {
        do {
            let t = try TopologyLoader.load(path: topology)
            print("\(topology): ok")
            print(TopologyLoader.summary(t))
        } catch {
            printError(error.description)
            throw ExitCode(2)
        }
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
