// One run of a dataflow: the window it copies, where it stands (scheduled, in progress, done), what
// it read, wrote and rejected, and the batches it committed — stored as the run executor keeps it,
// shown in Flow Service's run shape (`metrics`, `activities`).

extension ResourceKind {
    /// Dataflow runs (`/runs`).
    public static let runs = ResourceKind(rawValue: "runs")
}

/// A dataflow run.
public struct FlowRun: Sendable, Hashable, Codable {
    /// Where a run stands.
    public enum Status: String, Sendable, Hashable, Codable {
        case scheduled, inProgress, success, partialSuccess, failed

        /// Whether the run has ended.
        public var isFinal: Bool { self == .success || self == .partialSuccess || self == .failed }
    }

    /// Which rows a run reads.
    public enum Mode: String, Sendable, Hashable, Codable {
        /// After the flow's watermark up to `windowEnd`, advancing the watermark with every chunk
        /// committed: the scheduled runs of a periodic flow.
        case incremental
        /// The whole table: the run of a flow scheduled `once`.
        case wholeTable
        /// Exactly `(windowStart, windowEnd]`: ad hoc runs, and re-runs of a window that ingested nothing.
        case window
    }

    /// An error or warning of a run, as `statusSummary.errors` shows it.
    public struct Issue: Sendable, Hashable, Codable {
        /// E.g. `CONNECTOR-2001-500`.
        public var code: String
        /// What happened, without secrets.
        public var message: String
        /// The rows it concerns, when it is about rows.
        public var recordCount: Int64?

        /// Creates an issue.
        public init(code: String, message: String, recordCount: Int64? = nil) {
            self.code = code
            self.message = message
            self.recordCount = recordCount
        }
    }

    /// A row that failed mapping, kept when error diagnostics are on.
    public struct RowSample: Sendable, Hashable, Codable {
        /// The dataset field.
        public var field: String
        /// Why the value did not convert.
        public var message: String

        /// Creates a sample.
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// Which instance works on the run, until when.
    public struct Lease: Sendable, Hashable, Codable {
        /// The instance.
        public var owner: String
        /// Epoch milliseconds; past it, another instance may take the run over.
        public var expiresAt: Int64

        /// Creates a lease.
        public init(owner: String, expiresAt: Int64) {
            self.owner = owner
            self.expiresAt = expiresAt
        }
    }

    /// A batch being committed: written to the lake's staging area, its commit not yet recorded.
    public struct PendingBatch: Sendable, Hashable, Codable {
        /// The lake batch.
        public var batchId: String
        /// The delta value the chunk reads through (`nil`: the end of the table).
        public var through: Int64?
        /// Rows written.
        public var rows: Int64
        /// Bytes written.
        public var bytes: Int64
        /// Files written.
        public var files: Int64
        /// Rows read for it.
        public var read: Int64
        /// Rows of it that failed mapping.
        public var failed: Int64

        /// Creates a pending batch.
        public init(batchId: String, through: Int64?, rows: Int64, bytes: Int64, files: Int64, read: Int64, failed: Int64) {
            self.batchId = batchId
            self.through = through
            self.rows = rows
            self.bytes = bytes
            self.files = files
            self.read = read
            self.failed = failed
        }
    }

    /// The flow.
    public var flowId: String
    /// Where it stands.
    public var status: Status
    /// Which rows it reads.
    public var mode: Mode
    /// `scheduled` or `adHoc`.
    public var trigger: String
    /// When it was due, epoch milliseconds.
    public var scheduledAt: Int64
    /// The exclusive lower bound of the delta column, epoch milliseconds (`nil`: from the first row,
    /// rows without a delta value included).
    public var windowStart: Int64?
    /// The inclusive upper bound (`nil`: no bound).
    public var windowEnd: Int64?
    /// For `window` and `wholeTable` runs, the delta value through which chunks are committed.
    public var committedThrough: Int64?
    /// Chunks committed.
    public var chunksCommitted: Int = 0
    /// The attempt: 1, then one more per re-trigger or recovery.
    public var attempt: Int = 1
    /// When the first attempt started / the run ended, epoch milliseconds.
    public var startedAt: Int64?
    /// When the run ended.
    public var completedAt: Int64?
    /// When copying started and ended.
    public var copyStartedAt: Int64?
    /// When copying ended.
    public var copyCompletedAt: Int64?
    /// When the last promotion ended.
    public var promotionCompletedAt: Int64?
    /// Rows read from the source.
    public var rowsRead: Int64 = 0
    /// Rows written to the dataset.
    public var rowsWritten: Int64 = 0
    /// Rows that failed mapping.
    public var rowsFailed: Int64 = 0
    /// Rows the window held when the copy (or its last try) began, as the source counted them.
    public var rowsExpected: Int64?
    /// Rows read for committed chunks: where the counters restart when the run is tried again.
    public var committedRowsRead: Int64 = 0
    /// Rows of committed chunks that failed mapping.
    public var committedRowsFailed: Int64 = 0
    /// Bytes of Parquet written.
    public var bytesWritten: Int64 = 0
    /// Parquet files written.
    public var filesWritten: Int64 = 0
    /// The committed batches.
    public var batches: [String] = []
    /// A batch being committed.
    public var pending: PendingBatch?
    /// Why it failed.
    public var errors: [Issue] = []
    /// What to look at although it succeeded.
    public var warnings: [Issue] = []
    /// Rows that failed mapping (with error diagnostics on), at most ``maximumSamples``.
    public var samples: [RowSample] = []
    /// Who works on it.
    public var lease: Lease?
    /// The instance that last worked on it.
    public var instance: String?
    /// The source connection read.
    public var sourceConnectionId: String
    /// The target connection written.
    public var targetConnectionId: String

    /// Row samples kept per run.
    public static let maximumSamples = 100

    /// A new scheduled run.
    public init(
        flowId: String,
        mode: Mode,
        trigger: String,
        scheduledAt: Int64,
        windowStart: Int64?,
        windowEnd: Int64?,
        sourceConnectionId: String,
        targetConnectionId: String
    ) {
        self.flowId = flowId
        self.status = .scheduled
        self.mode = mode
        self.trigger = trigger
        self.scheduledAt = scheduledAt
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.sourceConnectionId = sourceConnectionId
        self.targetConnectionId = targetConnectionId
    }

    /// The run as a resource body: the run under `run`, with `flowId` and `state` beside it for
    /// filtering and the store's state index.
    public var body: [String: JSONValue] {
        ["flowId": .string(flowId), "state": .string(status.rawValue), "run": JSONCoding.value(of: self)]
    }

    /// Reads a run from its resource body.
    public init(body: [String: JSONValue]) throws {
        self = try JSONCoding.decode(FlowRun.self, from: body["run"] ?? .null)
    }

    /// Whether a re-trigger may run it again: it failed, or it succeeded without ingesting a record.
    public var canRetrigger: Bool {
        status == .failed || (status.isFinal && rowsRead == 0)
    }
}

extension FlowRun {
    /// Where a run's body names its flow, as a JSON path (stores index it).
    public static let flowReference = "$.flowId"

    /// Where the fields of a shown run come from: the metadata, `flowId`, and the status
    /// (`metrics.statusSummary.status`, the stored `state`); the rest of `metrics`, `activities`
    /// and `providerParams` are made from the run when shown.
    public static let listedFields = ListedFields { path in
        let name = path[0]
        if let field = ListedFields.metadata(name) { return .stored(field) }
        if name == "flowId" { return .stored(path.count == 1 ? .reference(flowReference) : .absent) }
        if path == ["metrics", "statusSummary", "status"] { return .stored(.state(orDefault: nil)) }
        if ["metrics", "activities", "providerParams"].contains(name) { return .derived }
        return .stored(.absent)
    }

    /// The run as `GET /runs` shows it.
    public static func render(_ resource: FlowResource) -> JSONValue {
        var document: JSONValue = .object([:])
        for (key, value) in resource.metadata.members { document[key] = value }
        document["flowId"] = resource.body["flowId"] ?? .null
        guard let run = try? FlowRun(body: resource.body) else { return document }
        document["metrics"] = run.metrics
        document["activities"] = .array(run.activities)
        var params: [String: JSONValue] = [
            "mode": .string(run.mode.rawValue), "trigger": .string(run.trigger), "scheduledAt": .integer(run.scheduledAt),
        ]
        if let start = run.windowStart { params["windowStartTime"] = .integer(start / 1000) }
        if let end = run.windowEnd { params["windowEndTime"] = .integer(end / 1000) }
        document["providerParams"] = .object(params)
        return document
    }

    var statusSummary: JSONValue {
        var summary: [String: JSONValue] = [
            "status": .string(status.rawValue), "errors": .array(errors.map(Self.render)), "activityRefs": ["promotionActivity"],
        ]
        var extensions: [String: JSONValue] = ["attempt": .integer(Int64(attempt)), "chunksCommitted": .integer(Int64(chunksCommitted))]
        if let instance { extensions["instance"] = .string(instance) }
        if status == .inProgress, let lease { extensions["leaseExpiresAt"] = .integer(lease.expiresAt) }
        if !warnings.isEmpty { extensions["warnings"] = .array(warnings.map(Self.render)) }
        if !samples.isEmpty { extensions["rowErrorSamples"] = .array(samples.map { ["field": .string($0.field), "message": .string($0.message)] }) }
        if status == .inProgress {
            var progress: JSONValue = ["rowsRead": .integer(rowsRead), "rowsWritten": .integer(rowsWritten), "rowsFailed": .integer(rowsFailed)]
            if let rowsExpected { progress["rowsExpected"] = .integer(rowsExpected) }
            extensions["progress"] = progress
        }
        summary["extensions"] = .object(extensions)
        return .object(summary)
    }

    var metrics: JSONValue {
        var duration: [String: JSONValue] = [:]
        if let startedAt { duration["startedAtUTC"] = .integer(startedAt) }
        if let completedAt { duration["completedAtUTC"] = .integer(completedAt) }
        return [
            "durationSummary": .object(duration),
            "sizeSummary": ["outputBytes": .integer(bytesWritten)],
            "recordSummary": [
                "inputRecordCount": .integer(rowsRead), "outputRecordCount": .integer(rowsWritten), "failedRecordCount": .integer(rowsFailed),
            ],
            "fileSummary": ["outputFileCount": .integer(filesWritten), "activityRefs": ["promotionActivity"]],
            "statusSummary": statusSummary,
        ]
    }

    var activities: [JSONValue] {
        guard let copyStartedAt else { return [] }
        var window: [String: JSONValue] = [:]
        if let windowStart { window["windowStart"] = .integer(windowStart) }
        if let windowEnd { window["windowEnd"] = .integer(windowEnd) }
        var copyDuration: [String: JSONValue] = ["startedAtUTC": .integer(copyStartedAt), "extensions": .object(window)]
        if let copyCompletedAt { copyDuration["completedAtUTC"] = .integer(copyCompletedAt) }
        let copyStatus: FlowRun.Status = copyCompletedAt != nil ? .success : (status == .failed ? .failed : .inProgress)
        let copy: JSONValue = [
            "id": "copyActivity", "updatedAtUTC": .integer(copyCompletedAt ?? copyStartedAt),
            "durationSummary": .object(copyDuration),
            "recordSummary": ["inputRecordCount": .integer(rowsRead)],
            "statusSummary": [
                "status": .string(copyStatus.rawValue), "extensions": ["type": .string(mode == .incremental ? "incremental" : "one-time")],
            ],
            "sourceInfo": [["id": .string(sourceConnectionId), "type": "SourceConnection"]],
        ]
        var promotion: [String: JSONValue] = [
            "id": "promotionActivity",
            "recordSummary": [
                "inputRecordCount": .integer(rowsRead), "outputRecordCount": .integer(rowsWritten), "failedRecordCount": .integer(rowsFailed),
            ],
            "sizeSummary": ["outputBytes": .integer(bytesWritten)],
            "fileSummary": ["outputFileCount": .integer(filesWritten)],
            "statusSummary": statusSummary,
            "targetInfo": [
                [
                    "id": .string(targetConnectionId), "type": "TargetConnection",
                    "reference": ["type": "Batch", "ids": .array(batches.map(JSONValue.string))],
                ]
            ],
        ]
        if let promotionCompletedAt { promotion["updatedAtUTC"] = .integer(promotionCompletedAt) }
        return [copy, .object(promotion)]
    }

    static func render(_ issue: Issue) -> JSONValue {
        var document: JSONValue = ["code": .string(issue.code), "message": .string(issue.message)]
        if let count = issue.recordCount { document["recordCount"] = .integer(count) }
        return document
    }
}
