// Work whose duration a test bounds, run on an executor of its own. The suites share the global
// executor, and at the start of a run hundreds of quick tests queue on it: a continuation of a
// time-bounded test waits its turn behind them (measured in a full run: `Task.yield()` 2.25 s, a
// DispatchQueue.global() round trip 18 µs; the refused connect timed 0.13 s on the shared executor
// and 5 ms on its own; CI once measured 10.9 s), and the bound then measures the queue. With a task
// executor preference the work's jobs (and the nonisolated async code it calls) run on a serial
// queue that no other test uses.
import Dispatch

/// A task executor on a serial Dispatch queue of its own.
public final class OwnExecutor: TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    public init(label: String = "tributary.test.own-executor") {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Runs `work` with its jobs on an executor of its own (see ``OwnExecutor``).
public func onOwnExecutor<T: Sendable>(_ work: @Sendable () async throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(OwnExecutor()) { try await work() }
}
