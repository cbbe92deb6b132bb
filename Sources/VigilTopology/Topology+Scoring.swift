extension Topology {
    /// In-stream scoring (`scoring:` in the topology file): the model bundle that scores every event, an optional
    /// challenger scored alongside it, and the alert rules.
    ///
    /// The champion (`model`) makes the live decision for every key, except a `canaryFraction` of keys (chosen by a
    /// hash of the first stage's key, so a key always gets the same model) whose live decision comes from the
    /// challenger. The challenger's predictions for all other keys go to `Sinks.shadow` and never raise alerts.
    /// The bundle paths are not checked by the loader: the runtime loads and validates the bundles.
    public struct Scoring: Sendable, Equatable {
        /// The champion bundle (a directory, `.tar` or `.tar.gz`), resolved against the topology file's directory.
        public var model: String
        /// The challenger bundle, resolved like `model`; nil when there is none.
        public var challenger: String?
        /// The fraction of keys (strictly between 0 and 1) whose live decision comes from the challenger; nil for no
        /// canary. Only set together with `challenger`.
        public var canaryFraction: Double?
        /// How often the bundle paths are checked for a new version, in milliseconds; 0 disables hot reload.
        public var reloadMillis: Int64
        /// How many contributing features an alert lists (0 to 50).
        public var topFeatures: Int
        /// The alert rules, in file order. An event raises at most one alert, listing every rule it matched.
        public var alerts: [AlertRule]
        /// The line of `scoring:` in the topology file (for messages).
        public var line: Int

        /// The default of `reload:`: 5 seconds.
        public static let defaultReloadMillis: Int64 = 5_000
        /// The default of `top_features:`.
        public static let defaultTopFeatures = 5
        /// The allowed values of `top_features:`.
        public static let topFeaturesRange = 0...50

        public init(
            model: String, challenger: String? = nil, canaryFraction: Double? = nil,
            reloadMillis: Int64 = defaultReloadMillis, topFeatures: Int = defaultTopFeatures, alerts: [AlertRule] = [],
            line: Int = 0
        ) {
            self.model = model
            self.challenger = challenger
            self.canaryFraction = canaryFraction
            self.reloadMillis = reloadMillis
            self.topFeatures = topFeatures
            self.alerts = alerts
            self.line = line
        }
    }
}
