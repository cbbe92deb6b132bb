import Foundation
import Logging
import VigilKafka
import VigilRuntime
import VigilTopology
import VigilCore

/// Reads a topology's output topics back after a run and prints what they hold: record counts and the feature events
/// with the highest values of the first feature (usually the most suspicious cards).
enum OutputSummary {
    static func print(topology: Topology, bootstrapServers: String, properties: [String: String], logger: Logger) throws {
        let features = try TopicReader.readAll(
            topic: topology.sinks.features, bootstrapServers: bootstrapServers, properties: properties, logger: logger)
        let dlq = try TopicReader.readAll(
            topic: topology.sinks.deadLetter, bootstrapServers: bootstrapServers, properties: properties, logger: logger)
        let first = topology.stages[0].features.first?.name ?? ""
        var samples: [(value: Double, json: String)] = []
        for record in features {
            guard let value = record.value,
                  let object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any],
                  let values = object["features"] as? [String: Any],
                  let v = (values[first] as? NSNumber)?.doubleValue
            else { continue }
            samples.append((v, String(decoding: value, as: UTF8.self)))
            if samples.count > 64 {
                samples.sort { $0.value > $1.value }
                samples.removeLast(samples.count - 5)
            }
        }
        samples.sort { $0.value > $1.value }
        Swift.print("""
            read back       \(features.count) records on \(topology.sinks.features), \(dlq.count) on \(topology.sinks.deadLetter)
            highest \(first):
            """)
        for sample in samples.prefix(5) { Swift.print("  \(sample.json)") }
        for record in dlq.prefix(3) {
            Swift.print("  dead letter: \(record.header(DeadLetter.reasonHeader) ?? "?") (source \(record.header(DeadLetter.topicHeader) ?? "?"):\(record.header(DeadLetter.partitionHeader) ?? "?"):\(record.header(DeadLetter.offsetHeader) ?? "?"))")
        }
    }
}

