// What the service keeps about a dataflow between runs, apart from the flow the client owns (so
// runs never change the flow's etag): the watermark — the delta value through which rows are in the
// dataset — the next schedule slot to plan, and the last run.

extension ResourceKind {
    /// The service's own record of a flow's progress (never served).
    public static let flowRuntimes = ResourceKind(rawValue: "flowRuntimes")
}

/// A flow's progress between runs.
public struct FlowRuntime: Sendable, Hashable, Codable {
    /// The last run, as a flow's `lastRunDetails` shows it.
    public struct LastRun: Sendable, Hashable, Codable {
        /// The run id.
        public var id: String
        /// Its status.
        public var state: String
        /// When it started, epoch milliseconds.
        public var startedAtUTC: Int64?
        /// When it ended.
        public var completedAtUTC: Int64?

        /// Creates the details.
        public init(id: String, state: String, startedAtUTC: Int64?, completedAtUTC: Int64?) {
            self.id = id
            self.state = state
            self.startedAtUTC = startedAtUTC
            self.completedAtUTC = completedAtUTC
        }
    }

    /// The delta value (epoch milliseconds) through which rows are committed; `nil` before the first.
    public var watermark: Int64?
    /// The next schedule slot to create a run for; `nil` until the scheduler first sees the flow.
    public var nextRun: Int64?
    /// The schedule the slots were planned with; another one (after a PATCH) is planned afresh.
    public var plannedSchedule: JSONValue?
    /// Whether the scheduler saw the flow disabled; enabling plans from that moment on.
    public var paused: Bool = false
    /// The last run that ended.
    public var lastRun: LastRun?
    /// Rows read by the last runs that ended (newest last), for the zero-row warning.
    public var recentRowCounts: [Int64] = []

    /// A flow not yet planned.
    public init() {}

    /// The runtime's resource id for a flow.
    public static func resourceId(flowId: String) -> String { "\(flowId).runtime" }

    /// The runtime as a resource body.
    public var body: [String: JSONValue] { ["runtime": JSONCoding.value(of: self)] }

    /// Reads a runtime from its resource body.
    public init(body: [String: JSONValue]) throws {
        self = try JSONCoding.decode(FlowRuntime.self, from: body["runtime"] ?? .null)
    }

    /// Records a run that ended.
    public mutating func record(_ run: FlowRun, id: String) {
        lastRun = LastRun(id: id, state: run.status.rawValue, startedAtUTC: run.startedAt, completedAtUTC: run.completedAt)
        if run.status != .failed {
            recentRowCounts = Array((recentRowCounts + [run.rowsRead]).suffix(10))
        }
    }
}
