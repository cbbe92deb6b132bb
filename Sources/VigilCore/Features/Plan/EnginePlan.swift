/// The compiled layout of a stage's features: which columns the key state keeps and what each per-event and windowed
/// feature reads. Built once by ``FeatureEngine/init(schema:features:graceMillis:distinctExactLimit:upstreamFeatureNames:)``.
struct EnginePlan: Sendable {
    /// One numeric column of the exact event buffer: the fixed-point units of a schema field.
    struct NumericColumn: Sendable {
        var field: Int
        var name: String
        /// Whether the column keeps prefix sums of squares (variance, stddev, zscore).
        var squares: Bool
    }

    /// One hash column (exact buffer or tiles): the ``StableHash`` of a schema field's value.
    struct HashColumn: Sendable {
        var field: Int
        var name: String
    }

    /// What a tile group keeps per tile for one numeric field.
    struct TileNumeric: Sendable {
        var field: Int
        var name: String
        var moments = false  // n and sum
        var squares = false
        var min = false
        var max = false
        var first = false
        var last = false
    }

    /// All tiled features of one tile width share one tile group.
    struct TileGroup: Sendable {
        var width: Int64
        /// The longest window of the group, in tiles.
        var maxTiles: Int64
        var numeric: [TileNumeric] = []
        var hashed: [HashColumn] = []
    }

    /// The latest-seen map of one field, shared by its `first_seen` features.
    struct Seen: Sendable {
        var field: Int
        var name: String
        /// Exact windows of the features using it.
        var exactWindows: [Int64] = []
        /// (tile width, window) of the tiled features using it.
        var tiledWindows: [(tile: Int64, window: Int64)] = []
        /// Slack before a physical pruning pass (a fraction of the shortest window).
        var slack: Int64 = 1
    }

    /// Where a per-event aggregate reads its history.
    enum Source: Sendable {
        /// The exact buffer, window `(t − W, t]`.
        case exact(window: Int64)
        /// Tile group `group`, `tiles` tiles ending with t's tile.
        case tiled(group: Int, tiles: Int64, width: Int64, window: Int64)
    }

    /// A ratio operand: a per-event value of this stage or an upstream value.
    enum Operand: Sendable {
        case local(Int)
        case upstream(Int)
    }

    /// One per-event feature.
    enum Step: Sendable {
        /// count, sum, mean, min, max, variance, stddev, first, last, distinct_count, zscore.
        case aggregate(Aggregate)
        /// Seconds since the latest earlier event with ts <= t in the window.
        case timeSinceLast(Source)
        /// 1 when no earlier event had this value in the window (extended to +∞), else 0.
        case firstSeen(seen: Int, field: Int, source: Source)
        case ratio(numerator: Operand, denominator: Operand)
    }

    struct Aggregate: Sendable {
        var aggregation: Aggregation
        var source: Source
        /// Schema field index, -1 for count.
        var field: Int
        /// Index of the numeric column (buffer or tile group), -1 if none.
        var numeric: Int
        /// Index of the hash column (buffer or tile group), -1 if none.
        var hashed: Int
        var includeCurrent: Bool
        /// Index of the distinct cache (distinct_count only), -1 if none.
        var cache: Int = -1
    }

    /// What a sliding distinct cache covers.
    enum DistinctCacheSpec: Sendable, Equatable {
        /// Buffer hash column `column`, window `(t − W, t]`.
        case exact(column: Int, window: Int64)
        /// Tile group `group`, hash column `column`, `tiles` tiles.
        case tiled(group: Int, column: Int, tiles: Int64)
    }

    /// The kind of a windowed feature.
    enum WindowKind: Sendable, Equatable {
        case tumbling(size: Int64)
        case hopping(size: Int64, advance: Int64)
        case session(gap: Int64)
    }

    /// One windowed feature.
    struct Windowed: Sendable {
        var aggregation: Aggregation
        /// Schema field index, -1 for count.
        var field: Int
        var kind: WindowKind
        /// `window/<id>`.
        var sectionName: String
        /// Fingerprint of the definition: a changed definition discards the stored windows.
        var fingerprint: UInt64
    }

    var steps: [Step] = []
    /// Order in which steps are evaluated: aggregates first, then ratios in declaration order.
    var evaluationOrder: [Int] = []

    /// Whether the exact event buffer is kept at all.
    var usesBuffer = false
    /// Entries with ts <= watermark − horizon are pruned from the buffer.
    var bufferHorizon: Int64 = 0
    var bufferNumeric: [NumericColumn] = []
    var bufferHashed: [HashColumn] = []

    var tileGroups: [TileGroup] = []
    /// One sliding distinct cache per distinct (window, column) of the distinct_count features.
    var distinctCaches: [DistinctCacheSpec] = []
    var seen: [Seen] = []
    var windowed: [Windowed] = []

    /// Schema fields whose value hash an event needs (distinct, first_seen), and each one's slot in the per-event
    /// hash scratch.
    var hashedFields: [Int] = []
    /// For every schema field, its slot in `hashedFields` or -1.
    var hashSlot: [Int] = []

    /// Exclusive lower bounds, relative to a future event at t >= watermark, of everything any feature can see:
    /// used for expiry.
    var exactReach: Int64 = -1
    var tiledReach: [(tile: Int64, window: Int64)] = []

    /// A stable identity of the layout, to recognise state shaped by this plan.
    var shapeID: UInt64 = 1
}
