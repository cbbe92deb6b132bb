extension FeatureEngine {
    /// The result of one windowed feature for one closed window of one key.
    public struct WindowResult: Sendable, Equatable {
        /// Index into ``FeatureEngine/windowedFeatures``.
        public var featureIndex: Int
        /// Tumbling/hopping: the window start (inclusive). Session: the time of its first event.
        public var start: Int64
        /// Tumbling/hopping: start + size (exclusive). Session: the time of its last event (inclusive).
        public var end: Int64
        /// Number of events in the window.
        public var count: Int64
        /// The feature's value over the window.
        public var value: FeatureValue

        /// Creates a result.
        public init(featureIndex: Int, start: Int64, end: Int64, count: Int64, value: FeatureValue) {
            self.featureIndex = featureIndex
            self.start = start
            self.end = end
            self.count = count
            self.value = value
        }
    }
}
