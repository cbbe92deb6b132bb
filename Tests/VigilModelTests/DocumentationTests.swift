import Foundation
import Testing

@testable import VigilModel

/// The documentation's example manifest is a valid manifest.
@Suite("Documentation")
struct DocumentationTests {
    @Test("the example manifest in docs/models.md parses and validates")
    func exampleManifest() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/models.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: "```json\n{\n  \"format_version\""))
        let end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let json = String(text[text.index(start.lowerBound, offsetBy: 8)..<end.lowerBound])
        let manifest = try ModelManifest(json: Array(json.utf8))
        #expect(manifest.identifier == "card-fraud@2026.01.15-1")
        #expect(manifest.features.count == 5 && manifest.featureBaselines.count == 2)
        #expect(manifest.thresholds.decide(0.5) == .review)
    }
}
