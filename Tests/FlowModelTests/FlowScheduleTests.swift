// Schedules as run times, Adobe's string-typed parameters coerced, and a flow's body read back as
// what its runs need.
import FlowModel
import Testing

@Suite("Flow schedules and definitions")
struct FlowScheduleTests {
    @Test func runTimesAreStartTimePlusWholePeriods() throws {
        let schedule = try FlowSchedule(["startTime": 1_612_310_466, "frequency": "minute", "interval": 15])
        #expect(schedule.periodMilliseconds == 900_000 && schedule.backfill)
        #expect(schedule.time(ofRun: 0) == 1_612_310_466_000)
        #expect(schedule.time(ofRun: 3) == 1_612_310_466_000 + 3 * 900_000)
        #expect(schedule.firstRun(atOrAfter: 0) == 0)
        #expect(schedule.firstRun(atOrAfter: 1_612_310_466_000) == 0)
        #expect(schedule.firstRun(atOrAfter: 1_612_310_466_001) == 1)
        #expect(schedule.firstRun(atOrAfter: 1_612_310_466_000 + 900_000) == 1)
        #expect(schedule.firstRun(atOrAfter: 1_612_310_466_000 + 900_001) == 2)
        let weekly = try FlowSchedule(["startTime": 0, "frequency": "week", "interval": 2, "backfill": false])
        #expect(weekly.periodMilliseconds == 14 * 86_400_000 && !weekly.backfill)
        let once = try FlowSchedule(["startTime": 100, "frequency": "once"])
        #expect(once.periodMilliseconds == nil && once.firstRun(atOrAfter: 10_000_000) == 0)
        #expect(throws: FlowError.self) { try FlowSchedule(["startTime": -1, "frequency": "day", "interval": 1]) }
        #expect(throws: FlowError.self) { try FlowSchedule(["startTime": 1, "frequency": "fortnight", "interval": 1]) }
    }

    @Test func scalarsSentAsStringsAreCoercedToTheSchemasTypes() {
        let schema = JSONSchema([
            "type": "object",
            "properties": [
                "startTime": ["type": "integer"], "backfill": ["type": "boolean"], "ratio": ["type": "number"], "version": ["type": "string"],
                "nested": ["type": "object", "properties": ["n": ["type": "integer"]]],
            ],
        ])
        let coerced = schema.coercingScalars([
            "startTime": "1612310466", "backfill": "TRUE", "ratio": "2.5", "version": 0, "nested": ["n": "7"], "other": "12",
        ])
        #expect(coerced == ["startTime": 1_612_310_466, "backfill": true, "ratio": 2.5, "version": "0", "nested": ["n": 7], "other": "12"])
        // What does not convert exactly is left for validation to refuse.
        #expect(
            schema.coercingScalars(["startTime": "12.5", "backfill": "yes", "ratio": "NaN"]) == [
                "startTime": "12.5", "backfill": "yes", "ratio": "NaN",
            ]
        )
        #expect(!schema.validate(schema.coercingScalars(["startTime": "soon"])).isEmpty)
    }

    @Test func aFlowsBodyIsReadAsWhatItsRunsNeed() throws {
        let (body, _) = try FlowRules().validateNew([
            "name": "f", "flowSpec": ["id": "14518937-270c-4525-bdec-c2ba7cce3860"], "sourceConnectionIds": ["s"], "targetConnectionIds": ["t"],
            "transformations": [
                ["name": "Copy", "params": ["deltaColumn": ["name": "updated", "timezone": "Europe/Berlin"]]],
                ["name": "Mapping", "params": ["mappingId": "m", "mappingVersion": 0]],
            ],
            "scheduleParams": ["startTime": "100", "frequency": "hour", "interval": "2", "backfill": "false"],
            "options": ["partialIngestionPercent": "2.5"],
        ])
        let definition = try FlowDefinition(body: body)
        #expect(definition.sourceConnectionId == "s" && definition.targetConnectionId == "t" && definition.mappingId == "m")
        #expect(definition.deltaColumn.name == "updated" && definition.deltaColumn.timezone == "Europe/Berlin")
        #expect(definition.schedule.periodMilliseconds == 7_200_000 && !definition.schedule.backfill)
        #expect(definition.partialIngestionPercent == 2.5 && !definition.errorDiagnosticsEnabled && definition.enabled)
        #expect(body["state"] == "enabled")
        #expect(!(try FlowDefinition(body: FlowRules.changingState(body, to: "disable"))).enabled)
    }
}
