/// The one implementation of a stage's features: trailing-window aggregates, ratios and windowed (tumbling, hopping,
/// session) aggregates, over per-key state (``KeyState``). Live processing, replay and backfill all call it, so a
/// feature's value never depends on how the events arrived. docs/semantics.md defines every value exactly.
///
/// Build one per stage (it compiles the feature list into a state layout), then per event call
/// ``apply(_:key:watermark:upstream:into:)``, and per watermark advance ``closeWindows(_:watermark:into:)`` for keys
/// whose ``KeyState/nextTimer`` has passed; delete a key's state once ``isExpired(_:watermark:)`` says so.
///
/// Thread-safety: a `FeatureEngine` is an immutable value with no shared mutable state (per-event scratch space is
/// allocated by each call, on the stack), so threads may share one freely; each call works on the `KeyState` it is
/// given, which must not be used by two threads at once.
public struct FeatureEngine: Sendable {
    /// The engine's definition and compiled layout (one reference: copying an engine is cheap).
    let core: EngineCore

    /// The schema of the stage's input events.
    public var schema: EventSchema { core.schema }
    /// The stage's features, in declaration order.
    public var features: [FeatureSpec] { core.features }
    /// The tolerated disorder: the runtime's watermark is its stream time minus this.
    public var graceMillis: Int64 { core.graceMillis }
    /// Distinct-count sets larger than this become HyperLogLog sketches (tiled and windowed features).
    public var distinctExactLimit: Int { core.distinctExactLimit }
    /// Names of earlier stages' features that ratios may use; their values arrive per event in `upstream`.
    public var upstreamFeatureNames: [String] { core.upstreamFeatureNames }
    /// Trailing-window and ratio features, in declaration order: the order of the values
    /// ``apply(_:key:watermark:upstream:into:)`` produces.
    public var perEventFeatures: [FeatureSpec] { core.perEventFeatures }
    /// Tumbling, hopping and session features, in declaration order; ``WindowResult/featureIndex`` indexes this.
    public var windowedFeatures: [FeatureSpec] { core.windowedFeatures }
    /// How far behind its stream time a partition needs events: the longest window span (plus its tile width for
    /// tiled windows) plus the grace. No key keeps anything older than this behind the stream time.
    public var retentionMillis: Int64 { core.retentionMillis }

    /// Compiles a stage's features.
    ///
    /// - Parameters:
    ///   - schema: the stage's input event schema; feature fields name its fields.
    ///   - features: the stage's features in declaration order (trailing, ratio and windowed mixed).
    ///   - graceMillis: the grace period (>= 0).
    ///   - distinctExactLimit: the largest exact distinct set of a tile or window (>= 1).
    ///   - upstreamFeatureNames: features of earlier stages that ratios may name.
    /// - Throws: ``FeatureEngineError`` on any inconsistent definition: an unknown field, a field of the wrong type
    ///   for its aggregation, a ratio naming an unknown or windowed feature, `include_current` where it is not
    ///   allowed, a tile width that does not divide its window, a hopping advance that does not divide its size,
    ///   non-positive lengths, duplicate names or ids.
    public init(
        schema: EventSchema, features: [FeatureSpec], graceMillis: Int64, distinctExactLimit: Int = 1000,
        upstreamFeatureNames: [String] = []
    ) throws(FeatureEngineError) {
        guard graceMillis >= 0 else {
            throw FeatureEngineError(code: .invalidParameter, message: "grace must be >= 0 ms, got \(graceMillis)")
        }
        guard distinctExactLimit >= 1 else {
            throw FeatureEngineError(
                code: .invalidParameter, message: "distinctExactLimit must be >= 1, got \(distinctExactLimit)")
        }
        guard schema.fields.indices.contains(schema.timestampField),
            schema.fields[schema.timestampField].type == .timestamp
        else {
            throw FeatureEngineError(code: .invalidParameter, message: "the schema's timestamp field is not a timestamp")
        }
        var compiler = PlanCompiler(schema: schema, upstream: upstreamFeatureNames)
        try compiler.compile(features)
        var span: Int64 = 0
        for f in features {
            guard case .aggregate(_, _, let window) = f.kind else { continue }
            var s = window.spanMillis
            if case .trailing(_, let tile?) = window { s = EngineMath.add(s, tile) }
            span = Swift.max(span, s)
        }
        core = EngineCore(
            schema: schema, features: features, graceMillis: graceMillis, distinctExactLimit: distinctExactLimit,
            upstreamFeatureNames: upstreamFeatureNames, perEventFeatures: compiler.perEvent,
            windowedFeatures: compiler.windowedSpecs, retentionMillis: EngineMath.add(span, graceMillis),
            plan: compiler.plan)
        if let (a, b) = core.names.collision {
            throw FeatureEngineError(
                code: .invalidParameter,
                message: "the state names \"\(a)\" and \"\(b)\" share a 32-bit id: give one of the features another id")
        }
    }

    /// A fresh, empty state laid out for this engine.
    func emptyState() -> KeyState {
        var s = KeyState()
        s.layout = core
        s.buffer = EventBuffer(plan: core.plan)
        s.tiles = core.plan.tileGroups.map(TileSet.init(plan:))
        s.seen = core.plan.seen.map { _ in SeenMap() }
        s.windowed = core.plan.windowed.map { _ in WindowedState() }
        s.caches = Array(filledWith: DistinctCache(), count: core.plan.distinctCaches.count)
        return s
    }

    /// Whether `key` is laid out for this engine.
    @inline(__always)
    func isShaped(_ key: KeyState) -> Bool {
        guard let l = key.layout else { return false }
        return l === core || l.plan.shapeID == core.plan.shapeID
    }

    /// Lays `key` out for this engine: an empty state gets empty columns; a state built by another engine is
    /// converted through its encoding (sections this engine does not use are dropped, missing ones start empty).
    func conform(_ key: inout KeyState) {
        if key.layout == nil && key.newestTimestamp == .min && key.nextTimer == .max {
            key = emptyState()
            return
        }
        var bytes: [UInt8] = []
        key.encode(into: &bytes)
        key = (try? KeyState(decoding: bytes, engine: self)) ?? emptyState()
    }
}
