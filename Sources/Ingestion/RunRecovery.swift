// Exactly-once bookkeeping. After a chunk's batch is committed in the lake, the run and the flow's
// watermark advance in one store transaction (`advance`). A process that dies in between leaves the
// run `inProgress` with its pending batch: `recover` looks the batch up in the lake — committed: the
// transaction is finished; not committed: it was discarded — and queues the run again, to resume
// after its last committed chunk.
import DataLake
import FlowModel
import FlowStore
import Logging

/// Finishing interrupted promotions and requeueing interrupted runs.
enum RunRecovery {
    /// Records the run's pending batch (if any) as committed and the window read through `through`:
    /// the run's counters and cursor, and for incremental runs the flow's watermark, in one transaction.
    static func advance(_ record: inout StoredRecord<FlowRun>, flow: FlowResource, through: Int64?, storage: any FlowStorage, now: Int64) async throws
    {
        try await commit(&record, flow: flow, storage: storage, now: now) { run, runtime in
            if let pending = run.pending {
                run.batches.append(pending.batchId)
                run.rowsWritten += pending.rows
                run.committedRowsRead += pending.read
                run.committedRowsFailed += pending.failed
                run.bytesWritten += pending.bytes
                run.filesWritten += pending.files
                run.chunksCommitted += 1
                run.promotionCompletedAt = now
                run.pending = nil
            }
            if through == run.windowEnd { run.copyCompletedAt = now }
            guard run.mode == .incremental, let through else {
                run.committedThrough = through
                return false
            }
            runtime.watermark = max(runtime.watermark ?? through, through)
            return true
        }
    }

    /// Stores the run as `update` changes it — together with the flow's runtime when `update` says it
    /// changed that too — in one transaction. When the runtime moved meanwhile (the scheduler planned
    /// a slot) it is read again and `update` applied afresh; a run changed by another writer was
    /// taken over (``LeaseLost``).
    static func commit(
        _ record: inout StoredRecord<FlowRun>,
        flow: FlowResource,
        storage: any FlowStorage,
        now: Int64,
        _ update: (inout FlowRun, inout FlowRuntime) -> Bool
    ) async throws {
        for _ in 0..<10 {
            var run = record
            var runtime = try await StoredRecord<FlowRuntime>.runtime(of: flow, in: storage, now: now)
            let runtimeChanged = update(&run.value, &runtime.value)
            var changes = [run.change(now: now)]
            if runtimeChanged { changes.append(runtime.change(now: now)) }
            if try await storage.apply(changes) {
                record = run
                return
            }
            guard let current = try await storage.resource(.runs, id: record.resource.id, in: record.resource.metadata.scope),
                current.metadata.etag == record.resource.metadata.etag
            else { throw LeaseLost() }
        }
        throw RunFailure(issue: FlowRun.Issue(code: "CONNECTOR-2001-500", message: "the run's progress could not be recorded"), isTransient: true)
    }

    /// Puts an interrupted run back in the queue, first finishing its promotion when the lake
    /// committed its pending batch.
    static func recover(_ resource: FlowResource, storage: any FlowStorage, lake: DataLake, now: Int64, logger: Logger) async throws {
        var record = try StoredRecord(run: resource)
        let scope = resource.metadata.scope
        if let pending = record.value.pending {
            if let batch = try lake.batch(pending.batchId, in: scope), batch.status == .success,
                let flow = try await storage.resource(.flows, id: record.value.flowId, in: scope)
            {
                record.value.pending?.bytes = batch.byteCount
                record.value.pending?.files = Int64(batch.files.count)
                try await advance(&record, flow: flow, through: pending.through, storage: storage, now: now)
                logger.notice(
                    "Finished the promotion of a batch committed before the stop",
                    metadata: ["run": .string(resource.id), "batch": .string(pending.batchId)]
                )
            } else {
                record.value.pending = nil
            }
        }
        record.value.status = .scheduled
        record.value.lease = nil
        record.value.attempt += 1
        if try await storage.apply([record.change(now: now)]) {
            logger.notice(
                "Requeued a run interrupted by a stop",
                metadata: ["run": .string(resource.id), "attempt": .stringConvertible(record.value.attempt)]
            )
        }
    }
}
