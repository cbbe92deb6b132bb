/// How a topology runs: where Kafka is, how many stream threads, batch sizes, and when to stop.
public struct RuntimeOptions: Sendable {
    /// `bootstrap.servers`.
    public var bootstrapServers: String
    /// librdkafka properties for every client, applied after the topology's own `kafka:` section.
    public var kafka: [String: String]
    /// Stream threads, each with its own consumer in the group (parallelism comes from partitions).
    public var threads: Int
    /// Most records taken from one poll.
    public var maxBatch: Int
    /// How often processed work is delivered and committed (state + offsets); also on idle, stop and revoke.
    /// Longer intervals amortise the commit (docs/performance.md); a crash redoes at most this much work.
    public var commitInterval: Duration
    /// Commit early once this many records are processed but not committed.
    public var maxUncommittedRecords: Int
    /// How long a poll waits when nothing is available.
    public var pollTimeout: Duration
    /// Stop once every partition of the input topic is owned by this process and processed up to its end.
    public var stopWhenCaughtUp: Bool
    /// Overrides the topology's `state_dir`.
    public var stateDirectory: String?
    /// State store settings; nil (the default): bounded by `stateMemoryBytes` for the whole process.
    public var state: StateSettings?
    /// With `state` nil: the memory all state of this process may use — RocksDB's shared block cache and memtables,
    /// and the tasks' write-back caches (`StateSettings.bounded`). Default 1 GiB.
    public var stateMemoryBytes: Int
    /// The topology's models, when it has a `scoring:` section; nil: `Runner` loads them from the bundle paths
    /// (and watches them for new versions).
    public var models: ModelRegistry?
    /// Keep each key's latest per-event features in its stage's store, for `/features/{stage}/{key}` (`vigil run
    /// --http` turns it on).
    public var queryable = false

    public init(
        bootstrapServers: String, kafka: [String: String] = [:], threads: Int = 1, maxBatch: Int = 10_000,
        commitInterval: Duration = .milliseconds(100), maxUncommittedRecords: Int = 50_000,
        pollTimeout: Duration = .milliseconds(100), stopWhenCaughtUp: Bool = false, stateDirectory: String? = nil,
        state: StateSettings? = nil, stateMemoryBytes: Int = 1 << 30
    ) {
        self.stateMemoryBytes = stateMemoryBytes
        self.bootstrapServers = bootstrapServers
        self.kafka = kafka
        self.threads = threads
        self.maxBatch = maxBatch
        self.commitInterval = commitInterval
        self.maxUncommittedRecords = maxUncommittedRecords
        self.pollTimeout = pollTimeout
        self.stopWhenCaughtUp = stopWhenCaughtUp
        self.stateDirectory = stateDirectory
        self.state = state
    }
}
