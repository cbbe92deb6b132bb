extension Duration {
    /// The duration in whole milliseconds, rounded up, clamped to `0...Int32.max` (librdkafka's timeout type).
    var rdKafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let (wholeMs, remainder) = attoseconds.quotientAndRemainder(dividingBy: attosecondsPerMillisecond)
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return Int32.max }
        return Int32(clamping: scaled + wholeMs + (remainder > 0 ? 1 : 0))
    }
}
