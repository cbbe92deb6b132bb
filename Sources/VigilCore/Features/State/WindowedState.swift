/// The open windows of one windowed feature (tumbling, hopping or session) for one key, sorted by start.
struct WindowedState: Sendable, Equatable {
    /// One open window and the aggregate of its events.
    struct Window: Sendable, Equatable {
        /// Tumbling/hopping: the window start. Session: the first event time.
        var start: Int64
        /// Tumbling/hopping: start + size (exclusive). Session: the last event time (inclusive).
        var end: Int64
        /// When the result is due: tumbling/hopping `end`, session `end + gap`.
        var closeTime: Int64
        var accumulator = Accumulator()
        var distinct = DistinctSketch()
    }

    var windows: [Window] = []

    /// The earliest close time (`Int64.max` when no window is open).
    var nextClose: Int64 {
        var m = Int64.max
        for w in windows where w.closeTime < m { m = w.closeTime }
        return m
    }

    /// Heap bytes held.
    var approximateBytes: Int {
        windows.reduce(0) { $0 + MemoryLayout<Window>.stride + $1.distinct.approximateBytes }
    }
}
