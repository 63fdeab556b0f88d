// A shutdown cancels the task of a run in progress; the executor then puts the run back in the
// queue. The store refuses the writes of a cancelled task, so a save interrupted that way must leave
// the run's record as stored, or the release names an etag the store never saw and the run stays
// `inProgress` until the next start recovers it as a new attempt.
import Connectors
import FlowModel
import FlowStore
import Foundation
import Logging
import Testing

@testable import Ingestion

struct RunReleaseTests {
    @Test func aRunWhoseSaveWasCancelledIsStillPutBackInTheQueue() async throws {
        let fixture = try PlanningFixture()
        let flow = try await fixture.flow(["startTime": .integer(RunPlannerTests.start), "frequency": "once"])
        try await fixture.planner.planDue(now: RunPlannerTests.start * 1000 + 1)
        let resource = try #require(
            try await fixture.storage.resources(.runs, in: fixture.scope, where: FlowRun.flowReference, isOneOf: [flow.id]).first
        )
        // Claimed, as the executor holds it.
        var claimed = try StoredRecord(run: resource)
        claimed.value.status = .inProgress
        #expect(try await fixture.storage.apply([claimed.change(now: 1)]))
        let executor = RunExecutor(
            storage: fixture.storage,
            lake: fixture.lake,
            connectors: SourceConnectors(
                hostPolicy: SourceHostPolicy(),
                httpClient: try SourceHTTPClient.trusting(nil),
                logger: Logger(label: "test")
            ),
            settings: fixture.settings,
            logger: Logger(label: "test"),
            instance: "instance-1",
            clock: { 2 }
        )

        let held = claimed
        let saved = await Task {
            var record = held
            withUnsafeCurrentTask { $0?.cancel() }
            var saved = true
            do { try await executor.save(&record) } catch { saved = false }
            await executor.release(&record, log: Logger(label: "test"))
            return saved
        }.value
        #expect(!saved, "the store refuses a cancelled task's write")
        let stored = try FlowRun(body: try #require(try await fixture.storage.resource(.runs, id: resource.id, in: fixture.scope)).body)
        #expect(stored.status == .scheduled && stored.lease == nil && stored.attempt == 1, "\(stored.status)")
    }
}
