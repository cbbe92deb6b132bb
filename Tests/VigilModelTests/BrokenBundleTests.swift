import Foundation
import Testing

@testable import VigilModel

/// A table of broken manifests, models and archives, each rejected with the expected code and message.
@Suite("Broken bundles")
struct BrokenBundleTests {
    /// A valid logistic bundle's manifest (3 features).
    static let logisticManifest = """
        {
          "format_version": 1,
          "name": "card-fraud",
          "version": "3",
          "created_at": "2026-01-15T10:30:00Z",
          "features": ["amount", "card_count_1h", "country_risk"],
          "training": {"from": "2025-10-01T00:00:00Z", "to": "2025-12-31T23:59:59Z", "rows": 1000},
          "model": {"kind": "logistic", "file": "model.json"},
          "thresholds": {"decision": 0.8, "review": 0.5},
          "baselines": {
            "features": {
              "amount": {"edges": [10, 50, 200], "proportions": [0.25, 0.25, 0.25, 0.25], "missing_rate": 0.01}
            },
            "score": {"edges": [0.1, 0.5], "proportions": [0.7, 0.2, 0.1], "missing_rate": 0}
          },
          "validation": {"precision": 0.9, "recall": 0.6, "auc_pr": 0.7}
        }
        """

    /// A valid logistic model for ``logisticManifest``.
    static let logisticModel = """
        {"weights": [0.01, 0.3, 2.0], "intercept": -4,
         "standardisation": {"mean": [50, 2, 0.3], "std": [40, 1.5, 0.2]}}
        """

    /// Which valid bundle a case starts from.
    enum Base: Sendable {
        case logistic
        case xgboost
    }

    /// One broken bundle: text replacements (each must match) in the manifest and the model, and the expected
    /// error.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var base: Base = .logistic
        var manifest: [(String, String)] = []
        var model: [(String, String)] = []
        var code: ModelError.Code
        var message: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "duplicate feature", manifest: [(#""country_risk"]"#, #""card_count_1h"]"#)],
            code: .invalidManifest, message: #"manifest.json: features[2]: duplicate feature "card_count_1h""#),
        Case(
            name: "missing name", manifest: [(#""name": "card-fraud","#, "")], code: .invalidManifest,
            message: "manifest.json: name: missing required field"),
        Case(
            name: "unknown field", manifest: [(#""validation":"#, #""validations":"#)], code: .invalidManifest,
            message: "manifest.json: validations: unknown field (expected one of: format_version, name, version, "
                + "created_at, features, training, model, thresholds, baselines, validation)"),
        Case(
            name: "future format version", manifest: [(#""format_version": 1"#, #""format_version": 2"#)],
            code: .invalidManifest,
            message: "manifest.json: format_version: unsupported format version 2 (this Vigil reads version 1)"),
        Case(
            name: "creation time not RFC 3339", manifest: [("2026-01-15T10:30:00Z", "15/01/2026 10:30")],
            code: .invalidManifest,
            message: "manifest.json: created_at: expected an RFC 3339 date-time like 2026-01-15T10:30:00Z, got "
                + #""15/01/2026 10:30""#),
        Case(
            name: "training range backwards", manifest: [("2025-12-31T23:59:59Z", "2025-09-30T00:00:00Z")],
            code: .invalidManifest,
            message: "manifest.json: training.to: the training range ends before it starts "
                + "(2025-09-30T00:00:00Z < 2025-10-01T00:00:00Z)"),
        Case(
            name: "zero training rows", manifest: [(#""rows": 1000"#, #""rows": 0"#)], code: .invalidManifest,
            message: "manifest.json: training.rows: must be a positive integer, got 0"),
        Case(
            name: "empty feature list",
            manifest: [(#"["amount", "card_count_1h", "country_risk"]"#, "[]"), (#""amount": {"edges""#, #""x": {"edges""#)],
            code: .invalidManifest, message: "manifest.json: features: must list at least one feature"),
        Case(
            name: "baseline of an unlisted feature", manifest: [(#""amount": {"edges""#, #""amount_eur": {"edges""#)],
            code: .invalidManifest,
            message: #"manifest.json: baselines.features.amount_eur: baseline for "amount_eur", which is not in features"#
        ),
        Case(
            name: "edges not increasing", manifest: [("[10, 50, 200]", "[10, 50, 20]")], code: .invalidManifest,
            message: "manifest.json: baselines.features.amount.edges[2]: edges must be strictly increasing "
                + "(20.0 follows 50.0)"),
        Case(
            name: "proportions do not sum to 1", manifest: [("[0.25, 0.25, 0.25, 0.25]", "[0.25, 0.25, 0.25, 0.2]")],
            code: .invalidManifest,
            message: "manifest.json: baselines.features.amount.proportions: must sum to 1 (within 1e-06), got 0.95"),
        Case(
            name: "one proportion too few", manifest: [("[0.7, 0.2, 0.1]", "[0.8, 0.2]")], code: .invalidManifest,
            message: "manifest.json: baselines.score.proportions: has 2 values but 2 edges make 3 bins"),
        Case(
            name: "missing rate above 1", manifest: [(#""missing_rate": 0.01"#, #""missing_rate": 1.5"#)],
            code: .invalidManifest,
            message: "manifest.json: baselines.features.amount.missing_rate: must be in [0, 1], got 1.5"),
        Case(
            name: "missing score baseline",
            manifest: [(#""score": {"edges": [0.1, 0.5], "proportions": [0.7, 0.2, 0.1], "missing_rate": 0}"#, #""x": 1"#)],
            code: .invalidManifest,
            message: "manifest.json: baselines.x: unknown field (expected one of: features, score)"),
        Case(
            name: "review above decision", manifest: [(#""review": 0.5"#, #""review": 0.9"#)], code: .invalidManifest,
            message: "manifest.json: thresholds.review: the review band must start at or below the decision "
                + "threshold (0.9 > 0.8)"),
        Case(
            name: "probability threshold above 1", manifest: [(#""decision": 0.8"#, #""decision": 1.5"#)],
            code: .inconsistentBundle,
            message: "manifest.json: thresholds.decision: must be in [0, 1] for a model whose score is a "
                + "probability, got 1.5"),
        Case(
            name: "validation figure out of range", manifest: [(#""precision": 0.9"#, #""precision": 1.2"#)],
            code: .invalidManifest, message: "manifest.json: validation.precision: must be in [0, 1], got 1.2"),
        Case(
            name: "unknown model kind", manifest: [(#""kind": "logistic""#, #""kind": "lightgbm_text""#)],
            code: .invalidManifest,
            message: #"manifest.json: model.kind: unknown model kind "lightgbm_text" (expected one of: logistic, "#
                + "xgboost_json)"),
        Case(
            name: "model file outside the bundle", manifest: [(#""file": "model.json""#, #""file": "../model.json""#)],
            code: .invalidManifest,
            message: #"manifest.json: model.file: must be a relative file name inside the bundle, got "../model.json""#
        ),
        Case(
            name: "model file absent", manifest: [(#""file": "model.json""#, #""file": "weights.json""#)],
            code: .inconsistentBundle, message: #"manifest.json: model.file: the bundle has no file "weights.json""#),
        Case(
            name: "manifest is not JSON", manifest: [(#""rows": 1000}"#, #""rows": 1000,}"#)], code: .invalidJSON,
            message: "manifest.json: invalid JSON at line 7, column 91: unexpected '}', expected a string key"),
        Case(
            name: "manifest has a duplicate key", manifest: [(#""version": "3","#, #""version": "3", "version": "4","#)],
            code: .invalidJSON, message: #"manifest.json: invalid JSON at line 4, column 19: duplicate key "version""#),
        Case(
            name: "model reads fewer features than listed",
            model: [(#""weights": [0.01, 0.3, 2.0]"#, #""weights": [0.01, 0.3]"#), (#"[50, 2, 0.3]"#, "[50, 2]"),
                (#"[40, 1.5, 0.2]"#, "[40, 1.5]")],
            code: .inconsistentBundle, message: "model.json: the model reads 2 features but manifest.json lists 3"),
        Case(
            name: "zero standard deviation", model: [("[40, 1.5, 0.2]", "[40, 0, 0.2]")], code: .invalidModel,
            message: "model.json: standardisation.std[1]: must be a finite number > 0, got 0.0"),
        Case(
            name: "weight is a string", model: [("0.3, 2.0]", #""0.3", 2.0]"#)], code: .invalidModel,
            message: "model.json: weights[1]: expected a finite number, got a string"),
        Case(
            name: "unsupported objective", base: .xgboost,
            model: [(#""name":"binary:logistic""#, #""name":"multi:softprob""#)], code: .unsupportedModel,
            message: #"model.json: learner.objective.name: objective "multi:softprob" is not supported "#
                + "(supported: binary:logistic, reg:squarederror)"),
        Case(
            name: "multi-class", base: .xgboost, model: [(#""num_class":"0""#, #""num_class":"3""#)],
            code: .unsupportedModel,
            message: #"model.json: learner.learner_model_param.num_class: multi-class models are not supported "#
                + #"(num_class "3")"#),
        Case(
            name: "multi-target base score", base: .xgboost, model: [(#""[3E-1]""#, #""[3E-1,4E-1]""#)],
            code: .unsupportedModel,
            message: "model.json: learner.learner_model_param.base_score: multi-target base scores are not "
                + "supported (2 values)"),
        Case(
            name: "absurd feature count", base: .xgboost, model: [(#""num_feature":"10","num_target""#, #""num_feature":"2000000000","num_target""#)],
            code: .unsupportedModel,
            message: "model.json: learner.learner_model_param.num_feature: 2000000000 features is outside 1...1048576"),
        Case(
            name: "gblinear booster", base: .xgboost, model: [(#""name":"gbtree""#, #""name":"gblinear""#)],
            code: .unsupportedModel,
            message: #"model.json: learner.gradient_booster.name: booster "gblinear" is not supported (only gbtree)"#),
        Case(
            name: "dart booster", base: .xgboost, model: [(#""name":"gbtree""#, #""name":"dart""#)],
            code: .unsupportedModel,
            message: #"model.json: learner.gradient_booster.name: booster "dart" is not supported (only gbtree)"#),
        Case(
            name: "categorical split", base: .xgboost,
            model: [(#""split_type":[0,0,0,0,0,0,0]"#, #""split_type":[0,1,0,0,0,0,0]"#)], code: .unsupportedModel,
            message: "model.json: learner.gradient_booster.model.trees[0].split_type[1]: categorical splits are not "
                + "supported"),
        Case(
            name: "child out of range", base: .xgboost,
            model: [(#""left_children":[1,3,5,-1,-1,-1,-1]"#, #""left_children":[1,3,9,-1,-1,-1,-1]"#)],
            code: .invalidModel,
            message: "model.json: learner.gradient_booster.model.trees[0].left_children[2]: child 9 is not a node of "
                + "this tree"),
        Case(
            name: "cycle", base: .xgboost,
            model: [(#""left_children":[1,3,5,-1,-1,-1,-1]"#, #""left_children":[1,0,5,-1,-1,-1,-1]"#)],
            code: .invalidModel,
            message: "model.json: learner.gradient_booster.model.trees[0].left_children[1]: node 0 is reached twice "
                + "(the tree has a cycle or a shared node)"),
        Case(
            name: "split feature out of range", base: .xgboost,
            model: [(#""split_indices":[1,7,0,0,0,0,0]"#, #""split_indices":[1,17,0,0,0,0,0]"#)], code: .invalidModel,
            message: "model.json: learner.gradient_booster.model.trees[0].split_indices[1]: feature 17 is out of "
                + "range (the model has 10)"),
        Case(
            name: "array lengths differ", base: .xgboost,
            model: [(#""sum_hessian":[8.4000006E2,"#, #""sum_hessian":["#)], code: .invalidModel,
            message: "model.json: learner.gradient_booster.model.trees[0].sum_hessian: has 6 entries but "
                + "left_children has 7"),
        Case(
            name: "features in another order than training", base: .xgboost,
            manifest: [(#"["amount","amount_zscore_24h","#, #"["amount_zscore_24h","amount","#)],
            code: .inconsistentBundle,
            message: #"manifest.json: features[0]: model.json names feature 0 "amount" but the manifest lists "#
                + #""amount_zscore_24h" (list the training features in training order)"#),
    ]

    /// Applies `edits` to `text`, failing the test if one does not match.
    static func edit(_ text: String, _ edits: [(String, String)]) throws -> String {
        var text = text
        for (old, new) in edits {
            let range = try #require(text.range(of: old), "no \(old) to replace")
            text.replaceSubrange(range, with: new)
        }
        return text
    }

    @Test("each broken bundle is rejected with its message", arguments: cases)
    func rejected(_ broken: Case) throws {
        let (manifest, model) =
            switch broken.base {
            case .logistic: (Self.logisticManifest, Self.logisticModel)
            case .xgboost: (try Fixtures.text("bundle/manifest.json"), try Fixtures.text("bundle/model.json"))
            }
        let files = [
            "manifest.json": Array(try Self.edit(manifest, broken.manifest).utf8),
            "model.json": Array(try Self.edit(model, broken.model).utf8),
        ]
        let error = try #require(throws: ModelError.self) { try ModelBundle(files: files, location: "test") }
        #expect(error.code == broken.code)
        #expect(error.description == broken.message)
    }

    @Test("the unedited bases are valid bundles")
    func basesAreValid() throws {
        let logistic = try ModelBundle(
            files: ["manifest.json": Array(Self.logisticManifest.utf8), "model.json": Array(Self.logisticModel.utf8)],
            location: "test")
        #expect(logistic.manifest.features == ["amount", "card_count_1h", "country_risk"])
        #expect(logistic.manifest.validation?.aucPR == 0.7)
        let xgboost = try ModelBundle(
            files: [
                "manifest.json": try Fixtures.bytes("bundle/manifest.json"),
                "model.json": try Fixtures.bytes("bundle/model.json"),
            ], location: "test")
        #expect(xgboost.model is TreeEnsembleModel)
    }

    @Test("a corrupted or truncated tar, and a tar without a manifest, are invalid archives")
    func brokenArchives() throws {
        let tar = try Fixtures.bytes("bundle.tar")
        var corrupted = tar
        corrupted[3] ^= 0x20  // a byte of the first entry's name: the header checksum no longer matches
        let checksum = try #require(throws: ModelError.self) { try ModelBundle(tarBytes: corrupted, location: "b.tar") }
        #expect(checksum.code == .invalidArchive)
        #expect(checksum.description == "b.tar: header checksum mismatch at byte 0 (corrupt archive)")

        let truncated = Array(tar[0..<1000])
        let short = try #require(throws: ModelError.self) { try ModelBundle(tarBytes: truncated, location: "b.tar") }
        #expect(short.code == .invalidArchive)
        #expect(short.description.hasPrefix("b.tar: truncated tar archive"))

        let empty = [UInt8](repeating: 0, count: 1024)
        let none = try #require(throws: ModelError.self) { try ModelBundle(tarBytes: empty, location: "b.tar") }
        #expect(none.description == "b.tar: no manifest.json at the top of the bundle")
    }

    @Test("a corrupt .tar.gz, a missing path and a directory without a manifest fail with the path")
    func brokenFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var gz = try Fixtures.bytes("bundle.tar.gz")
        gz.removeLast(40)
        try directory.write("cut.tar.gz", gz)
        let cut = try #require(throws: ModelError.self) {
            try ModelBundle.load(from: directory.path + "/cut.tar.gz")
        }
        #expect(cut.code == .invalidArchive)
        #expect(cut.description.hasPrefix(directory.path + "/cut.tar.gz: gzip could not decompress it"))

        let missing = try #require(throws: ModelError.self) { try ModelBundle.load(from: directory.path + "/nope") }
        #expect(missing.code == .io)
        #expect(missing.description == directory.path + "/nope: no such file or directory")

        try directory.write("empty/readme.txt", "nothing here")
        let noManifest = try #require(throws: ModelError.self) { try ModelBundle.load(from: directory.path + "/empty") }
        #expect(noManifest.code == .io && noManifest.file == "manifest.json")
    }
}
