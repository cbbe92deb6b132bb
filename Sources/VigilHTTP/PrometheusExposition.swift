internal import Prometheus

/// Renders metric samples in the Prometheus text exposition format 0.0.4, through swift-prometheus.
///
/// Families appear in the order of their first sample and samples in the order given, so a scrape is
/// deterministic and two scrapes diff cleanly. Each sample line is rendered by its own
/// `PrometheusCollectorRegistry` (a registry iterates a dictionary, so one registry for all would shuffle the
/// lines, and it traps on conflicting registrations); this function writes the `# HELP` and `# TYPE` lines and
/// assembles a histogram from its bucket, sum and count lines.
///
/// Nothing a caller passes can make it trap: invalid metric and label names are rewritten as swift-prometheus does
/// (invalid characters become `_`), duplicate label names keep their first value, a sample whose kind differs from
/// its family's first sample is left out, as is a negative or NaN counter. Non-finite values are written
/// `NaN`, `+Inf`, `-Inf`.
///
/// Thread-safe: a pure function.
public enum PrometheusExposition {
    /// The `Content-Type` of the text format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition of `samples`.
    public static func render(_ samples: [MetricSample]) -> [UInt8] {
        var families: [Family] = []
        var indexByName: [String: Int] = [:]
        for sample in samples {
            let name = sanitized(sample.name, allowColon: true)
            guard !name.isEmpty else { continue }
            if let index = indexByName[name] {
                if families[index].kind == sample.kind { families[index].samples.append(sample) }
            } else {
                indexByName[name] = families.count
                families.append(Family(name: name, help: sample.help, kind: sample.kind, samples: [sample]))
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 64)
        for family in families { family.render(into: &out) }
        return out
    }

    /// Samples sharing one name.
    private struct Family {
        let name: String
        let help: String
        let kind: MetricKind
        var samples: [MetricSample]

        func render(into out: inout [UInt8]) {
            if !help.isEmpty {
                out.append(contentsOf: "# HELP \(name) ".utf8)
                appendEscapedHelp(help, to: &out)
                out.append(UInt8(ascii: "\n"))
            }
            out.append(contentsOf: "# TYPE \(name) \(kind.rawValue)\n".utf8)
            for sample in samples {
                let labels = PrometheusExposition.labels(sample.labels, reservingLE: kind == .histogram)
                switch sample.value {
                case .counter(let value):
                    renderCounter(name, labels: labels, value: value, into: &out)
                case .gauge(let value):
                    renderGauge(name, labels: labels, value: value, into: &out)
                case .histogram(let snapshot):
                    renderHistogram(labels: labels, snapshot: snapshot, into: &out)
                }
            }
        }

        private func renderHistogram(labels: [(String, String)], snapshot: HistogramSnapshot, into out: inout [UInt8]) {
            let buckets = snapshot.buckets.filter { $0.upperBound.isFinite }.sorted { $0.upperBound < $1.upperBound }
            for bucket in buckets {
                renderCounter(
                    name + "_bucket", labels: labels + [("le", PrometheusExposition.number(bucket.upperBound))],
                    value: Double(bucket.cumulativeCount), into: &out)
            }
            renderCounter(
                name + "_bucket", labels: labels + [("le", "+Inf")], value: Double(snapshot.count), into: &out)
            renderGauge(name + "_sum", labels: labels, value: snapshot.sum, into: &out)
            renderCounter(name + "_count", labels: labels, value: Double(snapshot.count), into: &out)
        }
    }

    /// One counter line, or nothing for a value a counter cannot have.
    private static func renderCounter(
        _ name: String, labels: [(String, String)], value: Double, into out: inout [UInt8]
    ) {
        guard value >= 0 else { return }  // also false for NaN
        let registry = PrometheusCollectorRegistry()
        let counter = registry.makeCounter(descriptor: descriptor(name), labels: labels)
        if value < 0x1p63, value.rounded(.towardZero) == value {
            counter.increment(by: Int64(value))
        } else {
            counter.increment(by: value)
        }
        appendSampleLines(of: registry, to: &out)
    }

    /// One gauge line.
    private static func renderGauge(_ name: String, labels: [(String, String)], value: Double, into out: inout [UInt8]) {
        let registry = PrometheusCollectorRegistry()
        registry.makeGauge(descriptor: descriptor(name), labels: labels).set(to: value)
        appendSampleLines(of: registry, to: &out)
    }

    private static func descriptor(_ name: String) -> MetricNameDescriptor {
        // Help is written by the family; an empty help makes the registry write no `# HELP` line.
        MetricNameDescriptor(metricName: name, unitName: "", helpText: "")
    }

    /// The registry's lines but its `# TYPE` line, with Swift's `nan`/`inf` spelt as the format wants.
    private static func appendSampleLines(of registry: PrometheusCollectorRegistry, to out: inout [UInt8]) {
        var text: [UInt8] = []
        registry.emit(into: &text)
        for line in text.split(separator: UInt8(ascii: "\n")) where line.first != UInt8(ascii: "#") {
            guard let space = line.lastIndex(of: UInt8(ascii: " ")) else { continue }
            let value = line[(space + 1)...]
            out.append(contentsOf: line[...space])
            switch String(decoding: value, as: UTF8.self) {
            case "nan", "-nan": out.append(contentsOf: "NaN".utf8)
            case "inf", "+inf": out.append(contentsOf: "+Inf".utf8)
            case "-inf": out.append(contentsOf: "-Inf".utf8)
            default: out.append(contentsOf: value)
            }
            out.append(UInt8(ascii: "\n"))
        }
    }

    /// Valid, unique label names; `le` left out of histograms, where the buckets own it.
    private static func labels(_ labels: [(String, String)], reservingLE: Bool) -> [(String, String)] {
        var result: [(String, String)] = []
        result.reserveCapacity(labels.count + 1)
        for (name, value) in labels {
            let name = sanitized(name, allowColon: false)
            guard !name.isEmpty, !(reservingLE && name == "le"), !result.contains(where: { $0.0 == name }) else {
                continue
            }
            result.append((name, value))
        }
        return result
    }

    /// `name` with every character outside `[a-zA-Z_:][a-zA-Z0-9_:]*` (no `:` in label names) replaced by `_`.
    static func sanitized(_ name: String, allowColon: Bool) -> String {
        let bytes = Array(name.utf8)
        var i = 0
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        while i < bytes.count {
            let b = bytes[i]
            let valid: Bool
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
                valid = true
            case UInt8(ascii: ":"):
                valid = allowColon
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                valid = !result.isEmpty
            default:
                valid = false
            }
            if valid {
                result.append(b)
                i += 1
            } else {
                result.append(UInt8(ascii: "_"))
                // One `_` per character, not per UTF-8 byte.
                i += 1
                while i < bytes.count, bytes[i] & 0xC0 == 0x80 { i += 1 }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// A number as Prometheus clients write it: `0.005`, `1`, `2.5`, `1e-05`, `+Inf`.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// Help text with `\` and line feeds escaped, as the format requires.
    private static func appendEscapedHelp(_ help: String, to out: inout [UInt8]) {
        for byte in help.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): out.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): continue
            default: out.append(byte)
            }
        }
    }
}
