// Dataflows that run, end to end on the live Spark Thrift Server: the scheduler creates the runs,
// the executor copies the table through the mapping into Parquet batches, and pyarrow reads the
// dataset back to compare it with the source, value by value.
import FlowModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing

@Suite("Flow runs", .serialized, .enabled(if: LiveSources.canCompareDatasets, LiveSources.skipComparison), .liveServers)
struct FlowRunTests {
    static let database = "flows_\(UUID().uuidString.prefix(8).lowercased())"
    static let ready = Task { try await LiveSources.run(["CREATE DATABASE \(database)"]) }

    /// A table of every type the lake stores, with NULLs, 1000 rows.
    static let everything = """
        CREATE TABLE \(database).everything USING parquet AS SELECT id,
          CASE WHEN id % 5 = 0 THEN NULL ELSE id % 2 = 0 END AS b,
          CAST(id % 128 AS TINYINT) AS i8, CAST(id * 3 - 1000 AS SMALLINT) AS i16, CAST(id * 100000 AS INT) AS i32,
          CAST(id * 0.25 AS FLOAT) AS f, CASE WHEN id % 7 = 0 THEN NULL ELSE CAST(id * 1.5 AS DOUBLE) END AS d,
          CAST(id * 12.3456 AS DECIMAL(20,4)) AS dec, CASE WHEN id % 3 = 0 THEN NULL ELSE concat('name ', id, ' ü🚀 it''s') END AS s,
          CAST(concat('b', id) AS BINARY) AS bin, date_add(DATE'2020-01-01', CAST(id AS INT)) AS dt,
          TIMESTAMP'2024-01-01 00:00:00' + make_interval(0, 0, 0, 0, 0, CAST(id AS INT), 0.123456) AS updated_at
        FROM range(1000)
        """
    static let everythingSchema = #"""
        [{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "b", "type": "boolean"},
         {"name": "i8", "type": "integer", "meta:xdmType": "byte"}, {"name": "i16", "type": "integer", "meta:xdmType": "short"},
         {"name": "i32", "type": "integer", "meta:xdmType": "int"}, {"name": "f", "type": "number", "meta:xdmType": "float"},
         {"name": "d", "type": "number", "meta:xdmType": "double"}, {"name": "dec", "type": "decimal", "precision": 20, "scale": 4},
         {"name": "s", "type": "string"}, {"name": "bin", "type": "binary"}, {"name": "dt", "type": "string", "format": "date"},
         {"name": "updated", "type": "string", "format": "date-time"}]
        """#
    /// The source rows as text, in the shape pyarrow's dump gives the dataset.
    static func everythingRows(_ table: String) -> String {
        """
        SELECT CAST(id AS STRING), CASE WHEN b THEN 'true' WHEN NOT b THEN 'false' END, CAST(i8 AS STRING), CAST(i16 AS STRING),
          CAST(i32 AS STRING), CAST(CAST(f AS DOUBLE) AS STRING), CAST(d AS STRING), CAST(dec AS STRING), s, base64(bin),
          CAST(dt AS STRING), CAST(unix_micros(updated_at) AS STRING) FROM \(table) ORDER BY id
        """
    }

    static func mappings(_ pairs: [(String, String)]) -> String {
        "[" + pairs.map { #"{"sourceAttribute": "\#($0.0)", "destinationXdmPath": "\#($0.1)"}"# }.joined(separator: ", ") + "]"
    }

    static var everythingMappings: String {
        mappings(["id", "b", "i8", "i16", "i32", "f", "d", "dec", "s", "bin", "dt"].map { ($0, $0) } + [("updated_at", "updated")])
    }

    @Test(arguments: ["thrift", "connect"])
    func aOnceFlowCopiesTheTableExactly(_ sparkProtocol: String) async throws {
        try await Self.ready.value
        let table = "\(Self.database).everything_\(sparkProtocol)"
        try await LiveSources.run([Self.everything.replacingOccurrences(of: "\(Self.database).everything ", with: "\(table) ")])
        let service = try await flowService()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: Self.database, protocol: sparkProtocol),
                table: table,
                datasetSchema: Self.everythingSchema,
                mappings: Self.everythingMappings
            )
            let start = Int(Date().timeIntervalSince1970)
            // The source answers: the delta column must exist and hold times.
            for (column, reason) in [("nope", "is not a column"), ("id", "must be a timestamp")] {
                let refused = try await client.post(
                    "/flows",
                    tenant,
                    chain.flowBody(schedule: #"{"startTime": \#(start), "frequency": "once"}"#, deltaColumn: column)
                )
                #expect(
                    refused.flowCode == "1100-400" && refused.json["report"]?["detailed-message"]?.stringValue?.contains(reason) == true,
                    "\(String(buffer: refused.body))"
                )
            }
            let flow = try await client.flowId(tenant, body: chain.flowBody(schedule: #"{"startTime": "\#(start)", "frequency": "once"}"#))
            let runs = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            let run = try #require(runs.first)
            #expect(runs.count == 1 && status(run) == "success", "\(run)")
            #expect(run["metrics"]?["recordSummary"] == ["inputRecordCount": 1000, "outputRecordCount": 1000, "failedRecordCount": 0])
            #expect(run["metrics"]?["fileSummary"]?["outputFileCount"] == 1)
            let batchIds = run["activities"]?[1]?["targetInfo"]?[0]?["reference"]?["ids"]?.arrayValue ?? []
            #expect(batchIds.count == 1)
            #expect(run["activities"]?[0]?["statusSummary"]?["extensions"]?["type"] == "one-time")
            // The batch is in the catalog, committed, with the run's rows.
            let batch = try await client.catalog(.get, "/batches/\(batchIds.first?.stringValue ?? "")", tenant)
            #expect(
                batch.json[batchIds.first?.stringValue ?? ""]?["status"] == "success"
                    && batch.json[batchIds.first?.stringValue ?? ""]?["metrics"]?["recordsWritten"] == 1000
            )

            let expected = try await LiveSources.query(Self.everythingRows(table)).sorted { Int($0[0] ?? "") ?? 0 < Int($1[0] ?? "") ?? 0 }
            let actual = try await service.datasetRows(chain.dataset, tenant)
            #expect(actual.count == 1000 && expected.count == 1000)
            let difference = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }
            #expect(
                difference == nil,
                "row \(difference?.offset ?? -1): the dataset has \(difference.map { "\($0.element.0)" } ?? "") where the table has \(difference.map { "\($0.element.1)" } ?? "")"
            )
            // The flow shows its last run.
            let shown = try await client.get("/flows/\(flow)", tenant).json["items"]?[0]
            #expect(shown?["lastRunDetails"]?["state"] == "success" && shown?["lastRunDetails"]?["id"] == run["id"])
        }
    }

    /// A large load in chunks: the first of `TRIBUTARY_CHUNK_ROWS`, the rest at the pace the source
    /// showed — with a target of an hour, this table's rest is one chunk; with none, every chunk has
    /// the rows set. Either way the dataset holds every row once.
    @Test(arguments: [0, 3_600])
    func aLargeLoadIsCommittedInChunksSizedByTheSourcesPace(chunkSeconds: Int64) async throws {
        try await Self.ready.value
        let table = "\(Self.database).paced_\(chunkSeconds)"
        let rows = 20_000
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, timestamp_seconds(1704067200 + id) AS updated_at FROM range(\(rows))"
        ])
        let service = try await flowService { configuration in
            configuration.runs.chunkRows = 2_000
            configuration.runs.chunkMilliseconds = chunkSeconds * 1000
        }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: Self.database),
                table: table,
                datasetSchema: #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}]"#,
                mappings: Self.mappings([("id", "id")])
            )
            let flow = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970)), "frequency": "once"}"#)
            )
            let runs = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            let run = try #require(runs.first)
            #expect(runs.map(status) == ["success"], "\(runs)")
            let batchIds = (run["activities"]?[1]?["targetInfo"]?[0]?["reference"]?["ids"]?.arrayValue ?? []).compactMap(\.stringValue)
            var batchRows: [Int64] = []
            for id in batchIds {
                batchRows.append(try await client.catalog(.get, "/batches/\(id)", tenant).json[id]?["metrics"]?["recordsWritten"]?.int64Value ?? -1)
            }
            if chunkSeconds == 0 {
                #expect(batchRows == Array(repeating: 2_000, count: 10), "\(batchRows)")
            } else {
                #expect(batchRows == [2_000, 18_000], "\(batchRows)")
            }
            #expect(run["metrics"]?["statusSummary"]?["extensions"]?["chunksCommitted"]?.int64Value == Int64(batchRows.count))
            let ids = try await service.datasetRows(chain.dataset, tenant).map { Int($0[0] ?? "") ?? -1 }.sorted()
            #expect(ids == Array(0..<rows), "every row of the table, once")
        }
    }

    @Test func nestedColumnsLandInStringFieldsAsJSON() async throws {
        try await Self.ready.value
        let table = "\(Self.database).nested"
        try await LiveSources.run([
            """
            CREATE TABLE \(table) USING parquet AS SELECT id, TIMESTAMP'2024-01-01 00:00:00' AS updated_at,
              array(concat('say "', id, '"'), NULL) AS tags, named_struct('path', 'C:\\\\temp', 'n', id) AS info
            FROM range(3)
            """
        ])
        let service = try await flowService()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: Self.database),
                table: table,
                datasetSchema:
                    #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "tags", "type": "string"}, {"name": "info", "type": "string"}]"#,
                mappings: Self.mappings([("id", "id"), ("tags", "tags"), ("info", "info")])
            )
            let flow = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970)), "frequency": "once"}"#)
            )
            let runs = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            #expect(runs.map(status) == ["success"], "\(runs)")
            let rows = try await service.datasetRows(chain.dataset, tenant).sorted { Int($0[0] ?? "") ?? 0 < Int($1[0] ?? "") ?? 0 }
            #expect(rows.count == 3)
            for (index, row) in rows.enumerated() {
                let tags = try JSONValue(parsing: row[1] ?? "")
                let info = try JSONValue(parsing: row[2] ?? "")
                #expect(tags == [.string("say \"\(index)\""), .null] && info == ["path": "C:\\temp", "n": .integer(Int64(index))], "\(row)")
            }
        }
    }

    @Test(arguments: ["thrift", "connect"])
    func scheduledWindowsRunInOrderAndEveryRowArrivesOnce(_ sparkProtocol: String) async throws {
        try await Self.ready.value
        let table = "\(Self.database).changes_\(sparkProtocol)"
        let period: Int64 = 900_000
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // Slots 0–2 are past (backfill makes them at once); slot 3 is due in 10 minutes, and the
        // scheduler's clock is moved to it when the test has written the rows of its window.
        let start = (now + 600_000) / 1000 - 3 * period / 1000
        let slot = (0...3).map { start * 1000 + Int64($0) * period }
        @Sendable func at(_ milliseconds: Int64) -> String { "timestamp_millis(\(milliseconds))" }
        try await LiveSources.run([
            "CREATE TABLE \(table) (id BIGINT, name STRING, updated_at TIMESTAMP) USING parquet",
            """
            INSERT INTO \(table) VALUES (1, 'old', \(at(slot[0] - 86_400_000))), (2, 'no delta', NULL), (3, 'at the first boundary', \(at(slot[0]))),
              (4, 'just after', \(at(slot[0] + 1))), (5, 'at the second boundary', \(at(slot[1]))), (6, 'at the third boundary', \(at(slot[2]))),
              (7, 'in the fourth window', \(at(slot[2] + 1000)))
            """,
        ])
        let clockShift = ClockShift()
        var configured = try await flowService()
        configured.services.schedulerClock = { Int64(Date().timeIntervalSince1970 * 1000) + clockShift.milliseconds }
        let service = configured
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: Self.database, protocol: sparkProtocol),
                table: table,
                datasetSchema:
                    #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "name", "type": "string"}, {"name": "updated", "type": "string", "format": "date-time"}]"#,
                mappings: Self.mappings([("id", "id"), ("name", "name"), ("updated_at", "updated")])
            )
            let flow = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(start), "frequency": "minute", "interval": 15, "backfill": true}"#)
            )
            let first = try await client.waitForRuns(of: flow, tenant) { $0.count >= 3 && allEnded(Array($0.prefix(3))) }
            #expect(first.count == 3, "the past slots are made at once; slot 3 is not due yet")

            // Rows written now, before slot 3, with delta values of its window arrive in its run only.
            try await LiveSources.run([
                "INSERT INTO \(table) VALUES (8, 'later', \(at(slot[2] + 2000))), (10, 'at the fourth boundary', \(at(slot[3])))"
            ])
            clockShift.milliseconds = slot[3] + 1_000 - Int64(Date().timeIntervalSince1970 * 1000)
            let runs = try await client.waitForRuns(of: flow, tenant, seconds: 120) { $0.count >= 4 && allEnded(Array($0.prefix(4))) }
            #expect(runs.map(status) == ["success", "success", "success", "success"])
            #expect(runs.map { $0["metrics"]?["recordSummary"]?["outputRecordCount"]?.int64Value ?? -1 } == [3, 2, 1, 3])
            #expect(runs.map { $0["activities"]?[0]?["durationSummary"]?["extensions"]?["windowEnd"]?.int64Value } == slot)
            #expect(
                runs.map { $0["activities"]?[0]?["durationSummary"]?["extensions"]?["windowStart"]?.int64Value } == [nil, slot[0], slot[1], slot[2]]
            )
            let ids = try await service.datasetRows(chain.dataset, tenant).map { $0.first ?? nil }
            #expect(ids == ["1", "2", "3", "4", "5", "6", "7", "8", "10"])
        }
    }

    @Test func mappingErrorsBelowTheThresholdArePartialAboveItTheRunFailsAndCanBeRetriggered() async throws {
        try await Self.ready.value
        let table = "\(Self.database).codes"
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, CASE WHEN id = 3 THEN 'three' ELSE CAST(id * 10 AS STRING) END AS code, TIMESTAMP'2024-01-01 00:00:00' AS updated_at FROM range(10)"
        ])
        let service = try await flowService()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let schema =
                #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "code", "type": "integer", "meta:xdmType": "int"}]"#
            let mappings = Self.mappings([("id", "id"), ("code", "code")])
            let now = Int(Date().timeIntervalSince1970)
            // One row in ten fails: 10% is within 20%.
            let lenient = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: Self.database),
                table: table,
                datasetSchema: schema,
                mappings: mappings
            )
            let partial = try await client.flowId(
                tenant,
                body: lenient.flowBody(
                    schedule: #"{"startTime": \#(now), "frequency": "once"}"#,
                    options: #"{"partialIngestionPercent": 20, "errorDiagnosticsEnabled": true}"#
                )
            )
            let partialRun = try #require(try await client.waitForRuns(of: partial, tenant, until: allEnded).first)
            #expect(status(partialRun) == "partialSuccess")
            #expect(partialRun["metrics"]?["recordSummary"] == ["inputRecordCount": 10, "outputRecordCount": 9, "failedRecordCount": 1])
            #expect(partialRun["metrics"]?["statusSummary"]?["errors"]?[0]?["code"] == "MAPPER-3700-400")
            #expect(partialRun["metrics"]?["statusSummary"]?["extensions"]?["rowErrorSamples"]?[0]?["field"] == "code")
            #expect(try await service.datasetRows(lenient.dataset, tenant).count == 9)

            // Above 5% the run fails and writes nothing.
            let strict = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: Self.database),
                table: table,
                datasetSchema: schema,
                mappings: mappings
            )
            let failing = try await client.flowId(
                tenant,
                body: strict.flowBody(schedule: #"{"startTime": \#(now), "frequency": "once"}"#, options: #"{"partialIngestionPercent": 5}"#)
            )
            let failed = try #require(try await client.waitForRuns(of: failing, tenant, until: allEnded).first)
            #expect(status(failed) == "failed")
            #expect(failed["metrics"]?["statusSummary"]?["errors"]?[0]?["code"] == "MAPPER-3700-400")
            #expect(try await service.datasetRows(strict.dataset, tenant).isEmpty)
            let runId = try #require(failed["id"]?.stringValue)
            // A successful run cannot be re-triggered; the failed one can, and after the source is
            // fixed it succeeds.
            #expect(try await client.send(.post, "/runs/\(partialRun["id"]?.stringValue ?? "")/action?op=re-trigger", tenant).status == .badRequest)
            try await LiveSources.run([
                "INSERT OVERWRITE TABLE \(table) SELECT id, CAST(id * 10 AS STRING), TIMESTAMP'2024-01-01 00:00:00' FROM range(10)"
            ])
            #expect(try await client.send(.post, "/runs/\(runId)/action?op=re-trigger", tenant).status == .ok)
            let retried = try await client.waitForRuns(of: failing, tenant) { allEnded($0) && $0.first.map(status) != "failed" }
            #expect(retried.count == 1 && status(retried[0]) == "success", "\(retried)")
            #expect(retried.first?["metrics"]?["statusSummary"]?["extensions"]?["attempt"] == 2)
            #expect(try await service.datasetRows(strict.dataset, tenant).count == 10)
        }
    }

    @Test func adHocRunsReadTheirWindowAndARunWithoutRowsIsFlaggedAndReadAgain() async throws {
        try await Self.ready.value
        let table = "\(Self.database).adhoc"
        let hour: Int64 = 3_600
        let base: Int64 = 1_704_067_200  // 2024-01-01T00:00:00Z
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, timestamp_seconds(\(base) + id * \(hour)) AS updated_at FROM range(10)"
        ])
        let service = try await flowService()
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: Self.database),
                table: table,
                datasetSchema:
                    #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "updated", "type": "string", "format": "date-time"}]"#,
                mappings: Self.mappings([("id", "id"), ("updated_at", "updated")])
            )
            // Scheduled once, tomorrow: only the ad hoc runs read now.
            let flow = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970) + 86_400), "frequency": "once"}"#)
            )
            func adHoc(_ start: Int64, _ end: Int64) async throws -> TestResponse {
                try await client.post(
                    "/runs",
                    tenant,
                    #"{"flowId": "\#(flow)", "params": {"windowStartTime": "\#(start)", "windowEndTime": "\#(end)", "deltaColumn": {"name": "updated_at"}}}"#
                )
            }
            // (start, end]: the rows of hours 0 to 4.
            let created = try await adHoc(base - 1, base + 4 * hour)
            #expect(created.status == .created, "\(String(buffer: created.body))")
            #expect(created.json["metrics"]?["statusSummary"]?["status"] == "scheduled" && created.json["etag"]?.stringValue != nil)
            var runs = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            #expect(runs.map(status) == ["success"] && runs.first?["metrics"]?["recordSummary"]?["outputRecordCount"] == 5)
            #expect(
                runs.first?["activities"]?[0]?["durationSummary"]?["extensions"] == [
                    "windowStart": .integer((base - 1) * 1000), "windowEnd": .integer((base + 4 * hour) * 1000),
                ]
            )

            // A window without rows succeeds with a warning, since the run before read rows.
            let empty = try #require(try await adHoc(base + 365 * 24 * hour, base + 366 * 24 * hour).json["id"]?.stringValue)
            runs = try await client.waitForRuns(of: flow, tenant) { $0.count == 2 && allEnded($0) }
            let quiet = try #require(runs.first { $0["id"]?.stringValue == empty })
            #expect(status(quiet) == "success" && quiet["metrics"]?["recordSummary"]?["inputRecordCount"] == 0)
            #expect(quiet["metrics"]?["statusSummary"]?["extensions"]?["warnings"]?[0]?["code"] == "TRIBUTARY-1001-200")

            // Rows arrive in that window late: the run that read nothing is re-triggered and reads them.
            try await LiveSources.run([
                "INSERT INTO \(table) VALUES (100, timestamp_seconds(\(base + 365 * 24 * hour + 60))), (101, timestamp_seconds(\(base + 366 * 24 * hour)))"
            ])
            #expect(try await client.send(.post, "/runs/\(empty)/action?op=re-trigger", tenant).status == .ok)
            runs = try await client.waitForRuns(of: flow, tenant) { runs in
                runs.count == 2 && allEnded(runs)
                    && runs.contains { $0["id"]?.stringValue == empty && $0["metrics"]?["statusSummary"]?["extensions"]?["attempt"] == 2 }
            }
            let reread = try #require(runs.first { $0["id"]?.stringValue == empty })
            #expect(status(reread) == "success" && reread["metrics"]?["recordSummary"]?["outputRecordCount"] == 2)
            #expect(try await service.datasetRows(chain.dataset, tenant).map { $0[0] } == ["0", "1", "2", "3", "4", "100", "101"])

            // Refused: a run that read rows cannot be re-triggered; windows must be ordered; periodic flows run by themselves.
            #expect(try await client.send(.post, "/runs/\(empty)/action?op=re-trigger", tenant).status == .badRequest)
            #expect(try await adHoc(base, base).status == .badRequest)
            #expect(
                try await client.post("/runs", tenant, #"{"flowId": "nope", "params": {"windowStartTime": 1, "windowEndTime": 2}}"#).status
                    == .notFound
            )
        }
    }

    @Test func aRunWaitsForAColdDatabricksClusterThenCopies() async throws {
        try await Self.ready.value
        let table = "\(Self.database).cold"
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, timestamp_seconds(1704067200 + id) AS updated_at FROM range(100)"
        ])
        // The endpoint says PENDING and answers 503 "temporarily unavailable" for this cluster until it runs.
        let cluster = try DatabricksTestCluster(.pending, name: "waking")
        let service = try await flowService { $0.clusterWaitSeconds = 120 }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let (chain, flow) = try await client.onceFlow(tenant, table: table, cluster: cluster.id)
            _ = try await client.waitForRuns(of: flow, tenant) { $0.first.map(status) == "inProgress" }
            try await Task.sleep(for: .seconds(3))
            #expect(try await client.runs(of: flow, tenant).map(status) == ["inProgress"], "the run waits while the cluster starts")
            try cluster.set(.running)
            let runs = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            #expect(runs.map(status) == ["success"] && runs.first?["metrics"]?["recordSummary"]?["outputRecordCount"] == 100)
            #expect(try await service.datasetRows(chain.dataset, tenant).map { Int($0[0] ?? "") ?? -1 } == Array(0..<100))
            #expect(cluster.startCalls == 0, "a cluster that is already starting is not started again")
        }
    }

    @Test func aRunStartsATerminatedDatabricksClusterThenCopies() async throws {
        try await Self.ready.value
        let table = "\(Self.database).napping"
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, timestamp_seconds(1704067200 + id) AS updated_at FROM range(50)"
        ])
        // The endpoint says TERMINATED (and answers 503) for this cluster until the test sees it started.
        let cluster = try DatabricksTestCluster(.terminated, name: "napping")
        let service = try await flowService { $0.clusterWaitSeconds = 120 }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let (_, flow) = try await client.onceFlow(tenant, table: table, cluster: cluster.id)
            // The run asks the workspace to start the cluster, then waits for it to run.
            let deadline = Date().addingTimeInterval(60)
            while cluster.startCalls == 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
            #expect(cluster.startCalls == 1, "the run called POST /api/2.0/clusters/start once")
            #expect(try await client.runs(of: flow, tenant).map(status) == ["inProgress"])
            try cluster.set(.running)
            let runs = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            #expect(runs.map(status) == ["success"] && runs.first?["metrics"]?["recordSummary"]?["outputRecordCount"] == 50)
            #expect(cluster.startCalls == 1, "a started cluster is not started again")
        }
    }
}

extension TestClientProtocol {
    /// A flow scheduled once, now, copying `table` (id, updated_at) through a connection to
    /// `cluster` of the Databricks-shaped endpoint.
    func onceFlow(_ tenant: Tenant, table: String, cluster: String) async throws -> (FlowChain, String) {
        let chain = try await flowChain(
            tenant,
            base: LiveSources.databricksConnection(database: FlowRunTests.database, cluster: cluster),
            table: table,
            datasetSchema:
                #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "updated", "type": "string", "format": "date-time"}]"#,
            mappings: FlowRunTests.mappings([("id", "id"), ("updated_at", "updated")]),
            spec: ConnectionSpec.azureDatabricksId
        )
        let flow = try await flowId(
            tenant,
            body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970)), "frequency": "once"}"#)
        )
        return (chain, flow)
    }
}

/// How far a test has moved a service's scheduler clock ahead of the wall clock.
final class ClockShift: Sendable {
    private let shift = Mutex<Int64>(0)

    var milliseconds: Int64 {
        get { shift.withLock { $0 } }
        set { shift.withLock { $0 = newValue } }
    }
}
