import Testing

@testable import VigilModel

/// The tar reader on the header variants other tools write: POSIX ustar prefixes, pax path records, GNU long
/// names, directories and `./` prefixes.
@Suite("Tar archives")
struct TarArchiveTests {
    /// One 512-byte header (ustar magic unless `gnu`), with its checksum.
    static func header(name: String, size: Int, type: UInt8 = UInt8(ascii: "0"), prefix: String = "", gnu: Bool = false)
        -> [UInt8]
    {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, _ offset: Int) {
            for (i, byte) in text.utf8.enumerated() { h[offset + i] = byte }
        }
        put(name, 0)
        put("0000644", 100)
        put("0000000", 108)
        put("0000000", 116)
        let octal = String(size, radix: 8)
        put(String(repeating: "0", count: 11 - octal.count) + octal, 124)
        put("00000000000", 136)
        h[156] = type
        if gnu {
            put("ustar  ", 257)
        } else {
            put("ustar", 257)
            put("00", 263)
            put(prefix, 345)
        }
        put("        ", 148)
        let sum = String(h.reduce(0) { $0 + Int($1) }, radix: 8)
        put(String(repeating: "0", count: 6 - sum.count) + sum, 148)
        h[154] = 0
        h[155] = 32
        return h
    }

    /// An entry: header plus data padded to 512 bytes.
    static func entry(_ header: [UInt8], _ data: [UInt8]) -> [UInt8] {
        header + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    /// A pax extended header record `"<length> path=<value>\n"`.
    static func paxPath(_ path: String) -> [UInt8] {
        let body = " path=\(path)\n"
        var length = body.utf8.count + 1
        while String(length).count + body.utf8.count != length { length += 1 }
        return Array("\(length)\(body)".utf8)
    }

    @Test("ustar prefixes, pax paths and GNU long names all name the files")
    func headerVariants() throws {
        let directory = String(repeating: "d", count: 120)  // longer than the 100-byte name field
        let manifest = try Fixtures.bytes("bundle/manifest.json")
        let model = try Fixtures.bytes("bundle/model.json")
        let longName = Array("\(directory)/model.json".utf8)
        let pax = Self.paxPath("\(directory)/notes/readme.txt")
        var tar: [UInt8] = []
        tar += Self.entry(Self.header(name: "./", size: 0, type: UInt8(ascii: "5")), [])
        tar += Self.entry(Self.header(name: "manifest.json", size: manifest.count, prefix: directory), manifest)
        tar += Self.entry(Self.header(name: "././@LongLink", size: longName.count, type: UInt8(ascii: "L"), gnu: true), longName)
        tar += Self.entry(Self.header(name: "truncated-name", size: model.count, gnu: true), model)
        tar += Self.entry(Self.header(name: "PaxHeader", size: pax.count, type: UInt8(ascii: "x")), pax)
        tar += Self.entry(Self.header(name: "short", size: 2), Array("hi".utf8))
        tar += [UInt8](repeating: 0, count: 1024)

        let files = try TarArchive.files(in: tar, name: "t.tar")
        #expect(Set(files.keys) == ["\(directory)/manifest.json", "\(directory)/model.json", "\(directory)/notes/readme.txt"])
        #expect(files["\(directory)/notes/readme.txt"] == Array("hi".utf8))
        let bundle = try ModelBundle(tarBytes: tar, location: "t.tar")
        #expect(bundle.manifest.identifier == "card-fraud-tiny@2026.01.15-1")
        let expected = try Fixtures.expected("xgb_tiny")
        #expect(bundle.model.score(expected.inputs[0]) == expected.predict[0])
    }

    @Test("an entry whose size runs past the end is a truncated archive")
    func sizePastEnd() throws {
        let tar = Self.entry(Self.header(name: "manifest.json", size: 4096), Array("{}".utf8))
        let error = try #require(throws: ModelError.self) { try TarArchive.files(in: tar, name: "t.tar") }
        #expect(error.description == "t.tar: truncated tar archive (an entry needs 4096 bytes at byte 512)")
    }

    @Test("two bundles in one archive are refused rather than guessed between")
    func twoManifests() throws {
        var tar: [UInt8] = []
        for directory in ["a", "b"] {
            tar += Self.entry(Self.header(name: "\(directory)/manifest.json", size: 2), Array("{}".utf8))
        }
        tar += [UInt8](repeating: 0, count: 1024)
        let error = try #require(throws: ModelError.self) { try ModelBundle(tarBytes: tar, location: "t.tar") }
        #expect(error.description == "t.tar: several manifest.json files (a/manifest.json, b/manifest.json)")
    }
}
