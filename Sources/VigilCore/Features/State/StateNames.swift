/// The stable ids of every section and column a plan's key states store, computed once per engine so that encoding
/// and decoding a key state never builds a string.
///
/// An id is the 32-bit FNV-1a hash of the section's or column's name (``id(_:)``): the name stays the identity, so
/// adding or removing a feature keeps the others' state, while an encoded state carries 4 bytes per section and
/// column instead of the name. Format 1 stored the names themselves; its decoder hashes them to the same ids.
struct StateNames: Sendable {
    /// Ids of one tile group's columns for one numeric field.
    struct TileNumeric: Sendable {
        var n: UInt32
        var sum: UInt32
        var squares: UInt32
        var min: UInt32
        var max: UInt32
        var first: UInt32
        var firstTime: UInt32
        var last: UInt32
        var lastTime: UInt32

        init(field: String) {
            n = StateNames.id("\(field).n")
            sum = StateNames.id("\(field).sum")
            squares = StateNames.id("\(field).sumsq")
            min = StateNames.id("\(field).min")
            max = StateNames.id("\(field).max")
            first = StateNames.id("\(field).first")
            firstTime = StateNames.id("\(field).first@ts")
            last = StateNames.id("\(field).last")
            lastTime = StateNames.id("\(field).last@ts")
        }

        var all: [UInt32] { [n, sum, squares, min, max, first, firstTime, last, lastTime] }
    }

    /// The 32-bit FNV-1a hash of `name`'s UTF-8 bytes: the stable id of a section or column.
    static func id(_ name: String) -> UInt32 {
        var name = name
        return name.withUTF8 { id(UnsafeRawBufferPointer($0)) }
    }

    /// The 32-bit FNV-1a hash of `bytes`.
    @inline(__always)
    static func id(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var h: UInt32 = 0x811C_9DC5
        for b in bytes {
            h ^= UInt32(b)
            h &*= 0x0100_0193
        }
        return h
    }

    static let events = id("events")
    /// The key's total applied events (an audit figure, never pruned).
    static let eventCount = id("count")
    static let timestamps = id("@ts")
    static let tileIndex = id("@tile")
    static let tileCount = id("@count")

    /// `field` per exact-buffer numeric column.
    var bufferNumeric: [UInt32]
    /// `field#hash` per exact-buffer hash column.
    var bufferHashed: [UInt32]
    /// `tiles/<width>` per tile group.
    var tileSections: [UInt32]
    var tileNumeric: [[TileNumeric]]
    /// `field#distinct` per tile group and hash column.
    var tileHashed: [[UInt32]]
    /// `seen/<field>` per latest-seen map.
    var seenSections: [UInt32]
    /// `window/<id>` per windowed feature.
    var windowSections: [UInt32]
    /// Two names of one scope (the sections, or the columns of one section) that share an id, if any: an engine
    /// refuses such a plan (a feature id must be renamed), since its state could not tell them apart.
    var collision: (String, String)?

    init(plan: EnginePlan) {
        let bufferNumericNames = plan.bufferNumeric.map(\.name)
        let bufferHashedNames = plan.bufferHashed.map { "\($0.name)#hash" }
        let tileSectionNames = plan.tileGroups.map { "tiles/\($0.width)" }
        let seenNames = plan.seen.map { "seen/\($0.name)" }
        let windowNames = plan.windowed.map(\.sectionName)
        bufferNumeric = bufferNumericNames.map(Self.id)
        bufferHashed = bufferHashedNames.map(Self.id)
        tileSections = tileSectionNames.map(Self.id)
        tileNumeric = plan.tileGroups.map { g in g.numeric.map { TileNumeric(field: $0.name) } }
        tileHashed = plan.tileGroups.map { g in g.hashed.map { Self.id("\($0.name)#distinct") } }
        seenSections = seenNames.map(Self.id)
        windowSections = windowNames.map(Self.id)

        collision = Self.findCollision(["events", "count"] + tileSectionNames + seenNames + windowNames)
            ?? Self.findCollision(["@ts"] + bufferNumericNames + bufferHashedNames)
        for g in plan.tileGroups where collision == nil {
            var names = ["@tile", "@count"]
            for f in g.numeric {
                for suffix in [".n", ".sum", ".sumsq", ".min", ".max", ".first", ".first@ts", ".last", ".last@ts"] {
                    names.append(f.name + suffix)
                }
            }
            names += g.hashed.map { "\($0.name)#distinct" }
            collision = Self.findCollision(names)
        }
    }

    private static func findCollision(_ names: [String]) -> (String, String)? {
        var seen: [UInt32: String] = [:]
        for name in names {
            let i = id(name)
            if let other = seen[i], other != name { return (other, name) }
            seen[i] = name
        }
        return nil
    }
}
