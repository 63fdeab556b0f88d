// The scheduler: a Service in the service group. Every poll — or sooner, when a flow's next slot
// comes first — it plans the runs of the flows due a look, takes over runs whose instance stopped
// renewing their lease, and starts waiting runs: the oldest first, one at a time per flow, a bounded
// number at once. On a graceful shutdown the runs in progress are interrupted and queued again; on
// start, the batches and runs a killed process left behind are recovered.
import Connectors
import DataLake
import FlowModel
public import FlowStore
import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// Plans and executes dataflow runs.
public struct FlowScheduler: Service {
    let storage: any FlowStorage
    let lake: DataLake
    let settings: RunSettings
    let logger: Logger
    let instance: String
    let clock: @Sendable () -> Int64
    let executor: RunExecutor
    /// Whether this instance is the only one on its store (the embedded SQLite store): then every
    /// run left in progress at start is an interrupted one.
    let soleInstance: Bool
    /// Beats at the end of every round.
    let pulse: SchedulerPulse
    let metrics: RunMetrics

    /// Creates the scheduler.
    /// - Parameter instance: this instance's name on leases and run records.
    /// - Parameter pulse: beats at the end of every round (the readiness probe reads it).
    /// - Parameter metrics: what runs do, as metrics.
    public init(
        storage: any FlowStorage,
        lake: DataLake,
        connectors: SourceConnectors,
        settings: RunSettings,
        logger: Logger,
        soleInstance: Bool,
        instance: String,
        clock: @escaping @Sendable () -> Int64,
        pulse: SchedulerPulse = SchedulerPulse(),
        metrics: RunMetrics = RunMetrics()
    ) {
        self.pulse = pulse
        self.metrics = metrics
        self.storage = storage
        self.lake = lake
        self.settings = settings
        self.logger = logger
        self.instance = instance
        self.clock = clock
        self.soleInstance = soleInstance
        self.executor = RunExecutor(
            storage: storage,
            lake: lake,
            connectors: connectors,
            settings: settings,
            logger: logger,
            instance: instance,
            clock: clock,
            metrics: metrics
        )
    }

    public func run() async throws {
        defer { pulse.schedulerStopped() }
        if soleInstance {
            let interrupted = try lake.recoverInterruptedBatches(now: clock())
            if !interrupted.isEmpty {
                logger.notice(
                    "Batches interrupted by the last stop were marked failed; none of their rows is visible",
                    metadata: ["batches": .array(interrupted.map { .string($0.id) })]
                )
            }
            try await recoverInterruptedRuns(onlyExpired: false, running: [])
        }
        let running = RunningRuns()
        let planner = RunPlanner(storage: storage, settings: settings, logger: logger)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                var batchesRecovered: Int64?
                var runsRecovered: Int64?
                while !Task.isCancelled {
                    do {
                        // A shared lake: batches whose writer stopped renewing its lease, once a lease period.
                        if !soleInstance, clock() - (batchesRecovered ?? .min / 2) >= settings.leaseMilliseconds {
                            recoverAbandonedBatches()
                            batchesRecovered = clock()
                        }
                        try await planner.planDue(now: clock())
                        if clock() - (runsRecovered ?? .min / 2) >= settings.pollMilliseconds {
                            try await recoverInterruptedRuns(onlyExpired: true, running: running.ids.withLock { $0 })
                            runsRecovered = clock()
                        }
                        try await startWaitingRuns(in: &group, running: running)
                    } catch  where !Task.isCancelled {
                        logger.error("The scheduler's round failed; it tries again", metadata: ["error": .string("\(error)")])
                    } catch {}
                    pulse.roundEnded()
                    await running.ended.wait(milliseconds: await untilNextRound())
                }
            }
        }
    }

    /// How long to wait for the next round: a poll interval, or less when a flow's next slot comes
    /// sooner — a due run is picked up at its time, not up to a poll later. (A run that ends cuts
    /// the wait short too: its slot may start a waiting run.)
    func untilNextRound() async -> Int64 {
        let now = clock()
        guard let due = try? await storage.earliestDue(.flows) else { return settings.pollMilliseconds }
        return min(settings.pollMilliseconds, max(Self.shortestWait, due - now))
    }

    /// The least wait between rounds, so flows that stay due (planned in a later round) never spin it.
    static let shortestWait: Int64 = 20

    /// Fails the open batches of writers that stopped (their lease ended), leaving live writers' alone.
    func recoverAbandonedBatches() {
        do {
            let failed = try lake.recoverInterruptedBatches(now: clock(), expiredOnly: true, unleasedFor: settings.leaseMilliseconds)
            if !failed.isEmpty {
                logger.notice(
                    "Batches whose writer stopped were marked failed; none of their rows is visible",
                    metadata: ["batches": .array(failed.map { .string($0.id) })]
                )
            }
        } catch {
            logger.error("Recovering abandoned batches failed; it is tried again", metadata: ["error": .string("\(error)")])
        }
    }

    /// Requeues runs left in progress: all of them, or those whose lease expired.
    func recoverInterruptedRuns(onlyExpired: Bool, running: Set<String>) async throws {
        let now = clock()
        for resource in try await storage.resources(.runs, state: FlowRun.Status.inProgress.rawValue) where !running.contains(resource.id) {
            let run = try FlowRun(body: resource.body)
            if onlyExpired, let lease = run.lease, lease.expiresAt > now { continue }
            do {
                try await RunRecovery.recover(resource, storage: storage, lake: lake, now: now, logger: logger)
            } catch {
                logger.error("Recovering an interrupted run failed", metadata: ["run": .string(resource.id), "error": .string("\(error)")])
            }
        }
    }

    /// Claims and starts waiting runs: per flow only the earliest, and only when none of the flow's
    /// runs is in progress.
    func startWaitingRuns(in group: inout DiscardingTaskGroup, running: RunningRuns) async throws {
        var free = settings.maximumConcurrentRuns - running.ids.withLock { $0.count }
        guard free > 0 else { return }
        var busy = Set(try await storage.resources(.runs, state: FlowRun.Status.inProgress.rawValue).compactMap { $0.body["flowId"]?.stringValue })
        let waiting = try await storage.resources(.runs, state: FlowRun.Status.scheduled.rawValue).compactMap { resource -> StoredRecord<FlowRun>? in
            try? StoredRecord(run: resource)
        }
        var waitingByFlow: [String: Int] = [:]
        for run in waiting { waitingByFlow[run.value.flowId, default: 0] += 1 }
        let now = clock()
        for candidate in waiting.sorted(by: {
            ($0.value.scheduledAt, $0.resource.metadata.createdAt) < ($1.value.scheduledAt, $1.resource.metadata.createdAt)
        }) {
            // A shutdown claims nothing more.
            guard free > 0, !Task.isCancelled else { return }
            guard busy.insert(candidate.value.flowId).inserted else { continue }
            var claimed = candidate
            claimed.value.status = .inProgress
            claimed.value.lease = FlowRun.Lease(owner: instance, expiresAt: now + settings.leaseMilliseconds)
            claimed.value.instance = instance
            if claimed.value.startedAt == nil { claimed.value.startedAt = now }
            var changes = [claimed.change(now: now)]
            if waitingByFlow[candidate.value.flowId, default: 0] >= settings.maximumWaitingRuns {
                // The planner stopped at the limit of waiting runs: this claim makes room for one more.
                changes.append(.hasten(.flows, id: candidate.value.flowId, in: candidate.resource.metadata.scope, at: now))
            }
            guard try await storage.apply(changes) else { continue }
            metrics.runStarted(lagMilliseconds: now - candidate.value.scheduledAt)
            free -= 1
            let id = claimed.resource.id
            running.ids.withLock { _ = $0.insert(id) }
            let started = claimed
            group.addTask {
                await executor.execute(started)
                running.ids.withLock { _ = $0.remove(id) }
                // A slot is free: a waiting run need not wait for the next poll.
                running.ended.signal()
            }
        }
    }
}

/// The runs this instance executes now.
final class RunningRuns: Sendable {
    let ids = Mutex<Set<String>>([])
    /// Signalled when one ends.
    let ended = Wakeup()
}
