import Foundation
import Logging
import Testing
@testable import VigilConfig

@Suite struct ConfigurationFileTests {
    @Test("A file sets every setting, the log section and kafka properties, each with its line")
    func parsesEverySetting() throws {
        let yaml = """
            # vigil.yaml
            bootstrap_servers: broker-1:9092,broker-2:9092
            threads: 4
            max_batch: 5000
            commit_interval_ms: 250
            state_dir: /var/lib/vigil
            state_memory_mb: 2048
            http: ":9400"
            log:
              level: debug
              format: json
            kafka:
              security.protocol: SASL_SSL
              linger.ms: 5
              enable.idempotence: true
            """
        let layer = try ConfigurationLayer.parse(yaml: yaml, file: "vigil.yaml")
        let config = try EffectiveConfiguration.resolve([layer])
        #expect(config.bootstrapServers == "broker-1:9092,broker-2:9092")
        #expect(config.threads == 4 && config.maxBatch == 5000 && config.commitIntervalMs == 250)
        #expect(config.stateDir == "/var/lib/vigil" && config.stateMemoryMb == 2048 && config.http == ":9400")
        #expect(config.logLevel == .debug && config.logFormat == .json)
        #expect(config.kafka == ["security.protocol": "SASL_SSL", "linger.ms": "5", "enable.idempotence": "true"])
        #expect(config.origin(of: .threads) == .file("vigil.yaml", line: 3))
        #expect(config.origin(of: .logFormat) == .file("vigil.yaml", line: 11))
        #expect(config.kafkaOrigins["linger.ms"] == .file("vigil.yaml", line: 14))
    }

    @Test("An empty file, or one of comments only, sets nothing; null leaves a setting unset")
    func emptyAndNull() throws {
        #expect(try ConfigurationLayer.parse(yaml: "", file: "a.yaml").isEmpty)
        #expect(try ConfigurationLayer.parse(yaml: "# nothing yet\n", file: "a.yaml").isEmpty)
        let layer = try ConfigurationLayer.parse(yaml: "threads: ~\nhttp:\nlog:\n", file: "a.yaml")
        #expect(layer.isEmpty)
    }

    @Test("Errors name the file, line, column and field", arguments: [
        ("threads: 4\nthreds: 2\n", "vigil.yaml:2:1: threds: unknown key", ConfigError.Code.unknownKey),
        ("threads: [1, 2]\n", "vigil.yaml:1:10: threads: expected a plain value", .wrongType),
        ("log:\n  level: debug\n  colour: blue\n", "vigil.yaml:3:3: log.colour: unknown key", .unknownKey),
        ("log: json\n", "vigil.yaml:1:6: log: expected a mapping", .wrongType),
        ("kafka:\n  security:\n    protocol: SSL\n", "vigil.yaml:3:5: kafka.security: librdkafka properties are plain", .wrongType),
        ("threads: 4\nthreads: 5\n", "vigil.yaml:", .duplicateKey),
        ("threads: 4\n  max_batch: 3\n", "vigil.yaml:2:", .invalidYAML),
        ("- threads\n", "vigil.yaml:1:1: the file must be a mapping", .wrongType),
    ])
    func fileErrors(yaml: String, expected: String, code: ConfigError.Code) {
        #expect {
            _ = try ConfigurationLayer.parse(yaml: yaml, file: "vigil.yaml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.code == code && error.description.hasPrefix(expected)
        }
    }

    @Test("Every problem of a file is reported at once, by line, values included")
    func everyProblem() throws {
        let yaml = "threads: 0\nmax_batch: lots\nbogus: 1\nlog:\n  level: loud\nkafka:\n  group.id: mine\n"
        let error = try #require(throws: ConfigError.self) {
            try ConfigurationLayer.parse(yaml: yaml, file: "/etc/vigil.yaml")
        }
        let expected = [
            "/etc/vigil.yaml:1:10: threads: must be between 1 and 64, got 0",
            "/etc/vigil.yaml:2:12: max_batch: not a whole number: \"lots\"",
            "/etc/vigil.yaml:3:1: bogus: unknown key; the file takes bootstrap_servers, threads,",
            "/etc/vigil.yaml:5:10: log.level: unknown log level \"loud\": one of trace, debug, info, notice, warning, error, critical",
            "/etc/vigil.yaml:7:13: kafka.group.id: the consumer group is the topology's name",
        ]
        try #require(error.issues.count == expected.count, "\(error)")
        for (issue, prefix) in zip(error.issues, expected) {
            #expect(issue.description.hasPrefix(prefix))
        }
    }

    @Test("A missing file is named")
    func missingFile() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-missing-\(UUID()).yaml").path
        #expect {
            _ = try ConfigurationLayer.load(file: path)
        } throws: { error in
            (error as? ConfigError)?.description == "\(path): the configuration file does not exist"
        }
    }

    @Test("A file on disk is read")
    func loadsFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-\(UUID()).yaml").path
        try "threads: 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let layer = try ConfigurationLayer.load(file: path)
        #expect(layer.values[.threads] == .init(text: "3", origin: .file(path, line: 1)))
    }
}

@Suite struct ConfigurationEnvironmentTests {
    @Test("VIGIL_<KEY> sets each setting; VIGIL_KAFKA_<KEY> a librdkafka property with _ as .")
    func variables() throws {
        let (layer, unknown) = ConfigurationLayer.environment([
            "VIGIL_BOOTSTRAP_SERVERS": "k:9092", "VIGIL_THREADS": "8", "VIGIL_MAX_BATCH": "100",
            "VIGIL_COMMIT_INTERVAL_MS": "0", "VIGIL_STATE_DIR": "/s", "VIGIL_STATE_MEMORY_MB": "64",
            "VIGIL_HTTP": "0.0.0.0:9400", "VIGIL_LOG_LEVEL": "warning", "VIGIL_LOG_FORMAT": "logfmt",
            "VIGIL_KAFKA_SECURITY_PROTOCOL": "SSL", "VIGIL_KAFKA_SASL_PASSWORD": "hunter2",
            "VIGIL_CONFIG": "/etc/vigil.yaml", "VIGIL_THREAD": "2", "VIGIL_EMPTY_IS_UNSET": "",
            "PATH": "/usr/bin", "VIGIL_KAFKA_": "x",
        ])
        let config = try EffectiveConfiguration.resolve([layer])
        #expect(config.bootstrapServers == "k:9092" && config.threads == 8 && config.maxBatch == 100)
        #expect(config.commitIntervalMs == 0 && config.stateDir == "/s" && config.stateMemoryMb == 64)
        #expect(config.http == "0.0.0.0:9400" && config.logLevel == .warning && config.logFormat == .logfmt)
        #expect(config.kafka == ["security.protocol": "SSL", "sasl.password": "hunter2"])
        #expect(config.origin(of: .threads) == .environment("VIGIL_THREADS"))
        #expect(config.kafkaOrigins["sasl.password"] == .environment("VIGIL_KAFKA_SASL_PASSWORD"))
        #expect(unknown == ["VIGIL_EMPTY_IS_UNSET", "VIGIL_KAFKA_", "VIGIL_THREAD"])
    }

    @Test("An empty variable is unset")
    func emptyIsUnset() {
        let (layer, _) = ConfigurationLayer.environment(["VIGIL_THREADS": "", "VIGIL_KAFKA_LINGER_MS": ""])
        #expect(layer.isEmpty)
    }

    @Test("A bad value names the variable")
    func badValue() {
        let (layer, _) = ConfigurationLayer.environment(["VIGIL_THREADS": "two", "VIGIL_LOG_FORMAT": "xml"])
        #expect {
            _ = try EffectiveConfiguration.resolve([layer])
        } throws: { error in
            (error as? ConfigError)?.description == """
                environment variable VIGIL_THREADS: threads: not a whole number: "two"
                environment variable VIGIL_LOG_FORMAT: log.format: unknown log format "xml": one of text, json, logfmt
                """
        }
    }

    @Test("Names: file key, flag and variable derive from one another")
    func names() {
        #expect(ConfigKey.logLevel.flag == "--log-level" && ConfigKey.logLevel.environmentVariable == "VIGIL_LOG_LEVEL")
        #expect(ConfigKey.commitIntervalMs.flag == "--commit-interval-ms")
        #expect(ConfigKey.commitIntervalMs.environmentVariable == "VIGIL_COMMIT_INTERVAL_MS")
        #expect(ConfigurationLayer.kafkaKey(variable: "VIGIL_KAFKA_SSL_KEY_PASSWORD") == "ssl.key.password")
        #expect(ConfigurationLayer.kafkaKey(variable: "VIGIL_THREADS") == nil)
    }
}

@Suite struct ConfigurationPrecedenceTests {
    /// One layer of each kind, all giving `threads`, `log.level` and `linger.ms`.
    func layers() throws -> (flags: ConfigurationLayer, env: ConfigurationLayer, file: ConfigurationLayer,
                             topology: ConfigurationLayer, defaults: ConfigurationLayer) {
        var flags = ConfigurationLayer()
        flags.set(.threads, "5", origin: .flag("--threads"))
        flags.setKafka("linger.ms", "1", origin: .flag("-X"))
        let env = ConfigurationLayer.environment([
            "VIGIL_THREADS": "4", "VIGIL_LOG_LEVEL": "debug", "VIGIL_KAFKA_LINGER_MS": "2", "VIGIL_MAX_BATCH": "77",
        ]).layer
        let file = try ConfigurationLayer.parse(
            yaml: "threads: 3\nlog:\n  level: error\n  format: json\nstate_dir: /file\nkafka:\n  linger.ms: 3\n  acks: all\n",
            file: "vigil.yaml")
        let topology = ConfigurationLayer.topology(
            file: "t.yaml", kafka: ["linger.ms": "4", "acks": "1", "compression.type": "lz4"], stateDir: "./state")
        var defaults = ConfigurationLayer()
        defaults.setKafka("fetch.wait.max.ms", "10", origin: .defaultWith("--embedded"))
        defaults.setKafka("compression.type", "none", origin: .defaultWith("--embedded"))
        return (flags, env, file, topology, defaults)
    }

    @Test("flag > environment > file > topology > default, for settings and kafka properties alike")
    func allLayers() throws {
        let l = try layers()
        let c = try EffectiveConfiguration.resolve([l.flags, l.env, l.file, l.topology, l.defaults])
        #expect(c.threads == 5 && c.origin(of: .threads) == .flag("--threads"))
        #expect(c.logLevel == .debug && c.origin(of: .logLevel) == .environment("VIGIL_LOG_LEVEL"))
        #expect(c.maxBatch == 77)
        #expect(c.logFormat == .json && c.origin(of: .logFormat) == .file("vigil.yaml", line: 4))
        #expect(c.stateDir == "/file", "the file's state_dir overrides the topology's")
        #expect(c.commitIntervalMs == 100 && c.origin(of: .commitIntervalMs) == .default)
        #expect(c.kafka == ["linger.ms": "1", "acks": "all", "compression.type": "lz4", "fetch.wait.max.ms": "10"])
        #expect(c.kafkaOrigins["linger.ms"] == .flag("-X"))
        #expect(c.kafkaOrigins["acks"] == .file("vigil.yaml", line: 8))
        #expect(c.kafkaOrigins["compression.type"] == .topology("t.yaml"))
        #expect(c.kafkaOrigins["fetch.wait.max.ms"] == .defaultWith("--embedded"))
    }

    @Test("Each layer wins over every weaker one", arguments: 0..<5)
    func eachLayerWins(strongest: Int) throws {
        let l = try layers()
        let all = [l.flags, l.env, l.file, l.topology, l.defaults]
        let c = try EffectiveConfiguration.resolve(Array(all[strongest...]))
        let expectedLinger = ["1", "2", "3", "4", nil][strongest]
        #expect(c.kafka["linger.ms"] == expectedLinger)
        let expectedThreads = [5, 4, 3, 1, 1][strongest]
        #expect(c.threads == expectedThreads)
        let expectedStateDir = [String?]([ "/file", "/file", "/file", "./state", nil])[strongest]
        #expect(c.stateDir == expectedStateDir)
    }

    @Test("A bad value is refused even when a stronger layer overrides it")
    func overriddenBadValue() throws {
        var flags = ConfigurationLayer()
        flags.set(.threads, "2", origin: .flag("--threads"))
        let env = ConfigurationLayer.environment(["VIGIL_THREADS": "100"]).layer
        #expect {
            _ = try EffectiveConfiguration.resolve([flags, env])
        } throws: { error in
            (error as? ConfigError)?.description
                == "environment variable VIGIL_THREADS: threads: must be between 1 and 64, got 100"
        }
    }

    @Test("-X arguments are key=value flags; group.id is refused in any layer")
    func kafkaFlags() throws {
        let flags = try ConfigurationLayer.kafkaFlags(["linger.ms=5", "sasl.jaas.config=a=b"])
        #expect(flags.kafka["sasl.jaas.config"]?.text == "a=b")
        #expect(throws: ConfigError.self) { try ConfigurationLayer.kafkaFlags(["linger.ms"]) }
        let env = ConfigurationLayer.environment(["VIGIL_KAFKA_GROUP_ID": "g"]).layer
        #expect {
            _ = try EffectiveConfiguration.resolve([flags, env])
        } throws: { error in
            (error as? ConfigError)?.issues.map(\.location) == ["environment variable VIGIL_KAFKA_GROUP_ID"]
        }
    }
}

@Suite struct PrintConfigTests {
    @Test("Secrets are masked: any kafka key holding password, secret, sasl.jaas or ssl.key", arguments: [
        ("sasl.password", true), ("ssl.key.password", true), ("ssl.keystore.password", true),
        ("sasl.oauthbearer.client.secret", true), ("sasl.jaas.config", true), ("ssl.key.pem", true),
        ("SASL.PASSWORD", true), ("sasl.username", false), ("security.protocol", false), ("ssl.ca.location", false),
    ])
    func masking(key: String, secret: Bool) {
        #expect(SecretMask.isSecret(key) == secret)
        var c = EffectiveConfiguration()
        c.kafka = [key: "s3cr3t-value"]
        c.kafkaOrigins = [key: .environment("VIGIL_KAFKA_X")]
        let text = c.yaml()
        #expect(text.contains("s3cr3t-value") == !secret)
        #expect(text.contains("\"********\"") == secret)
        #expect(c.yaml(maskSecrets: false).contains("s3cr3t-value"))
    }

    @Test("The printed configuration names each value's origin")
    func exactOutput() throws {
        var flags = ConfigurationLayer()
        flags.set(.bootstrapServers, "b:9092", origin: .flag("--bootstrap-servers"))
        let env = ConfigurationLayer.environment(["VIGIL_THREADS": "2", "VIGIL_KAFKA_SASL_PASSWORD": "p"]).layer
        let file = try ConfigurationLayer.parse(yaml: "log:\n  format: json\nkafka:\n  acks: all\n", file: "v.yaml")
        let topology = ConfigurationLayer.topology(file: "t.yaml", kafka: [:], stateDir: "./state")
        let c = try EffectiveConfiguration.resolve([flags, env, file, topology])
        #expect(c.yaml(header: ["effective configuration"]) == """
            # effective configuration
            bootstrap_servers: "b:9092"  # flag --bootstrap-servers
            threads: 2                   # environment VIGIL_THREADS
            max_batch: 10000             # default
            commit_interval_ms: 100      # default
            state_dir: "./state"         # topology t.yaml
            state_memory_mb: 1024        # default
            http: null                   # default
            log:
              level: info                # default
              format: json               # file v.yaml:2
            kafka:
              acks: "all"                # file v.yaml:4
              sasl.password: "********"  # environment VIGIL_KAFKA_SASL_PASSWORD (masked)

            """)
    }

    @Test("The printed configuration, read back as a file, gives the same configuration")
    func roundTrip() throws {
        var flags = ConfigurationLayer()
        flags.set(.bootstrapServers, "b:9092", origin: .flag("--bootstrap-servers"))
        flags.set(.stateDir, "/tmp/a \"quoted\" #dir\\x", origin: .flag("--state-dir"))
        flags.set(.http, ":9400", origin: .flag("--http"))
        flags.setKafka("client.id", "vigil: #1\ttab", origin: .flag("-X"))
        flags.setKafka("enable.idempotence", "true", origin: .flag("-X"))
        flags.set(.logLevel, "trace", origin: .flag("--log-level"))
        let c = try EffectiveConfiguration.resolve([flags])
        let reread = try EffectiveConfiguration.resolve([ConfigurationLayer.parse(yaml: c.yaml(), file: "p.yaml")])
        #expect(reread.bootstrapServers == c.bootstrapServers && reread.stateDir == c.stateDir && reread.http == c.http)
        #expect(reread.kafka == c.kafka && reread.logLevel == .trace && reread.threads == c.threads)
    }
}
