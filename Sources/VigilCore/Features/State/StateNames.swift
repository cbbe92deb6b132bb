/// The UTF-8 names of every section and column a plan's key states store, encoded once per engine so that encoding
/// and decoding a key state never builds a string.
struct StateNames: Sendable {
    /// Names of one tile group's columns for one numeric field.
    struct TileNumeric: Sendable {
        var n: [UInt8]
        var sum: [UInt8]
        var squares: [UInt8]
        var min: [UInt8]
        var max: [UInt8]
        var first: [UInt8]
        var firstTime: [UInt8]
        var last: [UInt8]
        var lastTime: [UInt8]

        init(field: String) {
            n = Array("\(field).n".utf8)
            sum = Array("\(field).sum".utf8)
            squares = Array("\(field).sumsq".utf8)
            min = Array("\(field).min".utf8)
            max = Array("\(field).max".utf8)
            first = Array("\(field).first".utf8)
            firstTime = Array("\(field).first@ts".utf8)
            last = Array("\(field).last".utf8)
            lastTime = Array("\(field).last@ts".utf8)
        }
    }

    static let events = Array("events".utf8)
    /// The key's total applied events (an audit figure, never pruned).
    static let eventCount = Array("count".utf8)
    static let timestamps = Array("@ts".utf8)
    static let tileIndex = Array("@tile".utf8)
    static let tileCount = Array("@count".utf8)

    /// `field` per exact-buffer numeric column.
    var bufferNumeric: [[UInt8]]
    /// `field#hash` per exact-buffer hash column.
    var bufferHashed: [[UInt8]]
    /// `tiles/<width>` per tile group.
    var tileSections: [[UInt8]]
    var tileNumeric: [[TileNumeric]]
    /// `field#distinct` per tile group and hash column.
    var tileHashed: [[[UInt8]]]
    /// `seen/<field>` per latest-seen map.
    var seenSections: [[UInt8]]
    /// `window/<id>` per windowed feature.
    var windowSections: [[UInt8]]

    init(plan: EnginePlan) {
        bufferNumeric = plan.bufferNumeric.map { Array($0.name.utf8) }
        bufferHashed = plan.bufferHashed.map { Array("\($0.name)#hash".utf8) }
        tileSections = plan.tileGroups.map { Array("tiles/\($0.width)".utf8) }
        tileNumeric = plan.tileGroups.map { g in g.numeric.map { TileNumeric(field: $0.name) } }
        tileHashed = plan.tileGroups.map { g in g.hashed.map { Array("\($0.name)#distinct".utf8) } }
        seenSections = plan.seen.map { Array("seen/\($0.name)".utf8) }
        windowSections = plan.windowed.map { Array($0.sectionName.utf8) }
    }
}
