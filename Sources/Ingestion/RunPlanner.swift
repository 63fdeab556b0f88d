// The scheduler's planning step: for every enabled flow, the runs its schedule makes due, created
// in order together with the flow's next slot in one store transaction — so a restart, a second
// instance or a clock jumping back never creates a window twice, and a clock jumping forward makes
// the windows in between rather than skipping them.
import FlowModel
import FlowStore
import Foundation
import Logging

/// Creates the due runs of flows.
struct RunPlanner: Sendable {
    let storage: any FlowStorage
    let settings: RunSettings
    let logger: Logger

    /// Plans every flow once.
    func planAll(now: Int64) async throws {
        let waiting = try await storage.resources(.runs, state: FlowRun.Status.scheduled.rawValue)
        var waitingByFlow: [String: Int] = [:]
        for run in waiting { waitingByFlow[run.body["flowId"]?.stringValue ?? "", default: 0] += 1 }
        for flow in try await storage.resources(.flows, state: "enabled") {
            do {
                try await plan(flow, waiting: waitingByFlow[flow.id] ?? 0, now: now)
            } catch {
                // A shutdown cancels the round: not a failure of the flow.
                if Task.isCancelled { return }
                logger.error("Planning a flow's runs failed", metadata: ["flow": .string(flow.id), "error": .string("\(error)")])
            }
        }
        for flow in try await storage.resources(.flows, state: "disabled") {
            var runtime = try await StoredRecord<FlowRuntime>.runtime(of: flow, in: storage, now: now)
            guard !runtime.value.paused else { continue }
            runtime.value.paused = true
            _ = try await storage.apply([runtime.change(now: now)])
        }
    }

    /// Creates the flow's due runs, at most enough to have ``RunSettings/maximumWaitingRuns`` waiting.
    func plan(_ flow: FlowResource, waiting: Int, now: Int64) async throws {
        let definition = try FlowDefinition(body: flow.body)
        let schedule = definition.schedule
        var runtime = try await StoredRecord<FlowRuntime>.runtime(of: flow, in: storage, now: now)
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
        while count < settings.maximumWaitingRuns, schedule.time(ofRun: slot) <= now, schedule.periodMilliseconds != nil || slot == 0 {
            let time = schedule.time(ofRun: slot)
            let run: FlowRun =
                schedule.periodMilliseconds == nil
                ? FlowRun(
                    flowId: flow.id, mode: .wholeTable, trigger: "scheduled", scheduledAt: time, windowStart: nil, windowEnd: nil,
                    sourceConnectionId: definition.sourceConnectionId, targetConnectionId: definition.targetConnectionId)
                : FlowRun(
                    flowId: flow.id, mode: .incremental, trigger: "scheduled", scheduledAt: time, windowStart: nil, windowEnd: time - settings.safetyLagMilliseconds,
                    sourceConnectionId: definition.sourceConnectionId, targetConnectionId: definition.targetConnectionId)
            var record = StoredRecord(newRun: run, of: flow, id: UUID().uuidString.lowercased(), now: now)
            changes.append(record.change(now: now))
            slot += 1
            count += 1
        }
        guard changed || !changes.isEmpty else { return }
        runtime.value.nextRun = slot
        changes.append(runtime.change(now: now))
        if try await storage.apply(changes) {
            if changes.count > 1 {
                logger.info("Scheduled runs", metadata: ["flow": .string(flow.id), "runs": .stringConvertible(changes.count - 1)])
            }
        }
    }
}
