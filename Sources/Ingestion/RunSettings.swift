// How the run machinery behaves: how often it looks for work, how far window ends are held back,
// how big a committed chunk is, how often a transient failure is retried. Every value has an
// environment variable (see README.md, "Configuration").

/// Settings of the scheduler and the run executor.
public struct RunSettings: Sendable, Hashable {
    /// How long a window's end is held back behind its schedule time, in milliseconds, so rows
    /// committed at the source shortly before the run are not missed (`TRIBUTARY_SAFETY_LAG_SECONDS`,
    /// default 60 s).
    public var safetyLagMilliseconds: Int64 = 60_000
    /// How often the scheduler looks for due windows and runs to start (`TRIBUTARY_SCHEDULER_POLL_MS`,
    /// default 1000 ms).
    public var pollMilliseconds: Int64 = 1_000
    /// How long a run is held by an instance without a sign of life before another may take it over
    /// (`TRIBUTARY_RUN_LEASE_SECONDS`, default 60 s).
    public var leaseMilliseconds: Int64 = 60_000
    /// Runs executing at once in one instance (`TRIBUTARY_MAX_CONCURRENT_RUNS`, default 2).
    public var maximumConcurrentRuns: Int = 2
    /// Rows of the first committed chunk of a large load, and the fewest of any later one; a retry
    /// resumes after the last committed chunk (`TRIBUTARY_CHUNK_ROWS`, default 2,000,000).
    public var chunkRows: Int64 = 2_000_000
    /// How long a later chunk should take to copy, in milliseconds: after each chunk the rest of the
    /// window is split again into chunks of as many rows as the source delivered in this time at
    /// the rate just measured — fewer queries on a fast source, at most about this much copying
    /// lost to a crash (`TRIBUTARY_CHUNK_SECONDS`, default 60 s; 0 keeps every chunk at `chunkRows`).
    public var chunkMilliseconds: Int64 = 60_000
    /// Rows per fetch from the source.
    public var fetchRows: Int = 50_000
    /// Tries of a run before it fails on a transient error — unreachable source, timeout, cluster
    /// not up (`TRIBUTARY_RUN_ATTEMPTS`, default 4).
    public var maximumAttempts: Int = 4
    /// The wait before the second try, doubled for each further one, in milliseconds
    /// (`TRIBUTARY_RUN_RETRY_MS`, default 5000).
    public var retryBackoffMilliseconds: Int64 = 5_000
    /// Scheduled runs a flow may have waiting; a long backfill is planned in steps of this size.
    public var maximumWaitingRuns: Int = 20
    /// How often a run in progress records its progress (and renews its lease), in milliseconds.
    public var progressMilliseconds: Int64 = 2_000

    /// The defaults.
    public init() {}

    /// The rows of the chunks after one that read `rows` in `milliseconds` and was planned at
    /// `current`: as many as that rate delivers in ``chunkMilliseconds``, never fewer than `current`.
    func chunkRows(after rows: Int64, in milliseconds: Int64, current: Int64) -> Int64 {
        guard chunkMilliseconds > 0, rows > 0 else { return current }
        let paced = Double(rows) * Double(chunkMilliseconds) / Double(max(1, milliseconds))
        return paced >= Double(Int64.max / 2) ? Int64.max / 2 : max(current, Int64(paced))
    }

    /// Settings from environment variables over the defaults.
    public static func fromEnvironment(_ environment: [String: String]) -> RunSettings {
        var settings = RunSettings()
        func positive(_ name: String) -> Int64? { environment[name].flatMap { Int64($0) }.flatMap { $0 > 0 ? $0 : nil } }
        if let lag = environment["TRIBUTARY_SAFETY_LAG_SECONDS"].flatMap({ Int64($0) }), lag >= 0 { settings.safetyLagMilliseconds = lag * 1000 }
        if let value = positive("TRIBUTARY_SCHEDULER_POLL_MS") { settings.pollMilliseconds = value }
        if let value = positive("TRIBUTARY_RUN_LEASE_SECONDS") { settings.leaseMilliseconds = value * 1000 }
        if let value = positive("TRIBUTARY_MAX_CONCURRENT_RUNS") { settings.maximumConcurrentRuns = Int(min(value, 64)) }
        if let value = positive("TRIBUTARY_CHUNK_ROWS") { settings.chunkRows = value }
        if let seconds = environment["TRIBUTARY_CHUNK_SECONDS"].flatMap({ Int64($0) }), (0...86_400).contains(seconds) {
            settings.chunkMilliseconds = seconds * 1000
        }
        if let value = positive("TRIBUTARY_RUN_ATTEMPTS") { settings.maximumAttempts = Int(min(value, 100)) }
        if let value = positive("TRIBUTARY_RUN_RETRY_MS") { settings.retryBackoffMilliseconds = value }
        return settings
    }
}
