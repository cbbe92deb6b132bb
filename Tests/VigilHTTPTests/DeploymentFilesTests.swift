import Foundation
import Testing
import VigilHTTP
import Yams

/// The deployment files in ops/deploy cannot run here; these tests check that they parse, agree with one another
/// and reference only metrics the catalogue has.
@Suite("Deployment files")
struct DeploymentFilesTests {
    /// The repository's root (this file is Tests/VigilHTTPTests/DeploymentFilesTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let deploy = root.appendingPathComponent("ops/deploy")

    static func text(_ path: String) throws -> String {
        try String(contentsOf: deploy.appendingPathComponent(path), encoding: .utf8)
    }

    /// The one YAML document of a file, as a dictionary.
    static func yaml(_ path: String) throws -> [String: Any] {
        let documents = try Array(Yams.load_all(yaml: text(path)))
        try #require(documents.count == 1, "\(path): one document")
        return try #require(documents[0] as? [String: Any], "\(path): a mapping")
    }

    /// The `vigil_*` metric names in a PromQL expression (recording-rule names, which contain `:`, are not).
    static func metricNames(in expr: String) -> Set<String> {
        let tokens = expr.split { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == ":") }
        return Set(tokens.filter { $0.hasPrefix("vigil_") && $0.count > 6 && !$0.contains(":") }.map(String.init))
    }

    /// Every `expr` string anywhere in a parsed JSON or YAML value.
    static func expressions(in value: Any) -> [String] {
        switch value {
        case let dict as [String: Any]:
            dict.flatMap { key, value in key == "expr" ? [value as? String].compactMap { $0 } : expressions(in: value) }
        case let array as [Any]:
            array.flatMap(expressions(in:))
        default:
            []
        }
    }

    static func unknownMetrics(_ expressions: [String]) -> Set<String> {
        Set(expressions.flatMap(metricNames(in:)).filter { VigilMetrics.metric(exposingSeries: $0) == nil })
    }

    @Test func everyYAMLFileParses() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.deploy.path)
            .filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }
        #expect(Set(files).isSuperset(of: [
            "prometheus.yml", "prometheus-rules.yml", "k8s/statefulset.yaml", "k8s/service-headless.yaml", "k8s/pdb.yaml",
        ]))
        for file in files {
            let documents = try Array(Yams.load_all(yaml: Self.text(file)))
            #expect(!documents.isEmpty && documents.allSatisfy { $0 is [String: Any] }, "\(file)")
        }
    }

    @Test func theDashboardReferencesOnlyCataloguedMetricsAndCoversTheIssuesPanels() throws {
        let data = try Data(contentsOf: Self.deploy.appendingPathComponent("grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let expressions = Self.expressions(in: dashboard)
        #expect(expressions.count >= 20)
        #expect(Self.unknownMetrics(expressions).isEmpty, "not in VigilMetrics: \(Self.unknownMetrics(expressions))")
        let used = Set(expressions.flatMap(Self.metricNames(in:)).compactMap { VigilMetrics.metric(exposingSeries: $0)?.name })
        // Throughput, lag, latency, DLQ/late, model versions, score distribution, drift, readiness.
        let required: [VigilMetrics.Metric] = [
            VigilMetrics.eventsIn, VigilMetrics.eventsOut, VigilMetrics.consumerLag, VigilMetrics.processingLatency,
            VigilMetrics.deadLetter, VigilMetrics.lateEvents, VigilMetrics.modelInfo, VigilMetrics.score,
            VigilMetrics.driftPSI, VigilMetrics.ready,
        ]
        for required in required {
            #expect(used.contains(required.name), "the dashboard shows no \(required.name)")
        }
        #expect(expressions.contains { $0.contains("histogram_quantile(0.99, sum by (le) (rate(vigil_processing_latency_seconds_bucket") })
        #expect(expressions.contains { $0.contains("histogram_quantile(0.5, sum by (le) (rate(vigil_processing_latency_seconds_bucket") })
        // Panel ids are unique (Grafana keys panel state on them).
        let ids = (dashboard["panels"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == ids.count && !ids.isEmpty)
    }

    @Test func thePrometheusRulesReferenceOnlyCataloguedMetrics() throws {
        let config = try Self.yaml("prometheus.yml")
        let ruleFiles = try #require(config["rule_files"] as? [String])
        #expect(ruleFiles == ["prometheus-rules.yml"])
        let rules = try Self.yaml("prometheus-rules.yml")
        let expressions = Self.expressions(in: rules) + Self.expressions(in: config)
        #expect(expressions.count >= 8)
        #expect(Self.unknownMetrics(expressions).isEmpty, "not in VigilMetrics: \(Self.unknownMetrics(expressions))")
        // Relabelling, too, may name metrics (metric_relabel_configs): none unknown anywhere in the file.
        #expect(Self.unknownMetrics([try Self.text("prometheus.yml")]).isEmpty)
    }

    @Test func theKubernetesManifestsAgree() throws {
        let set = try Self.yaml("k8s/statefulset.yaml")
        let service = try Self.yaml("k8s/service-headless.yaml")
        let pdb = try Self.yaml("k8s/pdb.yaml")
        #expect(set["kind"] as? String == "StatefulSet")
        #expect(service["kind"] as? String == "Service")
        #expect(pdb["kind"] as? String == "PodDisruptionBudget")

        let spec = try #require(set["spec"] as? [String: Any])
        let selector = try #require((spec["selector"] as? [String: Any])?["matchLabels"] as? [String: String])
        let template = try #require(spec["template"] as? [String: Any])
        let podLabels = try #require((template["metadata"] as? [String: Any])?["labels"] as? [String: String])
        #expect(selector.allSatisfy { podLabels[$0.key] == $0.value }, "the selector matches the pods")

        // The headless service selects the pods and is the set's serviceName.
        let serviceSpec = try #require(service["spec"] as? [String: Any])
        #expect(serviceSpec["clusterIP"] as? String == "None")
        #expect(spec["serviceName"] as? String == (service["metadata"] as? [String: Any])?["name"] as? String)
        let serviceSelector = try #require(serviceSpec["selector"] as? [String: String])
        #expect(serviceSelector.allSatisfy { podLabels[$0.key] == $0.value })
        let pdbSelector = try #require((pdb["spec"] as? [String: Any])?["selector"] as? [String: Any])
        #expect(pdbSelector["matchLabels"] as? [String: String] == selector)

        // The container: `vigil run … --http 0.0.0.0:9400`, port http = 9400, probes on /readyz and /healthz.
        let podSpec = try #require(template["spec"] as? [String: Any])
        let container = try #require((podSpec["containers"] as? [[String: Any]])?.first)
        let args = try #require(container["args"] as? [String])
        #expect(args.first == "run")
        let httpIndex = try #require(args.firstIndex(of: "--http"))
        #expect(args[httpIndex + 1] == "0.0.0.0:9400")
        let ports = try #require(container["ports"] as? [[String: Any]])
        #expect(ports.contains { $0["name"] as? String == "http" && $0["containerPort"] as? Int == 9400 })
        let readiness = try #require((container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])
        #expect(readiness["path"] as? String == "/readyz" && readiness["port"] as? String == "http")
        let liveness = try #require((container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])
        #expect(liveness["path"] as? String == "/healthz" && liveness["port"] as? String == "http")
        let servicePorts = try #require(serviceSpec["ports"] as? [[String: Any]])
        #expect(servicePorts.contains { $0["port"] as? Int == 9400 && $0["targetPort"] as? String == "http" })

        // A persistent volume per pod, mounted where --state-dir points.
        let stateDir = try #require(args.firstIndex(of: "--state-dir").map { args[$0 + 1] })
        let claims = try #require(spec["volumeClaimTemplates"] as? [[String: Any]])
        let claimNames = claims.compactMap { ($0["metadata"] as? [String: Any])?["name"] as? String }
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        #expect(mounts.contains {
            $0["mountPath"] as? String == stateDir && claimNames.contains($0["name"] as? String ?? "")
        })
        // The topology file the args name is mounted.
        #expect(mounts.contains { $0["mountPath"] as? String == args[1] })
    }

    @Test func theSystemdUnitRunsVigilWithTheEndpointAndRestarts() throws {
        let unit = try Self.text("vigil.service")
        var sections: [String: [String: String]] = [:]
        var current = ""
        for line in unit.split(separator: "\n") where !line.hasPrefix("#") {
            if line.hasPrefix("[") {
                current = String(line)
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            sections[current, default: [:]][String(line[..<eq])] = String(line[line.index(after: eq)...])
        }
        let service = try #require(sections["[Service]"])
        let exec = try #require(service["ExecStart"])
        #expect(exec.contains(" run /etc/vigil/fraud-scoring.yaml "))
        #expect(exec.contains("--bootstrap-servers "))
        #expect(exec.contains("--http 0.0.0.0:9400"))
        #expect(exec.contains("--state-dir /var/lib/vigil"))
        #expect(service["StateDirectory"] == "vigil")
        #expect(service["Restart"] == "on-failure")
        #expect(sections["[Install]"]?["WantedBy"] == "multi-user.target")
    }

    @Test func theGuideDocumentsEveryCataloguedMetric() throws {
        let guide = try String(contentsOf: Self.root.appendingPathComponent("docs/observability.md"), encoding: .utf8)
        for metric in VigilMetrics.all {
            #expect(guide.contains("`\(metric.name)"), "docs/observability.md does not list \(metric.name)")
        }
        let unknown = Self.metricNames(in: guide).filter {
            VigilMetrics.metric(named: $0) == nil && VigilMetrics.metric(exposingSeries: $0) == nil
        }
        #expect(unknown.isEmpty, "the guide names metrics that do not exist: \(unknown)")
    }
}
