// The scheduler's planning against a real store, with the clock in the test's hand: windows made
// in order, never twice across restarts, none for a disabled flow, none skipped when the clock
// jumps forward, none made again when it jumps back; and interrupted promotions finished from the
// lake's record.
import Connectors
import Crypto
import DataLake
import FlowModel
import FlowStore
import Foundation
import Logging
import Parquet
import Testing

@testable import Ingestion

/// A store and a lake in a temporary directory, and a flow in them.
struct PlanningFixture {
    let storage: SQLiteFlowStorage
    let lake: DataLake
    let scope = TenantScope(orgId: "ORG@AdobeOrg", sandboxName: "prod", sandboxId: "sandbox-1")
    var settings = RunSettings()

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("planner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        storage = try SQLiteFlowStorage(
            path: directory.appendingPathComponent("db.sqlite").path,
            sealer: SecretSealer(key: SymmetricKey(size: .bits256))
        )
        lake = try DataLake(root: directory.appendingPathComponent("lake"))
        settings.safetyLagMilliseconds = 10_000
        settings.maximumWaitingRuns = 5
    }

    var planner: RunPlanner { RunPlanner(storage: storage, settings: settings, logger: Logger(label: "test")) }

    /// Stores a flow with `schedule`; returns it.
    func flow(_ schedule: JSONValue, state: String = "enabled") async throws -> FlowResource {
        var (body, _) = try FlowRules().validateNew([
            "name": "f", "flowSpec": ["id": "14518937-270c-4525-bdec-c2ba7cce3860"], "sourceConnectionIds": ["s"], "targetConnectionIds": ["t"],
            "transformations": [
                ["name": "Copy", "params": ["deltaColumn": ["name": "updated"]]], ["name": "Mapping", "params": ["mappingId": "m"]],
            ],
            "scheduleParams": schedule,
        ])
        body["state"] = .string(state)
        let flow = FlowResource(
            kind: .flows,
            metadata: ResourceMetadata(id: UUID().uuidString.lowercased(), caller: Caller(clientId: "c", scope: scope), now: 0),
            body: body
        )
        try await storage.insert(flow)
        return flow
    }

    /// The flow's runs, in schedule order.
    func runs(_ flow: FlowResource) async throws -> [FlowRun] {
        try await storage.resources(.runs, in: scope, where: FlowRun.flowReference, isOneOf: [flow.id]).map { try FlowRun(body: $0.body) }.sorted {
            $0.scheduledAt < $1.scheduledAt
        }
    }

    /// Marks every waiting run of the flow ended, as the executor would — whose claim of a run
    /// brings its flow's next look forward when the flow had as many waiting as it may.
    func finishWaitingRuns() async throws {
        for resource in try await storage.resources(.runs, state: "scheduled") {
            var record = try StoredRecord(run: resource)
            record.value.status = .success
            #expect(try await storage.apply([record.change(now: 0), .hasten(.flows, id: record.value.flowId, in: scope, at: 0)]))
        }
    }
}

@Suite("Run planning and recovery")
struct RunPlannerTests {
    static let minute: Int64 = 60_000
    static let start: Int64 = 1_700_000_000  // seconds

    @Test func backfillMakesThePastWindowsInOrderAndNoneTwice() async throws {
        let fixture = try PlanningFixture()
        let flow = try await fixture.flow(["startTime": .integer(Self.start), "frequency": "minute", "interval": 15])
        let base = Self.start * 1000
        let now = base + 8 * 15 * Self.minute + 1
        try await fixture.planner.planDue(now: now)
        var runs = try await fixture.runs(flow)
        // At most five wait at once; the first reads everything up to its window end.
        #expect(runs.map(\.scheduledAt) == (0..<5).map { base + Int64($0) * 15 * Self.minute })
        #expect(runs.map(\.windowEnd) == (0..<5).map { base + Int64($0) * 15 * Self.minute - 10_000 })
        #expect(runs.allSatisfy { $0.mode == .incremental && $0.status == .scheduled && $0.windowStart == nil })
        // At the limit of waiting runs the flow is looked at again soon (a claim of one, sooner).
        #expect(try await fixture.storage.earliestDue(.flows) == now + fixture.settings.pollMilliseconds * 5)
        // Planning again (a restart, a second instance) makes nothing new while they wait.
        try await fixture.planner.planDue(now: now)
        #expect(try await fixture.runs(flow).count == 5)
        // As they end, the rest of the past follows, then nothing until the next slot is due.
        try await fixture.finishWaitingRuns()
        try await fixture.planner.planDue(now: now)
        runs = try await fixture.runs(flow)
        #expect(runs.map(\.scheduledAt) == (0..<9).map { base + Int64($0) * 15 * Self.minute })
        // The clock jumps back an hour: nothing is made again.
        try await fixture.finishWaitingRuns()
        try await fixture.planner.planDue(now: now - 60 * Self.minute)
        #expect(try await fixture.runs(flow).count == 9)
        // It jumps forward two hours: the slots in between are made, in order, none skipped.
        try await fixture.planner.planDue(now: now + 120 * Self.minute)
        try await fixture.finishWaitingRuns()
        try await fixture.planner.planDue(now: now + 120 * Self.minute)
        runs = try await fixture.runs(flow)
        #expect(runs.map(\.scheduledAt) == (0..<17).map { base + Int64($0) * 15 * Self.minute })
    }

    @Test func aRoundPlansTheFlowsDueAndLooksAtEachAgainAtItsNextSlot() async throws {
        let fixture = try PlanningFixture()
        let base = Self.start * 1000
        // Ten flows every 15 minutes, their slots a minute apart.
        var flows: [FlowResource] = []
        for index in 0..<10 {
            flows.append(
                try await fixture.flow([
                    "startTime": .integer(Self.start + Int64(index) * 60), "frequency": "minute", "interval": 15, "backfill": false,
                ])
            )
        }
        var planner = fixture.planner
        planner.batchSize = 3
        // One round plans all ten (three at a time): no run yet, each looked at next at its first slot.
        try await planner.planDue(now: base + 100 * Self.minute)
        #expect(try await fixture.storage.due(.flows, by: base + 100 * Self.minute, limit: 100).isEmpty)
        #expect(try await fixture.storage.earliestDue(.flows) == base + 105 * Self.minute)
        func runtimeEtag(_ flow: FlowResource) async throws -> String {
            try await StoredRecord<FlowRuntime>.runtime(of: flow, in: fixture.storage, now: 0).resource.metadata.etag
        }
        let untouched = try await runtimeEtag(flows[5])
        // At 107 minutes three slots have come: those flows get their run, the others are not read.
        try await planner.planDue(now: base + 107 * Self.minute)
        for (index, flow) in flows.enumerated() {
            #expect(try await fixture.runs(flow).map(\.scheduledAt) == (index <= 2 ? [base + Int64(105 + index) * Self.minute] : []))
        }
        #expect(try await runtimeEtag(flows[5]) == untouched)
        #expect(try await fixture.storage.earliestDue(.flows) == base + 108 * Self.minute)
        // A flow changed by its client is looked at again at once: a new schedule is planned from now.
        var changed = flows[9]
        changed.body["scheduleParams"] = ["startTime": .integer(Self.start), "frequency": "minute", "interval": 5, "backfill": false]
        changed.metadata.touch(by: Caller(clientId: "c", scope: fixture.scope), now: base + 107 * Self.minute)
        #expect(try await fixture.storage.replace(changed, expectedEtag: flows[9].metadata.etag))
        #expect(try await fixture.storage.earliestDue(.flows) == base + 107 * Self.minute)
        try await planner.planDue(now: base + 107 * Self.minute)
        #expect(try await fixture.storage.earliestDue(.flows) == base + 108 * Self.minute)
        try await planner.planDue(now: base + 110 * Self.minute)
        #expect(try await fixture.runs(changed).map(\.scheduledAt) == [base + 110 * Self.minute])
    }

    @Test func withoutBackfillOnlyTheSlotsFromNowOnAreMadeReadingFromThePreviousSlot() async throws {
        let fixture = try PlanningFixture()
        let flow = try await fixture.flow(["startTime": .integer(Self.start), "frequency": "hour", "interval": 1, "backfill": false])
        let base = Self.start * 1000
        let now = base + 5 * 60 * Self.minute + 30 * Self.minute
        try await fixture.planner.planDue(now: now)
        #expect(try await fixture.runs(flow).isEmpty)
        let runtime = try await StoredRecord<FlowRuntime>.runtime(of: flow, in: fixture.storage, now: now)
        // The first run (at slot 6) reads from slot 5's window end: nothing older.
        #expect(runtime.value.nextRun == 6 && runtime.value.watermark == base + 5 * 60 * Self.minute - 10_000)
        try await fixture.planner.planDue(now: base + 6 * 60 * Self.minute)
        #expect(try await fixture.runs(flow).map(\.scheduledAt) == [base + 6 * 60 * Self.minute])
    }

    @Test func aDisabledFlowMakesNoRunsAndResumesAtTheNextSlotWhenEnabled() async throws {
        let fixture = try PlanningFixture()
        let base = Self.start * 1000
        var flow = try await fixture.flow(["startTime": .integer(Self.start), "frequency": "minute", "interval": 15])
        try await fixture.planner.planDue(now: base + 20 * Self.minute)
        try await fixture.finishWaitingRuns()
        #expect(try await fixture.runs(flow).map(\.scheduledAt) == [base, base + 15 * Self.minute])
        func change(_ operation: String) async throws {
            let expected = flow.metadata.etag
            flow.body = FlowRules.changingState(flow.body, to: operation)
            flow.metadata.touch(by: Caller(clientId: "c", scope: fixture.scope), now: 1)
            #expect(try await fixture.storage.replace(flow, expectedEtag: expected))
        }
        try await change("disable")
        try await fixture.planner.planDue(now: base + 100 * Self.minute)
        #expect(try await fixture.runs(flow).count == 2, "a disabled flow makes no runs")
        try await change("enable")
        try await fixture.planner.planDue(now: base + 100 * Self.minute)
        #expect(try await fixture.runs(flow).count == 2, "the next slot is at 105 minutes")
        try await fixture.planner.planDue(now: base + 105 * Self.minute)
        #expect(try await fixture.runs(flow).map(\.scheduledAt) == [base, base + 15 * Self.minute, base + 105 * Self.minute])
    }

    @Test func aOnceFlowRunsOnceWholeTable() async throws {
        let fixture = try PlanningFixture()
        let flow = try await fixture.flow(["startTime": .integer(Self.start), "frequency": "once"])
        try await fixture.planner.planDue(now: Self.start * 1000 - 1)
        #expect(try await fixture.runs(flow).isEmpty)
        for _ in 0..<3 {
            try await fixture.planner.planDue(now: Self.start * 1000 + 5 * Self.minute)
            try await fixture.finishWaitingRuns()
        }
        let runs = try await fixture.runs(flow)
        #expect(runs.count == 1 && runs[0].mode == .wholeTable && runs[0].windowEnd == nil)
    }

    @Test func anInterruptedPromotionIsFinishedFromTheLakesRecord() async throws {
        let fixture = try PlanningFixture()
        let flow = try await fixture.flow(["startTime": .integer(Self.start), "frequency": "minute", "interval": 15])
        let dataset = try fixture.lake.createDataset(
            name: "d",
            description: nil,
            schema: DatasetSchema([DatasetField("id", .long, nullable: false)]),
            schemaRef: nil,
            in: fixture.scope,
            now: 0
        )
        func interruptedRun(windowEnd: Int64, commit: Bool) async throws -> (FlowResource, String) {
            let writer = try fixture.lake.openBatch(on: dataset.id, in: fixture.scope, now: 0)
            try writer.write([ParquetColumn(.int64([1, 2, 3]))])
            var run = FlowRun(
                flowId: flow.id,
                mode: .incremental,
                trigger: "scheduled",
                scheduledAt: windowEnd,
                windowStart: nil,
                windowEnd: windowEnd,
                sourceConnectionId: "s",
                targetConnectionId: "t"
            )
            run.status = .inProgress
            run.pending = FlowRun.PendingBatch(batchId: writer.record.id, through: windowEnd, rows: 3, bytes: 0, files: 0, read: 3, failed: 0)
            var record = StoredRecord(newRun: run, of: flow, id: UUID().uuidString.lowercased(), now: 0)
            #expect(try await fixture.storage.apply([record.change(now: 0)]))
            if commit { try writer.commit(now: 1) }
            // The process dies here: before the store heard of the commit.
            return (record.resource, writer.record.id)
        }
        // Committed in the lake: the run gets the batch and the flow's watermark moves.
        let (committed, batch) = try await interruptedRun(windowEnd: 5_000, commit: true)
        try await RunRecovery.recover(committed, storage: fixture.storage, lake: fixture.lake, now: 10, logger: Logger(label: "test"))
        var recovered = try FlowRun(body: try #require(try await fixture.storage.resource(.runs, id: committed.id, in: fixture.scope)).body)
        #expect(recovered.status == .scheduled && recovered.attempt == 2 && recovered.pending == nil)
        #expect(recovered.batches == [batch] && recovered.rowsWritten == 3 && recovered.copyCompletedAt != nil)
        var runtime = try await StoredRecord<FlowRuntime>.runtime(of: flow, in: fixture.storage, now: 10)
        #expect(runtime.value.watermark == 5_000)

        // Not committed: the lake marks it failed at start; the run forgets it, the watermark stays.
        let (lost, _) = try await interruptedRun(windowEnd: 9_000, commit: false)
        _ = try fixture.lake.recoverInterruptedBatches(now: 20)
        try await RunRecovery.recover(lost, storage: fixture.storage, lake: fixture.lake, now: 20, logger: Logger(label: "test"))
        recovered = try FlowRun(body: try #require(try await fixture.storage.resource(.runs, id: lost.id, in: fixture.scope)).body)
        #expect(recovered.status == .scheduled && recovered.pending == nil && recovered.batches.isEmpty && recovered.rowsWritten == 0)
        runtime = try await StoredRecord<FlowRuntime>.runtime(of: flow, in: fixture.storage, now: 20)
        #expect(runtime.value.watermark == 5_000)
        #expect(try fixture.lake.batches(in: fixture.scope, datasetId: dataset.id).filter { $0.status == .success }.map(\.rowCount) == [3])
    }

    @Test func chunksSplitALargeWindowByDeltaValue() {
        let summary = DeltaSummary(rowCount: 10_000, earliest: 1_000, latest: 11_000)
        #expect(RunExecutor.chunkEnds(summary, after: nil, through: 20_000, chunkRows: 2_500) == [3_500, 6_000, 8_500, 20_000])
        #expect(RunExecutor.chunkEnds(summary, after: nil, through: 20_000, chunkRows: 10_000) == [20_000])
        #expect(RunExecutor.chunkEnds(summary, after: nil, through: nil, chunkRows: 2_500) == [3_500, 6_000, 8_500, nil])
        // Ten rows over a range of ten, three to a chunk: four chunks, a step of three (whole delta values
        // rounded up, so no sliver of a fifth chunk is left at the end).
        #expect(RunExecutor.chunkEnds(DeltaSummary(rowCount: 10, earliest: 0, latest: 10), after: nil, through: 10, chunkRows: 3) == [3, 6, 9, 10])
        // A window whose rows share one delta value is read in one piece.
        #expect(RunExecutor.chunkEnds(DeltaSummary(rowCount: 10_000, earliest: 5, latest: 5), after: nil, through: 9, chunkRows: 10) == [9])
        // The split never goes back before the lower bound nor past the upper one. From a lower bound
        // inside the range, its share of the rows is split: 7,000 of 10,000 rows in three chunks.
        #expect(RunExecutor.chunkEnds(summary, after: 4_000, through: 20_000, chunkRows: 2_500) == [6_334, 8_668, 20_000])
        #expect(RunExecutor.chunkEnds(summary, after: nil, through: 2_000, chunkRows: 2_500) == [2_000])
        // Rows over a range of microseconds: the share of the rows is reckoned without overflowing.
        let large = DeltaSummary(rowCount: 4_000_000_000, earliest: 1_704_067_200_000_000, latest: 1_804_067_200_000_000)
        let ends = RunExecutor.chunkEnds(large, after: 1_754_067_200_000_000, through: nil, chunkRows: 1_000_000_000)
        #expect(ends.count == 2 && ends[0] == 1_779_067_200_000_000 && ends[1] == nil)
    }

    @Test func laterChunksTakeAboutTheTargetTimeAtThePaceJustMeasured() {
        var settings = RunSettings()
        settings.chunkRows = 1_000
        settings.chunkMilliseconds = 60_000
        // 1,000 rows in half a second: 2,000 rows a second, 120,000 in a minute.
        #expect(settings.chunkRows(after: 1_000, in: 500, current: 1_000) == 120_000)
        // Slower than the rows planned would take: never fewer than planned.
        #expect(settings.chunkRows(after: 1_000, in: 600_000, current: 1_000) == 1_000)
        #expect(settings.chunkRows(after: 0, in: 500, current: 1_000) == 1_000)
        #expect(settings.chunkRows(after: 1_000, in: 0, current: 1_000) == 60_000_000)
        #expect(settings.chunkRows(after: Int64.max / 4, in: 1, current: 1_000) == Int64.max / 2)
        settings.chunkMilliseconds = 0
        #expect(settings.chunkRows(after: 1_000, in: 500, current: 1_000) == 1_000)
        #expect(RunSettings.fromEnvironment(["TRIBUTARY_CHUNK_SECONDS": "0"]).chunkMilliseconds == 0)
        #expect(RunSettings.fromEnvironment(["TRIBUTARY_CHUNK_SECONDS": "300"]).chunkMilliseconds == 300_000)
        #expect(RunSettings.fromEnvironment(["TRIBUTARY_CHUNK_SECONDS": "-1"]).chunkMilliseconds == 60_000)
    }
}
