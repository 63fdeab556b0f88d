// One dataflow run, from the source table to committed batches. The copy activity reads the run's
// window in chunks — a large first load is split by delta value so a retry resumes after the last
// committed chunk — and maps every fetched batch into a Parquet batch of the lake. The promotion
// activity makes each chunk visible: the batch is noted on the run, committed in the lake (one
// rename: the commit point), then the run and the flow's watermark are advanced in one store
// transaction. A crash between the rename and that transaction is finished by ``RunRecovery``
// from the lake's record, so a window is never skipped nor ingested twice.
import Connectors
import DataLake
import DatabricksSQL
import FlowModel
import FlowStore
import Foundation
import Logging
import Parquet
import Synchronization

/// Why a run stops, as its error.
struct RunFailure: Error {
    var issue: FlowRun.Issue
    /// Whether another try may succeed.
    var isTransient: Bool

    static func configuration(_ message: String) -> RunFailure {
        RunFailure(issue: FlowRun.Issue(code: "CONNECTOR-1001-400", message: message), isTransient: false)
    }

    init(issue: FlowRun.Issue, isTransient: Bool) {
        self.issue = issue
        self.isTransient = isTransient
    }

    init(_ error: ConnectorError) {
        self.init(
            issue: FlowRun.Issue(code: error.isTransient ? "CONNECTOR-2002-503" : "CONNECTOR-2001-500", message: "\(error.reason): \(error.message)"),
            isTransient: error.isTransient
        )
    }
}

/// The instance lost its hold on the run (another took it over): stop without writing.
struct LeaseLost: Error {}

/// Executes runs.
struct RunExecutor: Sendable {
    let storage: any FlowStorage
    let lake: DataLake
    let connectors: SourceConnectors
    let settings: RunSettings
    let logger: Logger
    /// This instance's name on leases.
    let instance: String
    let clock: @Sendable () -> Int64
    var metrics = RunMetrics()

    /// What a run works with, resolved from its flow.
    struct Plan: Sendable {
        var flow: FlowResource
        var definition: FlowDefinition
        var source: any SourceConnector
        var table: TablePath
        var datasetId: String
        var mapper: BatchMapper
        var columns: [SourceColumn]
        var delta: SourceColumn
        var filter: RowFilter?
    }

    /// Runs a claimed run (status `inProgress`, leased to this instance) to its end.
    func execute(_ claimed: StoredRecord<FlowRun>) async {
        var record = claimed
        let runId = record.resource.id
        var log = logger
        log[metadataKey: "run"] = .string(runId)
        log[metadataKey: "flow"] = .string(record.value.flowId)
        log.info("Run started", metadata: ["attempt": .stringConvertible(record.value.attempt), "mode": .string(record.value.mode.rawValue)])
        var attempt = 1
        while true {
            do {
                try await copyAndPromote(&record, log: log)
                try await finish(&record, failure: nil, log: log)
                return
            } catch is LeaseLost {
                log.warning("Run taken over by another instance; this one stops")
                return
            } catch {
                // A shutdown interrupts the run, whatever error the interruption surfaced as.
                if Task.isCancelled || error is CancellationError {
                    await release(&record, log: log)
                    return
                }
                let failure = Self.failure(error)
                if failure.isTransient, attempt < settings.maximumAttempts {
                    let wait = settings.retryBackoffMilliseconds << Int64(attempt - 1)
                    log.warning(
                        "Run failed transiently; trying again",
                        metadata: ["error": .string(failure.issue.message), "waitMs": .stringConvertible(wait)]
                    )
                    attempt += 1
                    do {
                        try await beating(&record) { _ in try await Task.sleep(for: .milliseconds(wait)) }
                    } catch is LeaseLost {
                        return
                    } catch {
                        await release(&record, log: log)
                        return
                    }
                    continue
                }
                do {
                    try await finish(&record, failure: failure, log: log)
                } catch {
                    log.error("Recording the run's failure failed", metadata: ["error": .string("\(error)")])
                }
                return
            }
        }
    }

    static func failure(_ error: any Error) -> RunFailure {
        switch error {
        case let failure as RunFailure: failure
        case let error as ConnectorError: RunFailure(error)
        // A lake that could not be written (a full disk, a batch another instance failed after this
        // one's lease ended) or a database not reachable now: tried again from the last committed chunk.
        case let error as DataLakeError:
            RunFailure(
                issue: FlowRun.Issue(code: "CONNECTOR-2001-500", message: "Error occurred at promotion activity: \(error.message)"),
                isTransient: error.code == .io
            )
        case let error as FlowStoreError where error.code == .unavailable:
            RunFailure(
                issue: FlowRun.Issue(code: "CONNECTOR-2001-503", message: "the service's database was not available: \(error.message)"),
                isTransient: true
            )
        default: RunFailure(issue: FlowRun.Issue(code: "CONNECTOR-2001-500", message: "\(error)"), isTransient: false)
        }
    }

    // MARK: Copy and promotion

    func copyAndPromote(_ record: inout StoredRecord<FlowRun>, log: Logger) async throws {
        guard record.value.copyCompletedAt == nil else { return }
        // What an earlier try read without committing is read again.
        record.value.rowsRead = record.value.committedRowsRead
        record.value.rowsFailed = record.value.committedRowsFailed
        if record.value.chunksCommitted == 0 { record.value.samples = [] }
        let (run, scope) = (record.value, record.resource.metadata.scope)
        let plan = try await beating(&record) { _ in try await resolve(run, scope: scope) }
        // Where the chunks of the window end, from one summary of it (a count and the delta's range):
        // the source is asked once per window, not once per chunk. The first chunk has `chunkRows`
        // rows; after each, the rest is split again at the pace the source just showed.
        var chunkEnds: [Int64?] = []
        var planned: (summary: DeltaSummary, chunkRows: Int64)?
        while record.value.copyCompletedAt == nil {
            let runtime = try await StoredRecord<FlowRuntime>.runtime(of: plan.flow, in: storage, now: clock())
            let lower: Int64? =
                record.value.mode == .incremental ? runtime.value.watermark : (record.value.committedThrough ?? record.value.windowStart)
            let upper = record.value.windowEnd
            if record.value.copyStartedAt == nil {
                record.value.copyStartedAt = clock()
                if record.value.mode == .incremental { record.value.windowStart = lower }
                try await save(&record)
            }
            if let lower, let upper, lower >= upper {
                // Nothing left: later runs read this window already.
                try await RunRecovery.advance(&record, flow: plan.flow, through: upper, storage: storage, now: clock())
                continue
            }
            while let lower, let end = chunkEnds.first, let end, end <= lower { chunkEnds.removeFirst() }
            if chunkEnds.isEmpty {
                let whole = try window(plan, after: lower, through: upper)
                let summarizing = ContinuousClock.now
                let summary = try await beating(&record) { _ in try await plan.source.summarize(plan.table, window: whole) }
                log.debug(
                    "Window summarized",
                    metadata: ["rows": .stringConvertible(summary.rowCount), "took": .string("\(ContinuousClock.now - summarizing)")]
                )
                record.value.rowsExpected = record.value.committedRowsRead + summary.rowCount
                if summary.rowCount == 0 {
                    try await RunRecovery.advance(&record, flow: plan.flow, through: upper, storage: storage, now: clock())
                    continue
                }
                planned = (summary, settings.chunkRows)
                chunkEnds = Self.chunkEnds(summary, after: lower, through: upper, chunkRows: settings.chunkRows)
            }
            let chunkEnd = chunkEnds.removeFirst()
            let (readBefore, started) = (record.value.rowsRead, ContinuousClock.now)
            try await copyChunk(&record, plan: plan, window: try window(plan, after: lower, through: chunkEnd), log: log)
            let milliseconds = (ContinuousClock.now - started).wholeMilliseconds
            if let chunkEnd, !chunkEnds.isEmpty, let (summary, chunkRows) = planned {
                let paced = settings.chunkRows(after: record.value.rowsRead - readBefore, in: milliseconds, current: chunkRows)
                if paced > chunkRows {
                    planned = (summary, paced)
                    chunkEnds = Self.chunkEnds(summary, after: chunkEnd, through: upper, chunkRows: paced)
                }
            }
            log.debug(
                "Chunk committed",
                metadata: [
                    "rowsRead": .stringConvertible(record.value.rowsRead - readBefore), "ms": .stringConvertible(milliseconds),
                    "chunksLeft": .stringConvertible(chunkEnds.count),
                ]
            )
        }
    }

    /// Where the chunks of a window end: its end alone, or — when the rows after `lower` are more than
    /// `chunkRows` — delta values that split the rest of the range of its values into chunks of about
    /// that many rows (rows spread evenly assumed), then its end.
    static func chunkEnds(_ summary: DeltaSummary, after lower: Int64?, through upper: Int64?, chunkRows: Int64) -> [Int64?] {
        guard let earliest = summary.earliest, let latest = summary.latest, latest > earliest else { return [upper] }
        let start = max(earliest, lower ?? earliest)
        guard latest > start else { return [upper] }
        // The rows after `start`: all of them, or its share of the range (in floating point: a
        // count times a range of microseconds overflows).
        let rows =
            start == earliest ? summary.rowCount : Int64((Double(summary.rowCount) * Double(latest - start) / Double(latest - earliest)).rounded(.up))
        guard rows > chunkRows else { return [upper] }
        let chunks = (rows + chunkRows - 1) / chunkRows
        // Rounded up: rounded down, the steps would fall short of the range and leave a sliver of a
        // chunk — a query of its own — at its end.
        let step = max(1, (latest - start - 1) / chunks + 1)
        var ends: [Int64?] = []
        var end = start + step
        while end < latest {
            if upper.map({ end < $0 }) ?? true { ends.append(end) }
            end += step
        }
        return ends + [upper]
    }

    func window(_ plan: Plan, after: Int64?, through: Int64?) throws(RunFailure) -> DeltaWindow {
        do {
            return try DeltaWindow(column: plan.delta, timezone: plan.definition.deltaColumn.timezone, after: after, through: through)
        } catch {
            throw RunFailure.configuration(error.message)
        }
    }

    /// Copies one chunk into a batch and promotes it.
    func copyChunk(_ record: inout StoredRecord<FlowRun>, plan: Plan, window: DeltaWindow, log: Logger) async throws {
        let opened = clock()
        let batch = SharedBatch(
            try lake.openBatch(
                on: plan.datasetId,
                in: record.resource.metadata.scope,
                now: opened,
                lease: BatchLease(owner: instance, expiresAt: opened + settings.leaseMilliseconds)
            )
        )
        let before = record.value
        let chunk: ChunkCount
        do {
            // The rows read so far are saved with the run's heartbeat, which holds the batch as long as the run.
            chunk = try await beating(&record, batch: batch) { heartbeat in
                try await plan.source.read(plan.table, columns: plan.columns, window: window, filter: plan.filter, batchSize: settings.fetchRows) {
                    pages in
                    // The next page is fetched and decoded while this one is mapped and encoded.
                    try await PagePipeline.run(pages, into: ChunkCount()) { counted, rows in
                        let mapped = plan.mapper.map(rows)
                        if mapped.rowCount > 0 { try batch.writer.withLock { writer throws(DataLakeError) in try writer.write(mapped.columns) } }
                        counted.add(mapped, read: rows.rowCount, keepSamples: plan.definition.errorDiagnosticsEnabled)
                        heartbeat.rows.withLock { $0 = (before.rowsRead + counted.read, before.rowsFailed + counted.failed) }
                    }
                }
            }
        } catch {
            record.value.rowsRead = before.rowsRead
            record.value.rowsFailed = before.rowsFailed
            let reason = "the copy stopped: \(Self.failure(error).issue.message)"
            batch.writer.withLock { _ = $0.abort(reason: reason, now: clock()) }
            throw error
        }
        record.value.rowsRead = before.rowsRead + chunk.read
        record.value.rowsFailed = before.rowsFailed + chunk.failed
        record.value.samples = Array((record.value.samples + chunk.samples).prefix(FlowRun.maximumSamples))
        let failedShare = chunk.read == 0 ? 0 : Double(chunk.failed) * 100 / Double(chunk.read)
        if chunk.failed > 0 && failedShare > plan.definition.partialIngestionPercent {
            batch.writer.withLock { _ = $0.abort(reason: "rows failed mapping", now: clock()) }
            throw RunFailure(
                issue: FlowRun.Issue(
                    code: "MAPPER-3700-400",
                    message: String(
                        format: "%.2f%% of the rows failed mapping, above the flow's partialIngestionPercent of %.2f%%",
                        failedShare,
                        plan.definition.partialIngestionPercent
                    ),
                    recordCount: chunk.failed
                ),
                isTransient: false
            )
        }
        try await promote(&record, plan: plan, batch: batch.writer, through: window.through, chunk: chunk)
    }

    /// Commits the chunk's batch and records it, with the watermark, in one store transaction.
    func promote(
        _ record: inout StoredRecord<FlowRun>,
        plan: Plan,
        batch: borrowing Mutex<BatchWriter>,
        through: Int64?,
        chunk: ChunkCount
    ) async throws {
        record.value.pending = FlowRun.PendingBatch(
            batchId: batch.withLock { $0.record.id },
            through: through,
            rows: chunk.written,
            bytes: 0,
            files: 0,
            read: chunk.read,
            failed: chunk.failed
        )
        do {
            try await save(&record)
        } catch {
            batch.withLock { _ = $0.abort(reason: "the run could not record the batch", now: clock()) }
            throw error
        }
        let now = clock()
        let committing = ContinuousClock.now
        let committed = try batch.withLock { writer throws(DataLakeError) in try writer.commit(now: now) }
        metrics.lakeCommitted(nanoseconds: (ContinuousClock.now - committing).wholeNanoseconds)
        record.value.pending?.bytes = committed.byteCount
        record.value.pending?.files = Int64(committed.files.count)
        try await RunRecovery.advance(&record, flow: plan.flow, through: through, storage: storage, now: clock())
        metrics.chunkCommitted(flowId: plan.flow.id, read: chunk.read, written: chunk.written, failed: chunk.failed, bytes: committed.byteCount)
    }

    // MARK: Resolution

    /// The flow, its connections, mapping set and dataset, and the source's columns.
    func resolve(_ run: FlowRun, scope: TenantScope) async throws -> Plan {
        guard let flow = try await storage.resource(.flows, id: run.flowId, in: scope) else {
            throw RunFailure.configuration("the flow \(run.flowId) no longer exists")
        }
        let definition: FlowDefinition
        do {
            definition = try FlowDefinition(body: flow.body)
        } catch {
            throw RunFailure.configuration(error.detailedMessage)
        }
        guard let sourceConnection = try await storage.resource(.sourceConnections, id: definition.sourceConnectionId, in: scope) else {
            throw RunFailure.configuration("the source connection \(definition.sourceConnectionId) no longer exists")
        }
        let baseId = sourceConnection.body["baseConnectionId"]?.stringValue ?? ""
        guard let base = try await storage.resource(.connections, id: baseId, in: scope) else {
            throw RunFailure.configuration("the base connection \(baseId) no longer exists")
        }
        guard let target = try await storage.resource(.targetConnections, id: definition.targetConnectionId, in: scope),
            let datasetId = target.body["params"]?["dataSetId"]?.stringValue
        else { throw RunFailure.configuration("the target connection \(definition.targetConnectionId) no longer exists") }
        guard let dataset = try lake.dataset(datasetId, in: scope) else {
            throw RunFailure.configuration("the dataset \(datasetId) no longer exists")
        }
        // A codec this instance cannot load (its library missing here, installed where the dataset was
        // created) fails the run before anything is read, not at its first file, and is not retried.
        if let codec = dataset.compression {
            do {
                try codec.checkAvailable()
            } catch {
                throw RunFailure.configuration(
                    "the dataset \(datasetId) is written in \(codec.name), which this instance cannot write: \(error.message)"
                )
            }
        }
        guard let mappingSet = try await storage.resource(.mappingSets, id: definition.mappingId, in: scope) else {
            throw RunFailure.configuration("the mapping set \(definition.mappingId) no longer exists")
        }
        let table: TablePath
        let source: any SourceConnector
        var filter: RowFilter?
        do {
            source = try connectors.connector(for: base)
            table = try TablePath(parsing: sourceConnection.body["params"]?["tableName"]?.stringValue ?? "")
            if let filters = sourceConnection.body["params"]?["filters"], filters != .null { filter = try RowFilter(pql: filters) }
        } catch {
            throw RunFailure.configuration(error.message)
        }
        let tableColumns = try await source.columns(of: table)
        let mapper: BatchMapper
        do {
            mapper = try BatchMapper(
                mappings: FieldMapping.mappings(ofMappingSet: mappingSet.body),
                dataset: dataset.schema,
                sourceColumns: tableColumns.map { ($0.name, $0.sourceType) }
            )
        } catch {
            throw RunFailure(
                issue: FlowRun.Issue(code: "MAPPER-3701-400", message: "The mapping set no longer fits the table or the dataset: \(error)"),
                isTransient: false
            )
        }
        func column(_ name: String) -> SourceColumn? {
            tableColumns.first { $0.name == name } ?? tableColumns.first { $0.name.lowercased() == name.lowercased() }
        }
        guard let delta = column(definition.deltaColumn.name) else {
            throw RunFailure.configuration("the delta column '\(definition.deltaColumn.name)' is not a column of \(table.displayName)")
        }
        let columns = mapper.sourceColumnNames.compactMap(column)
        return Plan(
            flow: flow,
            definition: definition,
            source: source,
            table: table,
            datasetId: datasetId,
            mapper: mapper,
            columns: columns,
            delta: delta,
            filter: filter
        )
    }

    // MARK: Recording

    /// Stores the run's progress and renews its lease; a run changed meanwhile was taken over.
    /// `record` changes only when the store took the write: a write that failed (a cancelled task's
    /// writes are refused) leaves it as stored, so a later write — the release at a shutdown — still
    /// names the stored etag.
    func save(_ record: inout StoredRecord<FlowRun>) async throws {
        let now = clock()
        var updated = record
        updated.value.lease = FlowRun.Lease(owner: instance, expiresAt: now + settings.leaseMilliseconds)
        guard try await storage.apply([updated.change(now: now)]) else { throw LeaseLost() }
        record = updated
    }

    /// Puts a run interrupted by a shutdown back in the queue (outside the cancelled task, so the
    /// write is not cancelled with it; if it fails all the same, the next start recovers the run).
    func release(_ record: inout StoredRecord<FlowRun>, log: Logger) async {
        record.value.status = .scheduled
        record.value.lease = nil
        let change = record.change(now: clock())
        let storage = storage
        do {
            if try await Task(operation: { try await storage.apply([change]) }).value {
                log.notice("Run interrupted by the shutdown went back to the queue")
                return
            }
            log.warning("Run interrupted by the shutdown changed meanwhile; the next start recovers it")
        } catch {
            log.warning(
                "Run interrupted by the shutdown could not be put back in the queue; the next start recovers it",
                metadata: ["error": .string("\(error)")]
            )
        }
    }

    /// Ends the run: success, partial success (rows failed mapping below the threshold), or failure.
    func finish(_ record: inout StoredRecord<FlowRun>, failure: RunFailure?, log: Logger) async throws {
        let now = clock()
        record.value.lease = nil
        record.value.completedAt = now
        if let failure {
            record.value.status = .failed
            record.value.errors.append(failure.issue)
        } else {
            record.value.status = record.value.rowsFailed > 0 ? .partialSuccess : .success
            if record.value.rowsFailed > 0 {
                record.value.errors.append(
                    FlowRun.Issue(code: "MAPPER-3700-400", message: "Mapper Transform Error", recordCount: record.value.rowsFailed)
                )
            }
        }
        if let flow = try await storage.resource(.flows, id: record.value.flowId, in: record.resource.metadata.scope) {
            let runId = record.resource.id
            try await RunRecovery.commit(&record, flow: flow, storage: storage, now: now) { run, runtime in
                if failure == nil, run.rowsRead == 0, let most = runtime.recentRowCounts.max(), most > 0 {
                    run.warnings.append(
                        FlowRun.Issue(
                            code: "TRIBUTARY-1001-200",
                            message:
                                "The run read no rows although recent runs read up to \(most); check that the source table is still written and its delta column still advances."
                        )
                    )
                }
                runtime.record(run, id: runId)
                return true
            }
        } else {
            guard try await storage.apply([record.change(now: now)]) else { throw LeaseLost() }
        }
        metrics.runEnded(status: record.value.status, milliseconds: record.value.startedAt.map { now - $0 })
        log.info(
            "Run ended",
            metadata: [
                "status": .string(record.value.status.rawValue), "rowsRead": .stringConvertible(record.value.rowsRead),
                "rowsWritten": .stringConvertible(record.value.rowsWritten), "rowsFailed": .stringConvertible(record.value.rowsFailed),
            ]
        )
    }
}

/// Rows of one chunk.
struct ChunkCount: Sendable {
    var read: Int64 = 0
    var written: Int64 = 0
    var failed: Int64 = 0
    var samples: [FlowRun.RowSample] = []

    mutating func add(_ mapped: MappedBatch, read rows: Int, keepSamples: Bool) {
        read += Int64(rows)
        written += Int64(mapped.rowCount)
        failed += Int64(mapped.rejectedCount)
        if keepSamples {
            samples += mapped.samples.prefix(FlowRun.maximumSamples - samples.count).map { FlowRun.RowSample(field: $0.field, message: $0.message) }
        }
    }
}

extension Duration {
    /// The duration in whole milliseconds.
    var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
    /// The duration in whole nanoseconds.
    var wholeNanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
