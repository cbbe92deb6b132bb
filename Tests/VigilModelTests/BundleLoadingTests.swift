import Foundation
import Testing

@testable import VigilModel

/// Loading the committed bundle fixture (the tiny XGBoost model with a full manifest) from a directory, a tar and
/// a tar.gz, and what the manifest exposes.
@Suite("Bundle loading")
struct BundleLoadingTests {
    /// The bundle scores every row as XGBoost did (the bundle holds the xgb_tiny model).
    static func expectScoresMatchXGBoost(_ bundle: ModelBundle) throws {
        let expected = try Fixtures.expected("xgb_tiny")
        #expect(bundle.manifest.features == expected.features)
        for (row, input) in expected.inputs.enumerated() {
            #expect(bundle.model.score(input) == expected.predict[row], "row \(row)")
        }
    }

    @Test("a directory bundle loads with every manifest field")
    func directory() throws {
        let bundle = try ModelBundle.load(from: Fixtures.path("bundle"))
        let manifest = bundle.manifest
        #expect(manifest.formatVersion == 1)
        #expect(manifest.name == "card-fraud-tiny" && manifest.version == "2026.01.15-1")
        #expect(manifest.identifier == "card-fraud-tiny@2026.01.15-1")
        #expect(manifest.createdAt.epochMilliseconds == 1_768_473_000_000)
        #expect(manifest.features.count == 10 && manifest.features[2] == "card_count_1h")
        #expect(manifest.training.rows == 4000)
        #expect(manifest.training.to.epochMilliseconds == 1_767_225_599_999)
        #expect(manifest.training.from < manifest.training.to)
        #expect(manifest.training.datasetName == "generated-seed-15" && manifest.training.datasetChecksum == "none")
        #expect(manifest.modelKind == .xgboostJSON && manifest.modelFile == "model.json")
        #expect(manifest.thresholds.decision == 0.5 && manifest.thresholds.review == 0.3)
        #expect(manifest.featureBaselines.count == 10)
        #expect(manifest.orderedFeatureBaselines.allSatisfy { $0 != nil })
        #expect(manifest.featureBaselines["amount"]?.binCount == 10)
        #expect(manifest.featureBaselines["always_missing"]?.missingRate == 1)
        #expect(manifest.scoreBaseline.edges.count + 1 == manifest.scoreBaseline.binCount)
        #expect(manifest.validation?.precision != nil && manifest.validation?.aucPR == nil)
        #expect(bundle.model.output == .probability)
        #expect(bundle.location == Fixtures.path("bundle"))
        try Self.expectScoresMatchXGBoost(bundle)
    }

    @Test("an uncompressed tar with the files at its root loads the same bundle")
    func tar() throws {
        let bundle = try ModelBundle.load(from: Fixtures.path("bundle.tar"))
        #expect(bundle.manifest == (try ModelBundle.load(from: Fixtures.path("bundle"))).manifest)
        try Self.expectScoresMatchXGBoost(bundle)
    }

    @Test("a .tar.gz with the files inside one top-level directory (pax format) loads the same bundle")
    func tarGz() throws {
        let bundle = try ModelBundle.load(from: Fixtures.path("bundle.tar.gz"))
        #expect(bundle.manifest.identifier == "card-fraud-tiny@2026.01.15-1")
        try Self.expectScoresMatchXGBoost(bundle)
    }

    @Test("a gzip bundle is recognised by content, whatever its name")
    func gzipByContent() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try directory.write("model-bundle", try Fixtures.bytes("bundle.tar.gz"))
        let bundle = try ModelBundle.load(from: directory.path + "/model-bundle")
        try Self.expectScoresMatchXGBoost(bundle)
    }

    @Test("an in-memory tar (e.g. a record of a models topic) loads without touching disk")
    func inMemoryTar() throws {
        let bundle = try ModelBundle(tarBytes: try Fixtures.bytes("bundle.tar"), location: "models/card-fraud/3")
        #expect(bundle.location == "models/card-fraud/3")
        try Self.expectScoresMatchXGBoost(bundle)
    }

    @Test("a logistic bundle loads and scores")
    func logisticBundle() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try directory.write("manifest.json", BrokenBundleTests.logisticManifest)
        try directory.write("weights/logistic.json", BrokenBundleTests.logisticModel)
        let manifest = BrokenBundleTests.logisticManifest.replacingOccurrences(
            of: #""file": "model.json""#, with: #""file": "weights/logistic.json""#)
        try directory.write("manifest.json", manifest)
        let bundle = try ModelBundle.load(from: directory.path)
        #expect(bundle.manifest.modelKind == .logistic && bundle.model.featureCount == 3)
        let model = try #require(bundle.model as? LogisticModel)
        #expect(model.weights == [0.01, 0.3, 2.0])
        #expect(bundle.model.score([50, 2, 0.3]) == 1 / (1 + exp(4.0)))
    }

    @Test("thresholds give fraud at or above decision, review in the band, legit below")
    func decisions() throws {
        let thresholds = try DecisionThresholds(decision: 0.8, review: 0.5)
        #expect(thresholds.decide(0.8) == .fraud && thresholds.decide(0.99) == .fraud)
        #expect(thresholds.decide(0.5) == .review && thresholds.decide(0.7999) == .review)
        #expect(thresholds.decide(0.4999) == .legit && thresholds.decide(.nan) == .legit)
        let noBand = try DecisionThresholds(decision: 0.5)
        #expect(noBand.decide(0.49) == .legit && noBand.decide(0.5) == .fraud)
    }

    @Test("a baseline bins values by its interior edges; NaN has no bin")
    func baselineBins() throws {
        let baseline = try FeatureBaseline(edges: [1, 2, 3], proportions: [0.1, 0.2, 0.3, 0.4], missingRate: 0.05)
        #expect(baseline.binCount == 4)
        #expect(baseline.bin(of: -100) == 0 && baseline.bin(of: 0.999) == 0)
        #expect(baseline.bin(of: 1) == 1 && baseline.bin(of: 2.5) == 2 && baseline.bin(of: 3) == 3)
        #expect(baseline.bin(of: .infinity) == 3 && baseline.bin(of: .nan) == nil)
        let single = try FeatureBaseline(edges: [], proportions: [1], missingRate: 1)
        #expect(single.bin(of: 42) == 0)
    }

    @Test("RFC 3339 times: offsets, fractions, lower case; invalid dates rejected")
    func timestamps() throws {
        #expect(RFC3339Timestamp(rfc3339: "1970-01-01T00:00:00Z")?.epochMilliseconds == 0)
        #expect(RFC3339Timestamp(rfc3339: "2026-01-15T11:30:00.250+01:00")?.epochMilliseconds == 1_768_473_000_250)
        #expect(RFC3339Timestamp(rfc3339: "2026-01-15t10:30:00.2509z")?.epochMilliseconds == 1_768_473_000_250)
        #expect(RFC3339Timestamp(rfc3339: "1969-12-31T23:59:59.5-00:00")?.epochMilliseconds == -500)
        #expect(RFC3339Timestamp(rfc3339: "2024-02-29T00:00:00Z") != nil)
        for bad in [
            "2025-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-15", "2026-01-15T10:30:00",
            "2026-01-15T10:30:00+0100", "2026-01-15T24:00:00Z", "2026-01-15T10:30:00.Z", " 2026-01-15T10:30:00Z",
        ] {
            #expect(RFC3339Timestamp(rfc3339: bad) == nil, "\(bad)")
        }
    }
}
