/// Turns a feature list into an ``EnginePlan``, validating it.
struct PlanCompiler {
    let schema: EventSchema
    let upstream: [String]
    var plan = EnginePlan()
    var perEvent: [FeatureSpec] = []
    var windowedSpecs: [FeatureSpec] = []

    init(schema: EventSchema, upstream: [String]) {
        self.schema = schema
        self.upstream = upstream
        plan.hashSlot = Array(repeating: -1, count: schema.fields.count)
    }

    static func error(_ code: FeatureEngineError.Code, _ feature: FeatureSpec, _ text: String) -> FeatureEngineError {
        FeatureEngineError(code: code, message: "feature \"\(feature.name)\": \(text)")
    }

    mutating func compile(_ features: [FeatureSpec]) throws(FeatureEngineError) {
        var names = Set<String>()
        var ids = Set<String>()
        var ratios: [(step: Int, spec: FeatureSpec, numerator: String, denominator: String)] = []
        for f in features {
            guard names.insert(f.name).inserted else {
                throw Self.error(.duplicateFeature, f, "another feature has the same name")
            }
            guard ids.insert(f.id).inserted else {
                throw Self.error(.duplicateFeature, f, "another feature has the same id \"\(f.id)\"")
            }
            switch f.kind {
            case .ratio(let numerator, let denominator):
                guard !f.includeCurrent else {
                    throw Self.error(.includeCurrent, f, "include_current does not apply to a ratio")
                }
                ratios.append((plan.steps.count, f, numerator, denominator))
                plan.steps.append(.ratio(numerator: .local(0), denominator: .local(0)))
                perEvent.append(f)
            case .aggregate(let aggregation, let field, let window):
                let fieldIndex = try resolveField(f, aggregation, field)
                switch window {
                case .trailing(let w, let tile):
                    try addTrailing(f, aggregation, fieldIndex, w, tile)
                    perEvent.append(f)
                case .tumbling, .hopping, .session:
                    try addWindowed(f, aggregation, fieldIndex, window)
                    windowedSpecs.append(f)
                }
            }
        }
        // Ratios: operands are this stage's per-event features (aggregates, or other ratios in any order as long as
        // they form no cycle) or upstream features. Aggregates are evaluated first, then ratios in dependency order.
        var localIndex: [String: Int] = [:]
        for (i, f) in perEvent.enumerated() { localIndex[f.name] = i }
        let windowedNames = Set(windowedSpecs.map(\.name))
        var order = plan.steps.indices.filter { if case .ratio = plan.steps[$0] { false } else { true } }
        var ratioOf: [Int: (spec: FeatureSpec, numerator: String, denominator: String)] = [:]
        for r in ratios {
            func operand(_ name: String) throws(FeatureEngineError) -> EnginePlan.Operand {
                if let i = localIndex[name] { return .local(i) }
                if let u = upstream.firstIndex(of: name) { return .upstream(u) }
                if windowedNames.contains(name) {
                    throw Self.error(
                        .unknownFeature, r.spec,
                        "\"\(name)\" is a windowed feature: it has no value per event, a ratio cannot use it")
                }
                throw Self.error(
                    .unknownFeature, r.spec, "\"\(name)\" is not a per-event feature of this stage or an earlier one")
            }
            plan.steps[r.step] = .ratio(numerator: try operand(r.numerator), denominator: try operand(r.denominator))
            ratioOf[r.step] = (r.spec, r.numerator, r.denominator)
        }
        // Depth-first topological order of the ratios (declaration order among independent ones).
        var state: [Int: Int] = [:]  // 1 = in progress, 2 = done
        func visit(_ step: Int) throws(FeatureEngineError) {
            guard let r = ratioOf[step] else { return }
            if state[step] == 2 { return }
            if state[step] == 1 {
                throw Self.error(.unknownFeature, r.spec, "ratios form a cycle through \"\(r.spec.name)\"")
            }
            state[step] = 1
            if case .ratio(let numerator, let denominator) = plan.steps[step] {
                for o in [numerator, denominator] {
                    if case .local(let i) = o { try visit(i) }
                }
            }
            state[step] = 2
            order.append(step)
        }
        for r in ratios { try visit(r.step) }
        plan.evaluationOrder = order
        plan.shapeID = shapeID()
    }

    func isRatio(_ f: FeatureSpec) -> Bool {
        if case .ratio = f.kind { true } else { false }
    }

    /// Checks the field an aggregation uses and returns its schema index (-1 for none).
    func resolveField(_ f: FeatureSpec, _ aggregation: Aggregation, _ field: String?) throws(FeatureEngineError) -> Int {
        switch aggregation {
        case .count, .timeSinceLast:
            guard field == nil else {
                throw Self.error(.fieldUsage, f, "\(aggregation.rawValue) takes no field (got \"\(field!)\")")
            }
            return -1
        default:
            guard let field else { throw Self.error(.fieldUsage, f, "\(aggregation.rawValue) needs a field") }
            guard let index = schema.index(of: field) else {
                let known = schema.fields.map(\.name).joined(separator: ", ")
                throw Self.error(.unknownField, f, "unknown field \"\(field)\" (the schema has: \(known))")
            }
            if Self.needsNumeric(aggregation) {
                let type = schema.fields[index].type
                guard type == .int || type == .decimal else {
                    throw Self.error(
                        .fieldType, f,
                        "\(aggregation.rawValue) needs a numeric (int or decimal) field; \"\(field)\" is \(type.rawValue)")
                }
            }
            return index
        }
    }

    static func needsNumeric(_ a: Aggregation) -> Bool {
        switch a {
        case .sum, .mean, .min, .max, .variance, .stddev, .first, .last, .zScore: true
        case .count, .distinctCount, .timeSinceLast, .firstSeen: false
        }
    }

    mutating func hashSlot(for field: Int) {
        if plan.hashSlot[field] < 0 {
            plan.hashSlot[field] = plan.hashedFields.count
            plan.hashedFields.append(field)
        }
    }

    mutating func addTrailing(
        _ f: FeatureSpec, _ aggregation: Aggregation, _ field: Int, _ w: Int64, _ tile: Int64?
    ) throws(FeatureEngineError) {
        guard w > 0 else { throw Self.error(.invalidWindow, f, "the window must be longer than 0 ms") }
        if let tile {
            guard tile > 0, w % tile == 0 else {
                throw Self.error(
                    .invalidWindow, f, "the tile width (\(tile) ms) must be positive and divide the window (\(w) ms)")
            }
        }
        if f.includeCurrent {
            switch aggregation {
            case .zScore, .firstSeen, .timeSinceLast:
                throw Self.error(.includeCurrent, f, "include_current does not apply to \(aggregation.rawValue)")
            default: break
            }
        }
        let source: EnginePlan.Source
        if let tile {
            source = .tiled(group: -1, tiles: w / tile, width: tile, window: w)
            plan.tiledReach.append((tile, w))
        } else {
            source = .exact(window: w)
            plan.exactReach = Swift.max(plan.exactReach, w)
        }
        switch aggregation {
        case .timeSinceLast:
            plan.usesBuffer = true
            plan.steps.append(.timeSinceLast(source))
        case .firstSeen:
            hashSlot(for: field)
            let name = schema.fields[field].name
            var s = plan.seen.firstIndex { $0.field == field } ?? -1
            if s < 0 {
                s = plan.seen.count
                plan.seen.append(EnginePlan.Seen(field: field, name: name))
            }
            if let tile { plan.seen[s].tiledWindows.append((tile, w)) } else { plan.seen[s].exactWindows.append(w) }
            let shortest = (plan.seen[s].exactWindows + plan.seen[s].tiledWindows.map(\.window)).min() ?? w
            plan.seen[s].slack = Swift.max(1, shortest / 16)
            plan.steps.append(.firstSeen(seen: s, field: field, source: source))
        default:
            var step = EnginePlan.Aggregate(
                aggregation: aggregation, source: source, field: field, numeric: -1, hashed: -1,
                includeCurrent: f.includeCurrent)
            if let tile {
                var g = plan.tileGroups.firstIndex { $0.width == tile } ?? -1
                if g < 0 {
                    g = plan.tileGroups.count
                    plan.tileGroups.append(EnginePlan.TileGroup(width: tile, maxTiles: 0))
                }
                plan.tileGroups[g].maxTiles = Swift.max(plan.tileGroups[g].maxTiles, w / tile)
                step.source = .tiled(group: g, tiles: w / tile, width: tile, window: w)
                if Self.needsNumeric(aggregation) {
                    let name = schema.fields[field].name
                    var c = plan.tileGroups[g].numeric.firstIndex { $0.field == field } ?? -1
                    if c < 0 {
                        c = plan.tileGroups[g].numeric.count
                        plan.tileGroups[g].numeric.append(EnginePlan.TileNumeric(field: field, name: name))
                    }
                    switch aggregation {
                    case .sum, .mean: plan.tileGroups[g].numeric[c].moments = true
                    case .variance, .stddev, .zScore:
                        plan.tileGroups[g].numeric[c].moments = true
                        plan.tileGroups[g].numeric[c].squares = true
                    case .min: plan.tileGroups[g].numeric[c].min = true
                    case .max: plan.tileGroups[g].numeric[c].max = true
                    case .first: plan.tileGroups[g].numeric[c].first = true
                    case .last: plan.tileGroups[g].numeric[c].last = true
                    default: break
                    }
                    step.numeric = c
                } else if aggregation == .distinctCount {
                    hashSlot(for: field)
                    var c = plan.tileGroups[g].hashed.firstIndex { $0.field == field } ?? -1
                    if c < 0 {
                        c = plan.tileGroups[g].hashed.count
                        plan.tileGroups[g].hashed.append(
                            EnginePlan.HashColumn(field: field, name: schema.fields[field].name))
                    }
                    step.hashed = c
                    step.cache = cacheIndex(.tiled(group: g, column: c, tiles: w / tile))
                }
            } else {
                plan.usesBuffer = true
                plan.bufferHorizon = Swift.max(plan.bufferHorizon, w)
                if Self.needsNumeric(aggregation) {
                    let squares = aggregation == .variance || aggregation == .stddev || aggregation == .zScore
                    var c = plan.bufferNumeric.firstIndex { $0.field == field } ?? -1
                    if c < 0 {
                        c = plan.bufferNumeric.count
                        plan.bufferNumeric.append(
                            EnginePlan.NumericColumn(field: field, name: schema.fields[field].name, squares: false))
                    }
                    if squares { plan.bufferNumeric[c].squares = true }
                    step.numeric = c
                } else if aggregation == .distinctCount {
                    hashSlot(for: field)
                    var c = plan.bufferHashed.firstIndex { $0.field == field } ?? -1
                    if c < 0 {
                        c = plan.bufferHashed.count
                        plan.bufferHashed.append(EnginePlan.HashColumn(field: field, name: schema.fields[field].name))
                    }
                    step.hashed = c
                    step.cache = cacheIndex(.exact(column: c, window: w))
                }
            }
            plan.steps.append(.aggregate(step))
        }
    }

    mutating func cacheIndex(_ spec: EnginePlan.DistinctCacheSpec) -> Int {
        if let i = plan.distinctCaches.firstIndex(of: spec) { return i }
        plan.distinctCaches.append(spec)
        return plan.distinctCaches.count - 1
    }

    mutating func addWindowed(
        _ f: FeatureSpec, _ aggregation: Aggregation, _ field: Int, _ window: Window
    ) throws(FeatureEngineError) {
        guard !f.includeCurrent else {
            throw Self.error(.includeCurrent, f, "include_current only applies to trailing windows")
        }
        switch aggregation {
        case .zScore, .timeSinceLast, .firstSeen:
            throw Self.error(
                .invalidWindow, f, "\(aggregation.rawValue) is only defined over trailing windows")
        default: break
        }
        let kind: EnginePlan.WindowKind
        switch window {
        case .tumbling(let size):
            guard size > 0 else { throw Self.error(.invalidWindow, f, "the window size must be longer than 0 ms") }
            kind = .tumbling(size: size)
        case .hopping(let size, let advance):
            guard size > 0, advance > 0, size % advance == 0 else {
                throw Self.error(
                    .invalidWindow, f,
                    "the hopping advance (\(advance) ms) must be positive and divide the size (\(size) ms)")
            }
            kind = .hopping(size: size, advance: advance)
        case .session(let gap):
            guard gap > 0 else { throw Self.error(.invalidWindow, f, "the session gap must be longer than 0 ms") }
            kind = .session(gap: gap)
        case .trailing:
            preconditionFailure("trailing windows are per-event features")
        }
        if aggregation == .distinctCount { hashSlot(for: field) }
        let fieldName = field >= 0 ? schema.fields[field].name : ""
        let definition = "\(aggregation.rawValue)|\(fieldName)|\(kind)"
        plan.windowed.append(
            EnginePlan.Windowed(
                aggregation: aggregation, field: field, kind: kind, sectionName: "window/\(f.id)",
                fingerprint: StableHash.hash(string: definition)))
    }

    /// A stable identity of the state layout.
    func shapeID() -> UInt64 {
        var d = "buffer:\(plan.usesBuffer)"
        for c in plan.bufferNumeric { d += "|n:\(c.name):\(c.squares)" }
        for c in plan.bufferHashed { d += "|h:\(c.name)" }
        for g in plan.tileGroups {
            d += "|tiles:\(g.width)"
            for c in g.numeric { d += "|tn:\(c.name):\(c.moments)\(c.squares)\(c.min)\(c.max)\(c.first)\(c.last)" }
            for c in g.hashed { d += "|th:\(c.name)" }
        }
        for s in plan.seen { d += "|seen:\(s.name)" }
        for w in plan.windowed { d += "|w:\(w.sectionName):\(w.fingerprint)" }
        for c in plan.distinctCaches { d += "|c:\(c)" }
        return StableHash.hash(string: d)
    }
}
