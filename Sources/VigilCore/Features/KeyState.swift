/// Everything one key remembers for one stage: the recent events of its exact trailing windows, the tiles of its
/// tiled windows, the latest-seen maps of its `first_seen` features and the open windows of its windowed features.
///
/// `KeyState()` is a key with no history. A ``FeatureEngine`` updates it through
/// ``FeatureEngine/apply(_:key:watermark:upstream:into:)`` and ``FeatureEngine/closeWindows(_:watermark:into:)``;
/// its binary form (``encode(into:)`` / ``init(decoding:engine:)``) is what the runtime stores per key. Equality
/// compares what the state means (the live entries), not its physical layout or caches.
public struct KeyState: Sendable, Equatable {
    /// The newest event time applied to this key (`Int64.min` when none).
    public internal(set) var newestTimestamp: Int64 = .min
    /// The earliest close time of an open window (`Int64.max` when none): when ``FeatureEngine/closeWindows(_:watermark:into:)``
    /// next has something to emit for this key.
    public internal(set) var nextTimer: Int64 = .max
    /// How many events have been applied to this key in all (never pruned): lets a test or an operator audit that
    /// every event was counted exactly once.
    public internal(set) var eventCount: Int64 = 0

    /// The layout the columns below follow (names for encoding); nil until an engine shapes the state.
    var layout: EngineCore?
    var buffer = EventBuffer()
    var tiles: [TileSet] = []
    var seen: [SeenMap] = []
    var windowed: [WindowedState] = []
    /// Sliding distinct counts (transient: not encoded, not compared).
    var caches: [DistinctCache] = []

    /// A key with no history.
    public init() {}

    /// Roughly the heap bytes this state holds, for a cache's byte budget (computed from the column sizes; cheap).
    public var approximateBytes: Int {
        var b = 128 + buffer.approximateBytes
        for t in tiles { b += 64 + t.approximateBytes }
        for s in seen { b += 32 + s.table.approximateBytes }
        for w in windowed { b += 32 + w.approximateBytes }
        for c in caches { b += 64 + c.approximateBytes }
        return b
    }

    /// Whether both states mean the same: same newest time, timer, live buffer entries, tiles, seen entries and open
    /// windows.
    public static func == (lhs: KeyState, rhs: KeyState) -> Bool {
        guard lhs.newestTimestamp == rhs.newestTimestamp, lhs.nextTimer == rhs.nextTimer,
            lhs.eventCount == rhs.eventCount,
            lhs.buffer.sameEntries(as: rhs.buffer)
        else { return false }
        guard sameElements(lhs.tiles, rhs.tiles, { $0.count == 0 }, { $0.sameTiles(as: $1) }),
            sameElements(lhs.seen, rhs.seen, { $0.liveCount == 0 }, { $0.sameEntries(as: $1) }),
            sameElements(lhs.windowed, rhs.windowed, { $0.windows.isEmpty }, { $0 == $1 })
        else { return false }
        return true
    }

    /// Pairwise equality, where a missing section equals an empty one.
    private static func sameElements<T>(
        _ a: [T], _ b: [T], _ isEmpty: (T) -> Bool, _ same: (T, T) -> Bool
    ) -> Bool {
        for i in 0..<Swift.max(a.count, b.count) {
            switch (i < a.count ? a[i] : nil, i < b.count ? b[i] : nil) {
            case (let x?, let y?): if !same(x, y) { return false }
            case (let x?, nil): if !isEmpty(x) { return false }
            case (nil, let y?): if !isEmpty(y) { return false }
            case (nil, nil): break
            }
        }
        return true
    }
}
