// What runs do, as metrics (swift-metrics, through whatever factory the service gives: Prometheus in
// `tributary serve`): runs started late and ended by status, rows and bytes as each chunk commits —
// so the counters move while a run proceeds — and how long runs take. docs/metrics.md lists them.
public import CoreMetrics
import FlowModel

/// The run machinery's metrics.
public struct RunMetrics: Sendable {
    let factory: any MetricsFactory

    /// Metrics made by `factory` (the process's bootstrapped one by default).
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    /// Metric names, and the duration buckets that suit them (runs take minutes, not milliseconds).
    public enum Name {
        public static let runsStarted = "tributary_runs_started_total"
        public static let runsEnded = "tributary_runs_ended_total"
        public static let rowsRead = "tributary_rows_read_total"
        public static let rowsWritten = "tributary_rows_written_total"
        public static let rowsFailed = "tributary_rows_failed_total"
        public static let bytesWritten = "tributary_bytes_written_total"
        public static let chunksCommitted = "tributary_chunks_committed_total"
        public static let runDuration = "tributary_run_duration_seconds"
        public static let schedulerLag = "tributary_scheduler_lag_seconds"
        public static let lakeCommit = "tributary_lake_commit_duration_seconds"
    }

    /// Buckets of ``Name/runDuration``: a second to four hours.
    public static let runDurationBuckets: [Duration] = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400].map { .seconds($0) }
    /// Buckets of ``Name/schedulerLag``: 50 ms to ten minutes.
    public static let schedulerLagBuckets: [Duration] =
        [.milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500)]
        + [1, 2, 5, 10, 30, 60, 120, 600].map { .seconds($0) }

    /// A run was claimed `lag` milliseconds after its slot (its `scheduledAt`).
    func runStarted(lagMilliseconds lag: Int64) {
        Counter(label: Name.runsStarted, factory: factory).increment()
        Timer(label: Name.schedulerLag, factory: factory).recordMilliseconds(max(0, lag))
    }

    /// A chunk of a flow's run committed.
    func chunkCommitted(flowId: String, read: Int64, written: Int64, failed: Int64, bytes: Int64) {
        let flow = [("flow", flowId)]
        Counter(label: Name.rowsRead, dimensions: flow, factory: factory).increment(by: read)
        Counter(label: Name.rowsWritten, dimensions: flow, factory: factory).increment(by: written)
        Counter(label: Name.rowsFailed, dimensions: flow, factory: factory).increment(by: failed)
        Counter(label: Name.bytesWritten, dimensions: flow, factory: factory).increment(by: bytes)
        Counter(label: Name.chunksCommitted, dimensions: flow, factory: factory).increment()
    }

    /// A chunk's batch was committed in the lake in `nanoseconds` (the rename and the record's fsyncs).
    func lakeCommitted(nanoseconds: Int64) {
        Timer(label: Name.lakeCommit, factory: factory).recordNanoseconds(nanoseconds)
    }

    /// A run ended with `status` after `milliseconds` (from its start to its end).
    func runEnded(status: FlowRun.Status, milliseconds: Int64?) {
        Counter(label: Name.runsEnded, dimensions: [("status", status.rawValue)], factory: factory).increment()
        if let milliseconds { Timer(label: Name.runDuration, factory: factory).recordMilliseconds(max(0, milliseconds)) }
    }
}
