// The scheduler's planning step: for every flow due a look — written since it was last planned, or
// its next slot come — the runs its schedule makes due, created in order together with the flow's
// next slot and its next look in one store transaction; so a restart, a second instance or a clock
// jumping back never creates a window twice, and a clock jumping forward makes the windows in
// between rather than skipping them. A round reads the flows due, not every flow.
import FlowModel
import FlowStore
import Foundation
import Logging

/// Creates the due runs of flows.
struct RunPlanner: Sendable {
    let storage: any FlowStorage
    let settings: RunSettings
    let logger: Logger

    /// Flows read from the store at once.
    var batchSize = 500
    /// Batches one round plans at most; the rest wait for the next round.
    static let maximumBatches = 20

    /// Plans every flow whose next look is due by `now`: those written since (created, changed,
    /// enabled, disabled) and those whose next slot came — never the others, so a round's cost
    /// follows the flows due, not the flows there are.
    func planDue(now: Int64) async throws {
        var waitingByFlow: [String: Int]?
        for _ in 0..<Self.maximumBatches {
            let due = try await storage.due(.flows, by: now, limit: batchSize)
            guard !due.isEmpty else { return }
            if waitingByFlow == nil {
                var counts: [String: Int] = [:]
                for run in try await storage.resources(.runs, state: FlowRun.Status.scheduled.rawValue) {
                    counts[run.body["flowId"]?.stringValue ?? "", default: 0] += 1
                }
                waitingByFlow = counts
            }
            for flow in due {
                do {
                    try await plan(flow, waiting: waitingByFlow?[flow.id] ?? 0, now: now)
                } catch {
                    // A shutdown cancels the round: not a failure of the flow.
                    if Task.isCancelled { return }
                    logger.error(
                        "Planning a flow's runs failed; it is tried again",
                        metadata: ["flow": .string(flow.id), "error": .string("\(error)")]
                    )
                    let retry = ResourceChange.setDue(
                        .flows,
                        id: flow.id,
                        in: flow.metadata.scope,
                        expectedEtag: flow.metadata.etag,
                        at: now + settings.leaseMilliseconds
                    )
                    _ = try? await storage.apply([retry])
                }
            }
            if due.count < batchSize { return }
        }
    }

    /// Plans one flow: a disabled one is marked paused; an enabled one gets the runs its schedule
    /// made due, at most enough to have ``RunSettings/maximumWaitingRuns`` waiting. The runs, the
    /// flow's runtime and its next look are one store transaction, applied only while the flow is
    /// still the version read (a flow changed meanwhile is planned again, as it is due again).
    func plan(_ flow: FlowResource, waiting: Int, now: Int64) async throws {
        var runtime = try await StoredRecord<FlowRuntime>.runtime(of: flow, in: storage, now: now)
        let firstPlan = runtime.isNew
        var changes: [ResourceChange] = []
        let nextLook: Int64?
        if flow.body["state"]?.stringValue != "enabled" {
            if !runtime.value.paused {
                runtime.value.paused = true
                changes.append(runtime.change(now: now))
            }
            nextLook = nil
        } else {
            let (runs, next) = try plan(enabled: flow, runtime: &runtime, waiting: waiting, now: now)
            changes += runs
            nextLook = next
        }
        changes.append(.setDue(.flows, id: flow.id, in: flow.metadata.scope, expectedEtag: flow.metadata.etag, at: nextLook))
        let applied: Bool
        do {
            applied = try await storage.apply(changes)
        } catch let error as FlowStoreError where error.code == .duplicate && firstPlan {
            // Another instance made the flow's first runtime meanwhile: it planned the flow.
            return
        }
        if applied, changes.count > 2 {
            logger.info("Scheduled runs", metadata: ["flow": .string(flow.id), "runs": .stringConvertible(changes.count - 2)])
        }
    }

    /// The runs an enabled flow's schedule made due (and its runtime's change, last), and when to
    /// look at the flow next: its next slot, soon when its waiting runs are at the limit (a claim
    /// of one brings the look forward), never when a once-schedule ran.
    private func plan(
        enabled flow: FlowResource,
        runtime: inout StoredRecord<FlowRuntime>,
        waiting: Int,
        now: Int64
    ) throws -> ([ResourceChange], Int64?) {
        let definition = try FlowDefinition(body: flow.body)
        let schedule = definition.schedule
        var changed = false
        let params = flow.body["scheduleParams"]
        if runtime.value.nextRun == nil || runtime.value.plannedSchedule != params || runtime.value.paused {
            let fresh = runtime.value.nextRun == nil
            if fresh && schedule.backfill {
                runtime.value.nextRun = 0
            } else {
                // Only from now on: a schedule changed or re-enabled resumes at the next slot; rows
                // meanwhile are still read, from the watermark.
                runtime.value.nextRun = schedule.firstRun(atOrAfter: now)
                if fresh, let period = schedule.periodMilliseconds, runtime.value.watermark == nil {
                    runtime.value.watermark = schedule.time(ofRun: runtime.value.nextRun!) - period - settings.safetyLagMilliseconds
                }
            }
            runtime.value.plannedSchedule = params
            runtime.value.paused = false
            changed = true
        }
        var changes: [ResourceChange] = []
        var slot = runtime.value.nextRun!
        var count = waiting
        let periodic = schedule.periodMilliseconds != nil
        while count < settings.maximumWaitingRuns, schedule.time(ofRun: slot) <= now, periodic || slot == 0 {
            let time = schedule.time(ofRun: slot)
            let run: FlowRun =
                periodic
                ? FlowRun(
                    flowId: flow.id,
                    mode: .incremental,
                    trigger: "scheduled",
                    scheduledAt: time,
                    windowStart: nil,
                    windowEnd: time - settings.safetyLagMilliseconds,
                    sourceConnectionId: definition.sourceConnectionId,
                    targetConnectionId: definition.targetConnectionId
                )
                : FlowRun(
                    flowId: flow.id,
                    mode: .wholeTable,
                    trigger: "scheduled",
                    scheduledAt: time,
                    windowStart: nil,
                    windowEnd: nil,
                    sourceConnectionId: definition.sourceConnectionId,
                    targetConnectionId: definition.targetConnectionId
                )
            var record = StoredRecord(newRun: run, of: flow, id: UUID().uuidString.lowercased(), now: now)
            changes.append(record.change(now: now))
            slot += 1
            count += 1
        }
        if changed || !changes.isEmpty {
            runtime.value.nextRun = slot
            changes.append(runtime.change(now: now))
        }
        let nextLook: Int64? =
            if !periodic && slot > 0 {
                nil
            } else if schedule.time(ofRun: slot) <= now {
                now + settings.pollMilliseconds * 5
            } else {
                schedule.time(ofRun: slot)
            }
        return (changes, nextLook)
    }
}
