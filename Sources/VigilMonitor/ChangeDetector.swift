/// A change detector of either kind on a model's error stream (1.0 for a misclassified prediction, 0.0 for a
/// correct one), as one value type with one encoding for the state store.
///
/// Created from a kind, it uses River 0.21's defaults — Page-Hinkley: `min_instances = 30`, `delta = 0.005`,
/// `threshold = 50`, `alpha = 1 - 0.0001`, two-sided; ADWIN: `delta = 0.002`, `clock = 32`, `max_buckets = 5`,
/// `min_window_length = 5`, `grace_period = 10`. See ``PageHinkley`` and ``ADWIN``.
public struct ChangeDetector: Sendable, Equatable {
    /// The detector's algorithm.
    public let kind: ChangeDetectorKind
    // One of the two is non-nil, matching `kind`; kept as optionals (not an enum payload) so that `update` mutates
    // the detector in place instead of copying ADWIN's buckets.
    private var pageHinkleyState: PageHinkley?
    private var adwinState: ADWIN?

    /// A detector of the given kind with River's defaults.
    public init(kind: ChangeDetectorKind) {
        self.kind = kind
        switch kind {
        case .pageHinkley: pageHinkleyState = PageHinkley()
        case .adwin: adwinState = ADWIN()
        }
    }

    /// Wraps a Page-Hinkley detector with its own parameters.
    public init(_ detector: PageHinkley) {
        kind = .pageHinkley
        pageHinkleyState = detector
    }

    /// Wraps an ADWIN detector with its own parameters.
    public init(_ detector: ADWIN) {
        kind = .adwin
        adwinState = detector
    }

    /// Adds one value of the error stream; true when a change is detected.
    public mutating func update(_ x: Double) -> Bool {
        switch kind {
        case .pageHinkley: pageHinkleyState?.update(x) ?? false
        case .adwin: adwinState?.update(x) ?? false
        }
    }

    /// The Page-Hinkley detector, when ``kind`` is ``ChangeDetectorKind/pageHinkley``.
    public var pageHinkley: PageHinkley? { pageHinkleyState }

    /// The ADWIN detector, when ``kind`` is ``ChangeDetectorKind/adwin``.
    public var adwin: ADWIN? { adwinState }
}

extension ChangeDetector {
    /// Appends the state encoding: format byte `0x51`, then the wrapped detector's own encoding.
    public func encode(into out: inout [UInt8]) {
        out.append(StateFormat.changeDetector)
        if let pageHinkleyState { pageHinkleyState.encode(into: &out) }
        if let adwinState { adwinState.encode(into: &out) }
    }

    /// Decodes what ``encode(into:)`` wrote; throws on short, corrupt or foreign input.
    public init(decoding bytes: ArraySlice<UInt8>) throws(MonitorError) {
        var reader = StateReader(bytes, typeName: "ChangeDetector")
        try reader.expectFormat(StateFormat.changeDetector)
        let format = try reader.byte("detector format byte")
        switch format {
        case StateFormat.pageHinkley:
            var inner = StateReader(bytes.dropFirst(2), typeName: "PageHinkley")
            self.init(try PageHinkley(from: &inner))
            try inner.expectEnd()
        case StateFormat.adwin:
            var inner = StateReader(bytes.dropFirst(2), typeName: "ADWIN")
            self.init(try ADWIN(from: &inner))
            try inner.expectEnd()
        default:
            throw reader.error(.unsupportedFormat, "unknown detector format byte 0x\(String(format, radix: 16))")
        }
    }
}
