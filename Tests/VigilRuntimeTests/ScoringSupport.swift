import Foundation
import VigilCore
import VigilTopology

/// Model bundles and scoring topologies for the scoring tests.
enum ScoringSupport {
    /// A logistic model over `features`: score = sigmoid(intercept + Σ weights[i] × x[i]) (no standardisation).
    struct Logistic {
        var name = "test-model"
        var version = "1"
        var features: [String]
        var weights: [Double]
        var intercept: Double
        var decision = 0.5
        var review = 0.3
        /// Per feature (and `score`), the baseline JSON to write; the default is two equal bins split at 0.5.
        var baselines: [String: String] = [:]
        /// `validation.recall` in the manifest, when set.
        var validationRecall: Double?

        func score(_ x: [Double]) -> Double {
            var margin = intercept
            for (w, v) in zip(weights, x) where !v.isNaN { margin += w * v }
            return 1 / (1 + exp(-margin))
        }

        /// Writes `manifest.json` and `model.json` into `directory` (created), replacing what is there by a rename
        /// of a finished copy, as an operator should.
        func write(to directory: String) throws {
            let staging = directory + ".staging-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
            let baseline = #"{"edges":[0.5],"proportions":[0.5,0.5],"missing_rate":0}"#
            let baselines = features.map { "\"\($0)\":\(self.baselines[$0] ?? baseline)" }.joined(separator: ",")
            let scoreBaseline = self.baselines["score"] ?? baseline
            let validation = validationRecall.map {
                ",\"validation\":{\"precision\":0.9,\"recall\":\($0),\"auc_pr\":0.8}"
            } ?? ""
            let manifest = """
                {"format_version":1,"name":"\(name)","version":"\(version)","created_at":"2026-01-15T10:30:00Z",
                 "features":[\(features.map { "\"\($0)\"" }.joined(separator: ","))],
                 "training":{"from":"2025-10-01T00:00:00Z","to":"2025-12-31T00:00:00Z","rows":1000},
                 "model":{"kind":"logistic","file":"model.json"},
                 "thresholds":{"decision":\(decision),"review":\(review)},
                 "baselines":{"features":{\(baselines)},"score":\(scoreBaseline)}\(validation)}
                """
            let model = """
                {"weights":[\(weights.map { "\($0)" }.joined(separator: ","))],"intercept":\(intercept)}
                """
            try manifest.write(toFile: staging + "/manifest.json", atomically: true, encoding: .utf8)
            try model.write(toFile: staging + "/model.json", atomically: true, encoding: .utf8)
            if FileManager.default.fileExists(atPath: directory) {
                let old = directory + ".old-\(UUID().uuidString)"
                try FileManager.default.moveItem(atPath: directory, toPath: old)
                try FileManager.default.moveItem(atPath: staging, toPath: directory)
                try FileManager.default.removeItem(atPath: old)
            } else {
                try FileManager.default.moveItem(atPath: staging, toPath: directory)
            }
        }
    }

    /// The runtime tests' one-stage topology (Support.topology's features) with a `scoring:` section appended.
    static func topology(
        name: String = Support.unique("score"), stateDirectory: String, scoring: String, partitions: Int32 = 4
    ) throws -> Topology {
        let section = "scoring:\n" + scoring.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "  " + $0 }.joined(separator: "\n")
        return try Support.topology(
            name: name, partitions: partitions, stateDirectory: stateDirectory, extra: section,
            file: "\(stateDirectory)/\(name).yaml")
    }

    /// The JSON object of a record value.
    static func object(_ value: [UInt8]?) throws -> [String: Any] {
        guard let value, let o = try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any] else {
            throw CocoaError(.coderReadCorrupt)
        }
        return o
    }

    /// A feature event's value of `name` as a model input (NaN for null).
    static func input(_ features: [String: Any], _ name: String) -> Double {
        (features[name] as? NSNumber)?.doubleValue ?? .nan
    }
}
