// Dataflow runs when things break, on the live Spark behind a proxy the test can cut: a connection
// cut mid-fetch is retried and the run resumes after its last committed chunk; a source that stays
// down fails the run, and the re-triggered run completes it — the dataset then holds every row of
// the table exactly once; a source that stops answering fails each try after the run request
// timeout, one request a try.
import FlowModel
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("Flow runs under faults", .enabled(if: LiveSources.canCompareDatasets, LiveSources.skipComparison), .liveServers)
struct FlowFaultTests {
    static let rows = 60_000

    @Test func cutConnectionsAndADeadSourceLoseAndDoubleNothing() async throws {
        try await FlowRunTests.ready.value
        let table = "\(FlowRunTests.database).faults"
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, concat('row ', id) AS name, timestamp_seconds(1704067200 + id) AS updated_at FROM range(\(Self.rows))"
        ])
        let proxy = try FaultProxy(upstreamPort: LiveSources.sparkPort)
        defer { proxy.stop() }
        let service = try await flowService { configuration in
            configuration.allowedSourceHosts.append("127.0.0.1:\(proxy.port)")
            configuration.runs.chunkRows = 6_000
            configuration.runs.chunkMilliseconds = 0
            configuration.runs.fetchRows = 1_000
            configuration.runs.maximumAttempts = 3
            configuration.runs.retryBackoffMilliseconds = 300
        }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: FlowRunTests.database, host: "127.0.0.1", port: proxy.port),
                table: table,
                datasetSchema:
                    #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}, {"name": "name", "type": "string"}, {"name": "updated", "type": "string", "format": "date-time"}]"#,
                mappings: FlowRunTests.mappings([("id", "id"), ("name", "name"), ("updated_at", "updated")])
            )
            let flow = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970)), "frequency": "once"}"#)
            )
            func chunks(_ runs: [JSONValue]) -> Int64 { runs.first?["metrics"]?["statusSummary"]?["extensions"]?["chunksCommitted"]?.int64Value ?? 0 }

            // Cut every connection while the second chunk streams in: the run tries again.
            _ = try await client.waitForRuns(of: flow, tenant) { chunks($0) >= 1 && status($0[0]) == "inProgress" }
            proxy.cut()
            // Then the source dies for good while later chunks stream in: the run fails.
            _ = try await client.waitForRuns(of: flow, tenant) { chunks($0) >= 4 || allEnded($0) }
            proxy.isDown = true
            proxy.cut()
            let failed = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            #expect(status(failed[0]) == "failed", "\(failed)")
            #expect(failed[0]["metrics"]?["statusSummary"]?["errors"]?[0]?["code"] == "CONNECTOR-2002-503")
            let committed = chunks(failed)
            #expect(committed >= 4 && committed < 10, "chunks committed before the source died: \(committed)")
            let partial = try await service.datasetRows(chain.dataset, tenant)
            #expect(Int64(partial.count) == failed[0]["metrics"]?["recordSummary"]?["outputRecordCount"]?.int64Value)

            // The source is back; the re-triggered run resumes after the last committed chunk.
            proxy.isDown = false
            let runId = try #require(failed[0]["id"]?.stringValue)
            #expect(try await client.send(.post, "/runs/\(runId)/action?op=re-trigger", tenant).status == .ok)
            let done = try await client.waitForRuns(of: flow, tenant) { allEnded($0) && status($0[0]) != "failed" }
            #expect(status(done[0]) == "success")
            #expect(done[0]["metrics"]?["recordSummary"]?["outputRecordCount"]?.int64Value == Int64(Self.rows))
            #expect(chunks(done) >= 10)
            let ids = try await service.datasetRows(chain.dataset, tenant).map { Int($0[0] ?? "") ?? -1 }
            #expect(ids.count == Self.rows)
            #expect(ids == Array(0..<Self.rows), "every row of the table, once")
        }
    }

    @Test func aSourceThatStopsAnsweringFailsEachTryAfterTheRequestTimeout() async throws {
        try await FlowRunTests.ready.value
        let table = "\(FlowRunTests.database).silent"
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, timestamp_seconds(1704067200 + id) AS updated_at FROM range(10)"
        ])
        let proxy = try FaultProxy(upstreamPort: LiveSources.sparkPort)
        defer { proxy.stop() }
        let service = try await flowService { configuration in
            configuration.allowedSourceHosts.append("127.0.0.1:\(proxy.port)")
            configuration.sourceTimeoutSeconds = 5
            configuration.runRequestTimeoutSeconds = 2
            configuration.runs.maximumAttempts = 2
            configuration.runs.retryBackoffMilliseconds = 300
        }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: FlowRunTests.database, host: "127.0.0.1", port: proxy.port),
                table: table,
                datasetSchema: #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}]"#,
                mappings: FlowRunTests.mappings([("id", "id")])
            )
            // The host vanishes: connections are accepted and never answered.
            proxy.isSilent = true
            proxy.cut()
            let flow = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970)), "frequency": "once"}"#)
            )
            let failed = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            #expect(status(failed[0]) == "failed", "\(failed)")
            let error = failed[0]["metrics"]?["statusSummary"]?["errors"]?[0]
            #expect(error?["code"] == "CONNECTOR-2002-503")
            #expect(error?["message"]?.stringValue?.contains("no answer within 2") == true, "\(String(describing: error))")
            // One request for the flow's column check (its 5 s deadline), then one per try: a
            // request that went unanswered is not sent again on a new connection. (Requests, not
            // connections: on a loaded machine the pool may open a connection it then does not use.)
            #expect(proxy.requestsHeld == 3)
        }
    }

    @Test func aRunWhoseSourceThinksLongerThanTheLeaseKeepsItsLease() async throws {
        try await FlowRunTests.ready.value
        let table = "\(FlowRunTests.database).thinking"
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, timestamp_seconds(1704067200 + id) AS updated_at FROM range(10)"
        ])
        let proxy = try FaultProxy(upstreamPort: LiveSources.sparkPort)
        defer { proxy.stop() }
        let service = try await flowService { configuration in
            configuration.allowedSourceHosts.append("127.0.0.1:\(proxy.port)")
            configuration.runs.leaseMilliseconds = 2_000
            configuration.runs.progressMilliseconds = 200
        }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let chain = try await client.flowChain(
                tenant,
                base: LiveSources.sparkConnection(database: FlowRunTests.database, host: "127.0.0.1", port: proxy.port),
                table: table,
                datasetSchema: #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}]"#,
                mappings: FlowRunTests.mappings([("id", "id")])
            )
            let flow = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970) + 2), "frequency": "once"}"#)
            )
            // The run's first answers from the source come later than its lease would last unrenewed.
            proxy.delayAnswers(3, by: 5)
            // While the run waits on its source, its lease is ahead of every moment it is looked at:
            // no other instance may take it over.
            var observed = 0
            var least = Int64.max
            let deadline = Date().addingTimeInterval(120)
            var runs: [JSONValue] = []
            while Date() < deadline {
                let asked = Int64(Date().timeIntervalSince1970 * 1000)
                runs = try await client.runs(of: flow, tenant)
                if allEnded(runs) { break }
                let summary = runs.first?["metrics"]?["statusSummary"]
                if summary?["status"] == "inProgress", let expires = summary?["extensions"]?["leaseExpiresAt"]?.int64Value {
                    least = min(least, expires - asked)
                    observed += 1
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(runs.first.map(status) == "success", "\(runs)")
            #expect(observed >= 50, "the run was watched through its slow answers")
            #expect(least > 0, "the lease was \(least) ms ahead at its lowest")
        }
    }
}
