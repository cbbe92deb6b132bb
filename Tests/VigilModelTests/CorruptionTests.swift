import Testing

@testable import VigilModel

/// Whatever bytes a file holds, loading either succeeds or throws a ``ModelError``: it never traps.
@Suite("Corrupted files")
struct CorruptionTests {
    /// SplitMix64, for reproducible corruptions.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Digits, signs and JSON punctuation: the replacements most likely to keep the file parseable but wrong.
    static let replacements = Array("0123456789-+.eE[]{},:\"tfn ".utf8)

    @Test("every truncation of the model and the manifest is rejected")
    func truncations() throws {
        let manifest = try Fixtures.bytes("bundle/manifest.json")
        let model = try Fixtures.bytes("bundle/model.json")
        for length in stride(from: 0, to: model.count - 1, by: 37) {
            let files = ["manifest.json": manifest, "model.json": Array(model[0..<length])]
            #expect(throws: ModelError.self) { try ModelBundle(files: files, location: "t") }
        }
        for length in stride(from: 0, to: manifest.count - 1, by: 23) {
            let files = ["manifest.json": Array(manifest[0..<length]), "model.json": model]
            #expect(throws: ModelError.self) { try ModelBundle(files: files, location: "t") }
        }
    }

    @Test("single-character corruptions load or throw, and a loaded model scores finite values")
    func corruptions() throws {
        let manifest = try Fixtures.bytes("bundle/manifest.json")
        let model = try Fixtures.bytes("bundle/model.json")
        let expected = try Fixtures.expected("xgb_tiny")
        var random = Generator(state: 2026)
        var loaded = 0
        var rejected = 0
        for round in 0..<600 {
            var manifestCopy = manifest
            var modelCopy = model
            if round % 3 == 0 {
                manifestCopy[Int(random.next() % UInt64(manifest.count))] =
                    Self.replacements[Int(random.next() % UInt64(Self.replacements.count))]
            } else {
                modelCopy[Int(random.next() % UInt64(model.count))] =
                    Self.replacements[Int(random.next() % UInt64(Self.replacements.count))]
            }
            do {
                let bundle = try ModelBundle(
                    files: ["manifest.json": manifestCopy, "model.json": modelCopy], location: "t")
                loaded += 1
                for row in expected.inputs.prefix(5) {
                    #expect(!bundle.model.score(row).isNaN)
                    #expect(bundle.model.contributions(row).count == 11)
                }
            } catch {
                rejected += 1
            }
        }
        #expect(loaded > 0 && rejected > 0)
    }

    @Test("corrupted tar bytes load or throw")
    func tarCorruptions() throws {
        let tar = try Fixtures.bytes("bundle.tar")
        var random = Generator(state: 7)
        for _ in 0..<300 {
            var copy = tar
            copy[Int(random.next() % 1536)] = UInt8(truncatingIfNeeded: random.next())
            _ = try? ModelBundle(tarBytes: copy, location: "t")
        }
    }
}
