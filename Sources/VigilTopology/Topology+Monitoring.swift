extension Topology {
    /// Model monitoring (`monitoring:` in the topology file): drift of the model's inputs and score over tumbling
    /// event-time windows, live accuracy from delayed labels, and the policy that asks for a retrained model.
    ///
    /// Needs `scoring`: drift compares the scored events with the champion bundle's training baseline, and
    /// performance joins its predictions with the labels. Every window of `windowMillis` emits drift events to
    /// `Sinks.drift`; with `labels`, performance events to `Sinks.performance`; with `retrain`, retrain-trigger
    /// events to `Sinks.triggers`.
    public struct Monitoring: Sendable, Equatable {
        /// How drift is judged: a PSI above `warn` warns and above `act` calls for action, or, data-driven, a
        /// statistic above its mean plus `sigmas` standard deviations over the baseline's reference chunks.
        public enum Thresholds: Sendable, Equatable {
            /// Fixed PSI thresholds, `0 < warn < act` (`thresholds: fixed`, `psi_warn`, `psi_act`).
            case fixed(warn: Double, act: Double)
            /// Mean + `sigmas` σ of each statistic over the reference chunks (`thresholds: data_driven`, `sigmas`).
            case dataDriven(sigmas: Double)
        }

        /// The sequential change detector run on the error stream of labelled predictions.
        public enum Detector: String, Sendable, Equatable, CaseIterable {
            /// No detector (`error_change` retrain rules are then not allowed).
            case none
            /// Page-Hinkley (the default).
            case pageHinkley = "page_hinkley"
            /// ADWIN.
            case adwin
        }

        /// Live accuracy from delayed labels (`labels:`): the labels topic, when a window's performance is first
        /// reported, and how long late labels are still accepted.
        public struct Labels: Sendable, Equatable {
            /// The topic of label events (label event v1); an input, never one of the sinks or the source.
            public var topic: String
            /// A window's first performance event is emitted once label time passes the window's end plus this
            /// (zero or more).
            public var reportAfterMillis: Int64
            /// Labels are accepted until the window's end plus this; never shorter than `reportAfterMillis`.
            public var horizonMillis: Int64
            /// The change detector on the error stream.
            public var detector: Detector
            /// A performance report feeds the retraining policy's `recall_drop` only when it counts at least this
            /// many labelled frauds (`min_fraud:`, default 20): one missed fraud out of two is not a recall of 50%.
            public var minFraud: Int
            /// The line of `labels:` in the topology file (for messages).
            public var line: Int

            /// The default of `report_after:`: 7 days.
            public static let defaultReportAfterMillis: Int64 = 7 * 86_400_000
            /// The default of `horizon:`: 30 days.
            public static let defaultHorizonMillis: Int64 = 30 * 86_400_000
            /// The default of `detector:`.
            public static let defaultDetector = Detector.pageHinkley
            /// The default of `min_fraud:`.
            public static let defaultMinFraud = 20
            /// The allowed values of `min_fraud:`.
            public static let minFraudRange = 1...1_000_000

            public init(
                topic: String, reportAfterMillis: Int64 = defaultReportAfterMillis,
                horizonMillis: Int64 = defaultHorizonMillis, detector: Detector = defaultDetector,
                minFraud: Int = defaultMinFraud, line: Int = 0
            ) {
                self.topic = topic
                self.reportAfterMillis = reportAfterMillis
                self.horizonMillis = horizonMillis
                self.detector = detector
                self.minFraud = minFraud
                self.line = line
            }
        }

        /// The length of the tumbling event-time windows over which drift and performance are computed.
        public var windowMillis: Int64
        /// How drift statistics are judged.
        public var thresholds: Thresholds
        /// The floor for empty bins in PSI (strictly between 0 and 0.01).
        public var epsilon: Double
        /// Delayed labels; nil when the topology computes no live accuracy.
        public var labels: Labels?
        /// The retraining policy; nil when the topology emits no retrain triggers.
        public var retrain: Retrain?
        /// The line of `monitoring:` in the topology file (for messages).
        public var line: Int

        /// The default of `window:`: 1 hour.
        public static let defaultWindowMillis: Int64 = 3_600_000
        /// The default of `psi_warn:`.
        public static let defaultPSIWarn = 0.1
        /// The default of `psi_act:`.
        public static let defaultPSIAct = 0.25
        /// The default of `sigmas:` (data-driven thresholds).
        public static let defaultSigmas = 3.0
        /// The default of `epsilon:`.
        public static let defaultEpsilon = 0.0001
        /// `epsilon` must be below this (and above zero).
        public static let maxEpsilon = 0.01
        /// The default thresholds: fixed, PSI 0.1 to warn and 0.25 to act.
        public static let defaultThresholds = Thresholds.fixed(warn: defaultPSIWarn, act: defaultPSIAct)

        public init(
            windowMillis: Int64 = defaultWindowMillis, thresholds: Thresholds = defaultThresholds,
            epsilon: Double = defaultEpsilon, labels: Labels? = nil, retrain: Retrain? = nil, line: Int = 0
        ) {
            self.windowMillis = windowMillis
            self.thresholds = thresholds
            self.epsilon = epsilon
            self.labels = labels
            self.retrain = retrain
            self.line = line
        }
    }
}
