// A run's sign of life while it waits on its source. A Databricks query may think for minutes
// before its first rows, a count over a large window as long, a terminated cluster takes minutes to
// start: all that time the run's lease (and its open batch's) is renewed every progress interval,
// rows or not, so no other instance takes over a run that is alive.
import DataLake
import FlowModel
import Synchronization

/// The state a run's heartbeat shares with the work it keeps alive.
final class RunHeartbeat: Sendable {
    /// The run as last saved.
    let record: Mutex<StoredRecord<FlowRun>>
    /// The rows read and failed so far (counting earlier chunks), saved with the next beat.
    let rows = Mutex<(read: Int64, failed: Int64)?>(nil)
    private let stopped = Mutex(false)
    private let wakeup = Wakeup()

    init(_ record: StoredRecord<FlowRun>) {
        self.record = Mutex(record)
    }

    /// Ends the beats: the work is over.
    func stop() {
        stopped.withLock { $0 = true }
        wakeup.signal()
    }

    /// Waits for the next beat. - Returns: `false` when the work ended or the task was cancelled.
    func nextBeat(after milliseconds: Int64) async -> Bool {
        await wakeup.wait(milliseconds: milliseconds)
        return !Task.isCancelled && !stopped.withLock { $0 }
    }
}

/// An open batch that a run's work writes and its heartbeat renews.
final class SharedBatch: Sendable {
    let writer: Mutex<BatchWriter>

    init(_ writer: sending BatchWriter) {
        self.writer = Mutex(writer)
    }
}

extension RunExecutor {
    /// Runs `work` while the run's lease — and `batch`'s — is renewed every progress interval, with
    /// the rows the work reports; `record` comes back as last saved. A lease another instance took
    /// meanwhile stops the work (``LeaseLost``).
    func beating<T: Sendable>(
        _ record: inout StoredRecord<FlowRun>,
        batch: SharedBatch? = nil,
        _ work: @escaping @Sendable (RunHeartbeat) async throws -> T
    ) async throws -> T {
        let heartbeat = RunHeartbeat(record)
        defer { record = heartbeat.record.withLock { $0 } }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await beat(heartbeat, batch: batch)
                return nil
            }
            group.addTask {
                defer { heartbeat.stop() }
                return try await work(heartbeat)
            }
            var result: T?
            while let outcome = try await group.next() {
                if let outcome { result = outcome }
            }
            return result!
        }
    }

    private func beat(_ heartbeat: RunHeartbeat, batch: SharedBatch?) async throws {
        while await heartbeat.nextBeat(after: settings.progressMilliseconds) {
            var snapshot = heartbeat.record.withLock { $0 }
            if let rows = heartbeat.rows.withLock({ $0 }) {
                snapshot.value.rowsRead = rows.read
                snapshot.value.rowsFailed = rows.failed
            }
            // Not cancelled with the work: a save cut short may be stored without this run learning
            // the etag it stored, and the run's next write would then find its lease lost.
            let saved = try await Task { [snapshot] in
                var saving = snapshot
                try await save(&saving)
                return saving
            }.value
            heartbeat.record.withLock { $0 = saved }
            try batch?.writer.withLock { writer throws(DataLakeError) in try writer.renewLease(until: clock() + settings.leaseMilliseconds) }
        }
    }
}
