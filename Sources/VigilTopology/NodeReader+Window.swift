import VigilCore
import Yams

extension NodeReader {
    static let windowKinds = ["trailing", "tumbling", "hopping", "session"]
    static let windowKeys = ["trailing", "tile", "tumbling", "hopping", "advance", "session"]
    /// Trailing windows longer than this are tiled by default.
    static let untiledLimitMillis: Int64 = 86_400_000
    /// The default tile width of long trailing windows.
    static let defaultTileMillis: Int64 = 3_600_000

    /// Reads `window:`: a duration (a trailing window) or a mapping naming one window kind.
    mutating func window(_ node: Node, path: String, aggregation: Aggregation?) -> Window? {
        if node.scalar != nil {
            guard let millis = duration(node, path: path) else { return nil }
            return trailing(millis, tileNode: nil, windowNode: node, path: path, aggregation: aggregation)
        }
        guard let map = mapping(node, path: path) else { return nil }
        checkKeys(map, allowed: Self.windowKeys, path: path)
        let kinds = map.compactMap { pair -> String? in
            guard let k = pair.key.scalar?.string, Self.windowKinds.contains(k) else { return nil }
            return k
        }
        guard kinds.count == 1, let kind = kinds.first, let spanNode = map[kind] else {
            if kinds.isEmpty {
                report(node, path, .invalidWindow, "a window needs one of: \(Self.windowKinds.joined(separator: ", "))",
                       hint: "e.g. window: {trailing: 30d, tile: 1h}, {tumbling: 1h}, {hopping: 1h, advance: 15m}, {session: 30m}")
            } else {
                report(node, path, .invalidWindow, "a window has one kind, found \(kinds.joined(separator: " and "))",
                       hint: "keep one of them; use two features for two windows")
            }
            return nil
        }
        if kind != "trailing", let t = map.first(where: { $0.key.scalar?.string == "tile" })?.key {
            report(t, join(path, "tile"), .notApplicable, "tile applies to trailing windows only",
                   hint: "a \(kind) window keeps one aggregate per window; remove tile")
        }
        if kind != "hopping", let a = map.first(where: { $0.key.scalar?.string == "advance" })?.key {
            report(a, join(path, "advance"), .notApplicable, "advance applies to hopping windows only",
                   hint: "e.g. window: {hopping: 1h, advance: 15m}")
        }
        guard let span = duration(spanNode, path: join(path, kind)) else { return nil }
        switch kind {
        case "trailing":
            return trailing(span, tileNode: map["tile"], windowNode: spanNode, path: path, aggregation: aggregation)
        case "tumbling":
            return .tumbling(sizeMillis: span)
        case "session":
            return .session(gapMillis: span)
        default:
            guard let anode = map["advance"] else {
                reportMissing(map, "advance", path: path,
                              hint: "how often a hopping window starts, dividing its size, e.g. advance: 15m")
                return nil
            }
            guard let advance = duration(anode, path: join(path, "advance")) else { return nil }
            guard advance <= span, span % advance == 0 else {
                report(anode, join(path, "advance"), .invalidWindow,
                       "the advance \(DurationParser.format(advance)) does not divide the window size \(DurationParser.format(span))",
                       hint: "each event falls in size / advance windows; choose an advance that divides the size")
                return nil
            }
            return .hopping(sizeMillis: span, advanceMillis: advance)
        }
    }

    /// A trailing window with its tile: explicit (`tile: 1h`, `tile: exact`) or the default (1h beyond 24h,
    /// except for `first_seen` and `time_since_last`, which keep one time per value and are exact at any length).
    mutating func trailing(
        _ millis: Int64, tileNode: Node?, windowNode: Node, path: String, aggregation: Aggregation?
    ) -> Window? {
        let keepsTimes = aggregation == .firstSeen || aggregation == .timeSinceLast
        guard let tileNode else {
            guard millis > Self.untiledLimitMillis, !keepsTimes else { return .trailing(millis: millis, tileMillis: nil) }
            guard millis % Self.defaultTileMillis == 0 else {
                report(windowNode, path, .invalidWindow,
                       "the default tile 1h does not divide the window \(DurationParser.format(millis))",
                       hint: "windows longer than 24h are kept as tiles: set {trailing: \(DurationParser.format(millis)), tile: …} with a tile that divides it, or tile: exact")
                return nil
            }
            return .trailing(millis: millis, tileMillis: Self.defaultTileMillis)
        }
        let tpath = join(path, "tile")
        guard let text = scalarString(tileNode, path: tpath) else { return nil }
        if text == "exact" { return .trailing(millis: millis, tileMillis: nil) }
        if keepsTimes, let aggregation {
            report(tileNode, tpath, .notApplicable, "\(aggregation.rawValue) takes no tile",
                   hint: "it keeps the latest time per value, exact at any window length; remove tile")
            return nil
        }
        guard let tile = duration(tileNode, path: tpath) else { return nil }
        guard tile <= millis else {
            report(tileNode, tpath, .invalidWindow,
                   "the tile \(DurationParser.format(tile)) is longer than the window \(DurationParser.format(millis))",
                   hint: "a tile is a slice of the window: choose one that divides it, e.g. 1h for 30d")
            return nil
        }
        guard millis % tile == 0 else {
            report(tileNode, tpath, .invalidWindow,
                   "the tile \(DurationParser.format(tile)) does not divide the window \(DurationParser.format(millis))",
                   hint: "the window must be a whole number of tiles")
            return nil
        }
        return .trailing(millis: millis, tileMillis: tile)
    }
}
