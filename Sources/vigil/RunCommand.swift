import ArgumentParser
import Dispatch
import Foundation
import Logging
import Synchronization
import VigilConfig
import VigilCore
import VigilKafka
import VigilHTTP
import VigilRuntime
import VigilTopology

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a topology against Kafka, or on an in-process cluster with --embedded.",
        discussion: """
            Stops gracefully on SIGINT or SIGTERM: the current batch is delivered and committed with its state,
            the consumer group is left and the state stores are closed. Progress goes to standard error, the
            final summary to standard output.
            """)

    @Argument(help: "The topology file.")
    var topology: String

    @OptionGroup var kafka: KafkaOptions

    @Flag(help: "Start an in-process Kafka cluster (loopback only) and create the topology's topics.")
    var embedded = false

    @Option(help: "With --embedded: generate this many transactions into the input topic before running.")
    var generate: Int?

    @Option(help: "Seed of --generate.")
    var seed: UInt64 = 42

    @Option(help: "With --generate: also write this many malformed records (to see the dead-letter topic at work).")
    var malformed: Int = 0

    @Option(help: "Stream threads, each a consumer in the group (default 1).")
    var threads: Int?

    @Option(help: "Most records per poll batch, processed and committed together (default 10000).")
    var maxBatch: Int?

    @Option(help: "Milliseconds between commits of state, offsets and delivered outputs (default 100).")
    var commitIntervalMs: Int?

    @Option(help: "Override the topology's state_dir (with --embedded the default is a fresh temporary directory: the embedded cluster starts empty, so old state would not match it).")
    var stateDir: String?

    @Option(help: "MiB of memory for all state of this process: RocksDB's shared block cache and memtables, and the tasks' write-back caches (default 1024).")
    var stateMemoryMb: Int?

    @Flag(help: "Exit once every input partition is processed to its end.")
    var untilCaughtUp = false

    @Option(help: ArgumentHelp(
        "Serve /metrics, /healthz, /readyz, /model and /features/{stage}/{key} over HTTP on this address (docs/observability.md), e.g. 0.0.0.0:9400 or :9400.",
        valueName: "host:port"))
    var http: String?

    @Flag(help: "After the run, read the output topics back and print what they hold.")
    var summary = false

    @Option(help: ArgumentHelp(
        "A configuration file (docs/configuration.md; default: env VIGIL_CONFIG). Precedence: flag > environment > file > the topology's kafka: section > default.",
        valueName: "file"))
    var config: String?

    @Flag(help: "Print the effective configuration (YAML, each value's origin as a comment, secrets masked) and exit.")
    var printConfig = false

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if embedded && kafka.bootstrapServers != nil {
            throw ValidationError("give --bootstrap-servers or --embedded, not both")
        }
        if let generate, generate <= 0 { throw ValidationError("--generate must be positive") }
        if malformed < 0 || (malformed > 0 && generate == nil) {
            throw ValidationError("--malformed needs --generate and a count >= 0")
        }
        if generate != nil && !embedded {
            throw ValidationError("--generate needs --embedded (use `vigil generate` for another cluster)")
        }
    }

    /// The flags as a configuration layer (only those given).
    func flagLayer() throws(ConfigError) -> ConfigurationLayer {
        var layer = try ConfigurationLayer.kafkaFlags(kafka.properties)
        func set(_ key: ConfigKey, _ value: (any CustomStringConvertible)?) {
            layer.set(key, value.map(\.description), origin: .flag(key.flag))
        }
        set(.bootstrapServers, kafka.bootstrapServers)
        set(.threads, threads)
        set(.maxBatch, maxBatch)
        set(.commitIntervalMs, commitIntervalMs)
        set(.stateDir, stateDir)
        set(.stateMemoryMb, stateMemoryMb)
        set(.http, http)
        for (key, entry) in logging.layer.values { layer.values[key] = entry }
        return layer
    }

    /// The effective configuration: flags, environment, configuration file, topology, defaults (docs/configuration.md).
    /// Exits with status 2, naming every problem, when any layer holds a bad value.
    func resolveConfiguration(topology: Topology) throws -> (EffectiveConfiguration, header: [String], unknown: [String]) {
        let (environment, unknown) = ConfigurationLayer.environment(ProcessInfo.processInfo.environment)
        var header = ["vigil run \(self.topology): effective configuration",
                      "precedence: flag > environment > file > topology > default"]
        var file = ConfigurationLayer()
        let variable = ConfigurationLayer.configFileVariable
        if let path = config ?? ProcessInfo.processInfo.environment[variable].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                file = try ConfigurationLayer.load(file: path)
            } catch {
                printError(error.description)
                throw ExitCode(2)
            }
            header.append("configuration file: \(path) (\(config != nil ? "flag --config" : "environment \(variable)"))")
        } else {
            header.append("configuration file: none (--config or \(variable))")
        }
        let flags: ConfigurationLayer
        do {
            flags = try flagLayer()
        } catch {
            throw ValidationError(error.description)
        }
        var defaults = ConfigurationLayer()
        if embedded {
            // The mock broker holds a fetch for fetch.wait.max.ms even when data arrives meanwhile (a real broker
            // answers at once): with the default 500 ms every repartition hop would wait that long.
            defaults.setKafka("fetch.wait.max.ms", "10", origin: .defaultWith("--embedded"))
        }
        let topologyLayer = ConfigurationLayer.topology(
            file: topology.file, kafka: topology.kafka, stateDir: topology.stateDirectory)
        var effective = try resolveConfigurationOrExit([flags, environment, file, topologyLayer, defaults])
        if embedded {
            effective.bootstrapServers = nil
            effective.origins[.bootstrapServers] = .flag("--embedded")
            switch effective.origin(of: .stateDir) {
            case .topology, .default:
                effective.stateDir = nil
                effective.origins[.stateDir] = .defaultWith("--embedded (a fresh temporary directory)")
            default: break
            }
        } else if effective.bootstrapServers == nil {
            throw ValidationError(
                "give --bootstrap-servers (or bootstrap_servers in the configuration file, or VIGIL_BOOTSTRAP_SERVERS), or --embedded")
        }
        if let address = effective.http {
            do {
                _ = try ObservabilityServer.parseListenAddress(address)
            } catch {
                printError("\(effective.origin(of: .http).location): http: \(error)")
                throw ExitCode(2)
            }
        }
        return (effective, header, unknown)
    }

    func run() throws {
        let topology = try loadTopologyOrExit(self.topology)
        let (settings, header, unknown) = try resolveConfiguration(topology: topology)
        if printConfig {
            print(settings.yaml(header: header), terminator: "")
            return
        }
        let logger = LoggingBootstrap.logger("vigil.run", level: settings.logLevel, format: settings.logFormat)
        for variable in unknown {
            logger.warning("ignoring \(variable): not a setting (docs/configuration.md lists the VIGIL_ variables)")
        }
        var cluster: EmbeddedKafka?
        let bootstrap: String
        if embedded {
            let c = try EmbeddedKafka(brokers: 1, logger: logger)
            for (name, partitions) in topology.topics { try c.createTopic(name, partitions: partitions) }
            try c.createTopic("labels", partitions: topology.source.partitions)
            if let labels = topology.monitoring?.labels, labels.topic != "labels" {
                try c.createTopic(labels.topic, partitions: topology.source.partitions)
            }
            printError("embedded Kafka at \(c.bootstrapServers)")
            cluster = c
            bootstrap = c.bootstrapServers
        } else {
            bootstrap = settings.bootstrapServers!
        }
        // Every layer's librdkafka properties, the topology's included (the runtime applies the topology's first,
        // then these, so the effective value wins either way).
        let properties = settings.kafka
        if let count = generate {
            let report = try GeneratorRun.toKafka(
                count: count, seed: seed, bootstrapServers: bootstrap, topic: topology.source.topic,
                labelsTopic: "labels", properties: properties, logger: logger)
            printError("generated \(report.transactions) transactions (\(report.fraud) fraudulent) and \(report.labels) labels")
            if malformed > 0 {
                try GeneratorRun.malformedToKafka(
                    count: malformed, bootstrapServers: bootstrap, topic: topology.source.topic, properties: properties,
                    logger: logger)
                printError("wrote \(malformed) malformed records")
            }
            let extent = try TopicReader.extent(
                topic: topology.source.topic, bootstrapServers: bootstrap, properties: properties, logger: logger)
            let kept = extent.reduce(Int64(0)) { $0 + $1.high - $1.low }
            if kept < Int64(report.transactions + malformed) {
                printError("""
                    warning: the embedded cluster kept only \(kept) of the \(report.transactions) transactions: it keeps about \
                    5 MiB or 100k messages per partition and drops the oldest. Give the topology more partitions \
                    (source.partitions) or generate fewer events.
                    """)
            }
        }
        var options = RuntimeOptions(
            bootstrapServers: bootstrap, kafka: properties, threads: settings.threads, maxBatch: settings.maxBatch,
            commitInterval: .milliseconds(settings.commitIntervalMs), stopWhenCaughtUp: untilCaughtUp,
            stateDirectory: settings.stateDir, stateMemoryBytes: settings.stateMemoryMb << 20)
        var temporaryState: String?
        if embedded && settings.stateDir == nil {
            temporaryState = FileManager.default.temporaryDirectory
                .appendingPathComponent("vigil-embedded-\(UUID().uuidString)").path
            options.stateDirectory = temporaryState
        }
        defer { if let temporaryState { try? FileManager.default.removeItem(atPath: temporaryState) } }
        if settings.http != nil { options.queryable = true }
        let runner = Runner(topology: topology, options: options, logger: logger)
        var server: ObservabilityServer?
        if let http = settings.http {
            let (host, port) = try ObservabilityServer.parseListenAddress(http)
            server = try ObservabilityServer(host: host, port: port, source: RunObservability(runner: runner), logger: logger)
            printError("serving /metrics, /healthz, /readyz, /model and /features on \(host):\(server!.port)")
        }
        defer { try? server?.shutdown() }
        let signals = ShutdownSignals { runner.stop() }
        let progress = RunProgress(counters: runner.counters, untilCaughtUp: untilCaughtUp)
        progress.start()
        let started = ContinuousClock.now
        defer { withExtendedLifetime(signals) {} }
        do {
            try runner.run()
        } catch {
            progress.stop()
            printError("vigil run failed: \(error)")
            throw ExitCode(1)
        }
        progress.stop()
        let counters = runner.counters
        let elapsed = Self.seconds(ContinuousClock.now - started)
        let processing = Self.seconds(counters.processingDuration)
        var lines = """
            topology        \(runner.topology.name) (\(runner.topology.stages.map(\.name).joined(separator: " → ")))
            events in       \(counters.eventsIn)
            feature events  \(counters.featuresOut)
            """
        if runner.topology.stages.count > 1 { lines += "\nrepartitioned   \(counters.forwarded) (events passed to a next stage)" }
        if counters.windowsOut > 0 { lines += "\nwindow results  \(counters.windowsOut)" }
        lines += """

            dead-lettered   \(counters.deadLettered)
            late            \(counters.late)\(counters.late > 0 ? " (beyond the grace period: on \(runner.topology.sinks.late))" : "")
            elapsed         \(String(format: "%.2f", elapsed)) s (of which processing \(String(format: "%.2f", processing)) s; the rest is joining the group and idling)
            events/s        \(String(format: "%.0f", Double(counters.eventsIn) / max(processing, 1e-9))) while processing
            """
        if let models = runner.models {
            for stats in counters.predictions {
                let histogram = stats.bins.map { "\($0)" }.joined(separator: " ")
                lines += "\npredictions     \(stats.model) \(stats.role): \(stats.count), mean score \(String(format: "%.4f", stats.mean)), per 0.1 bin [\(histogram)]"
            }
            lines += "\nalerts          \(counters.alertsOut)"
            if models.swaps > 0 || models.rejections > 0 {
                lines += "\nmodel changes   \(models.swaps) swapped in, \(models.rejections) rejected"
            }
        }
        if runner.topology.monitoring != nil {
            let m = counters.monitor
            lines += "\nmonitor         \(m.predictions) predictions, \(m.labels) labels (\(m.labelsJoined) joined, \(m.labelsBeyondHorizon) beyond the horizon), \(m.driftEvents) drift events, \(m.performanceEvents) performance events, \(m.triggers) retrain triggers"
        }
        let fields = counters.fieldMissing
        let schema = runner.topology.source.schema
        let missing = fields.missing.enumerated().filter { $0.element > 0 && $0.offset < schema.fields.count }
        if fields.decoded > 0 && !missing.isEmpty {
            let parts = missing.map { i, n in
                "\(schema.fields[i].name) \(String(format: "%.1f", 100 * Double(n) / Double(fields.decoded)))%"
            }
            lines += "\nmissing values  " + parts.joined(separator: ", ")
        }
        print(lines)
        if counters.truncated > 0 {
            printError("warning: \(counters.truncated) input records were gone from the log (retention) before they were processed")
        }
        if counters.eventsIn == 0 {
            printError("warning: no events were processed: is \(runner.topology.source.topic) the right input topic, and does it hold data? (some clusters create a topic when it is first asked for)")
        }
        if summary || embedded {
            do {
                try OutputSummary.print(
                    topology: runner.topology, bootstrapServers: bootstrap, properties: properties,
                    labelsTopic: generate != nil ? "labels" : nil, logger: logger)
            } catch {
                printError("warning: could not read the output topics back for the summary: \(error)")
            }
        }
        withExtendedLifetime(cluster) {}
    }
}

extension RunCommand {
    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
