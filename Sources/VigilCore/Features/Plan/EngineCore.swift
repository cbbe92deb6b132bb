/// Everything a ``FeatureEngine`` is, behind one reference: copying an engine (or a key state that points to its
/// layout) costs one retain. Immutable.
final class EngineCore: Sendable {
    let schema: EventSchema
    let features: [FeatureSpec]
    let graceMillis: Int64
    let distinctExactLimit: Int
    let upstreamFeatureNames: [String]
    let perEventFeatures: [FeatureSpec]
    let windowedFeatures: [FeatureSpec]
    let retentionMillis: Int64
    let plan: EnginePlan
    /// Where the per-event scratch keeps each column's values.
    let scratchLayout: EngineScratch.Layout
    /// The encoded names of the state's sections and columns.
    let names: StateNames

    init(
        schema: EventSchema, features: [FeatureSpec], graceMillis: Int64, distinctExactLimit: Int,
        upstreamFeatureNames: [String], perEventFeatures: [FeatureSpec], windowedFeatures: [FeatureSpec],
        retentionMillis: Int64, plan: EnginePlan
    ) {
        self.schema = schema
        self.features = features
        self.graceMillis = graceMillis
        self.distinctExactLimit = distinctExactLimit
        self.upstreamFeatureNames = upstreamFeatureNames
        self.perEventFeatures = perEventFeatures
        self.windowedFeatures = windowedFeatures
        self.retentionMillis = retentionMillis
        self.plan = plan
        scratchLayout = EngineScratch.Layout(plan: plan)
        names = StateNames(plan: plan)
    }
}
