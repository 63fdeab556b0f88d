// GET /metrics as Prometheus reads it: a flow's run on the live Spark moves the run, row, byte, chunk
// and duration metrics by exactly what the run reports, requests are counted by route pattern, the
// text parses with the Prometheus client's own parser, the metrics token is asked for when set, and
// no sample or label carries a secret.
import FlowModel
import FlowServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@Suite("Prometheus metrics", .enabled(if: LiveSources.canCompareDatasets, LiveSources.skipComparison), .liveServers)
struct MetricsTests {
    static let metricsToken = "metrics-token-\(UUID().uuidString)"

    @Test func aRunMovesItsMetricsAndTheTextParsesWithoutSecrets() async throws {
        try await FlowRunTests.ready.value
        let table = "\(FlowRunTests.database).metered"
        try await LiveSources.run([
            "CREATE TABLE \(table) USING parquet AS SELECT id, timestamp_seconds(1704067200 + id) AS updated_at FROM range(3000)"
        ])
        let service = try await flowService { configuration in
            configuration.metricsToken = Self.metricsToken
            configuration.runs.chunkRows = 1_000
            configuration.runs.chunkMilliseconds = 0
        }
        try await service.test { client in
            let tenant = try await service.tenant(client)
            let base = LiveSources.sparkConnection(database: FlowRunTests.database)
            let chain = try await client.flowChain(
                tenant,
                base: base,
                table: table,
                datasetSchema: #"[{"name": "id", "type": "integer", "meta:xdmType": "long", "nullable": false}]"#,
                mappings: FlowRunTests.mappings([("id", "id")])
            )
            let flow = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970)), "frequency": "once"}"#)
            )
            let runs = try await client.waitForRuns(of: flow, tenant, until: allEnded)
            #expect(runs.map(status) == ["success"], "\(runs)")
            let bytes = try #require(runs.first?["metrics"]?["sizeSummary"]?["outputBytes"]?.int64Value)
            // A table that is not there: the source's error, counted by its reason.
            let missing = try await client.get(
                "/connections/\(chain.baseConnection)/explore?objectType=table&object=\(FlowRunTests.database).nowhere",
                tenant
            )
            #expect(missing.status.code >= 400)

            // A path no route serves.
            #expect(try await client.execute(uri: "/nowhere/\(flow)", method: .get).status == .notFound)
            // Without the token, or with another: refused.
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(
                try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(tenant.token)"]).status == .unauthorized
            )
            let response = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.metricsToken)"])
            #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            let samples = try await Self.parsed(text)
            func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
                samples.first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
            }
            #expect(value("tributary_runs_started_total") == 1)
            #expect(value("tributary_runs_ended_total", ["status": "success"]) == 1)
            #expect(value("tributary_rows_read_total", ["flow": flow]) == 3000)
            #expect(value("tributary_rows_written_total", ["flow": flow]) == 3000)
            #expect(value("tributary_rows_failed_total", ["flow": flow]) == 0)
            #expect(value("tributary_chunks_committed_total", ["flow": flow]) == 3)
            #expect(value("tributary_bytes_written_total", ["flow": flow]) == Double(bytes))
            #expect(value("tributary_run_duration_seconds_count") == 1)
            #expect(value("tributary_scheduler_lag_seconds_count") == 1)
            // Source calls: one read per chunk, one summary of the window; the missing table's error by reason.
            #expect(value("tributary_source_call_duration_seconds_count", ["call": "read"]) == 3)
            #expect(value("tributary_source_call_duration_seconds_count", ["call": "summarize"]) == 1)
            #expect(
                value("tributary_source_errors_total", ["call": "describe", "reason": "tableNotFound"]) == 1,
                "\(samples.filter { $0.name.hasPrefix("tributary_source") })"
            )
            #expect(value("tributary_source_errors_total", ["call": "read"]) == nil)
            // The lake: one commit per chunk; the store: the run's writes went to the database.
            #expect(value("tributary_lake_commit_duration_seconds_count") == 3)
            #expect((value("tributary_store_operation_duration_seconds_count", ["operation": "apply"]) ?? 0) >= 3)
            // Requests by route pattern, not by path: the flow's id is not a label.
            #expect(value("tributary_http_requests_total", ["route": "/data/foundation/flowservice/flows", "method": "POST", "status": "201"]) == 1)
            #expect(
                (value("tributary_http_requests_total", ["route": "/data/foundation/flowservice/runs", "method": "GET", "status": "200"]) ?? 0) >= 1
            )
            #expect(
                (value("tributary_http_request_duration_seconds_count", ["route": "/data/foundation/flowservice/runs", "method": "GET"]) ?? 0) >= 1
            )
            #expect(!samples.contains { $0.name == "tributary_http_requests_total" && $0.labels["route"]?.contains(flow) == true })
            #expect(value("tributary_http_requests_total", ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
            // No secret anywhere in the text: the API client's, its token, the source's password, the metrics token.
            let password = try #require(try JSONValue(parsing: base)["auth"]?["params"]?["password"]?.stringValue)
            for secret in [tenant.clientSecret, tenant.token, password, Self.metricsToken] {
                #expect(!text.contains(secret))
            }

            // A second flow's run moves the totals on.
            let second = try await client.flowId(
                tenant,
                body: chain.flowBody(schedule: #"{"startTime": \#(Int(Date().timeIntervalSince1970)), "frequency": "once"}"#)
            )
            _ = try await client.waitForRuns(of: second, tenant, until: allEnded)
            let after = try await Self.parsed(
                String(buffer: try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer \(Self.metricsToken)"]).body)
            )
            #expect(after.first { $0.name == "tributary_runs_ended_total" && $0.labels["status"] == "success" }?.value == 2)
            #expect(after.first { $0.name == "tributary_rows_written_total" && $0.labels["flow"] == second }?.value == 3000)
        }
    }

    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// The samples of a metrics text, as the Prometheus client's parser reads them.
    static func parsed(_ text: String) async throws -> [Sample] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tributary-metrics-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = URL(fileURLWithPath: LiveSources.parquetCheckScript).deletingLastPathComponent().appendingPathComponent("metrics_samples.py")
            .path
        let outcome = try await runToEnd(try #require(LiveSources.pyarrowPython), [script, file.path])
        #expect(outcome.status == 0, "the Prometheus parser refused the text: \(outcome.errors)")
        let parsed = try JSONValue(parsing: Array(outcome.output))
        return (parsed.arrayValue ?? []).compactMap { item in
            guard let name = item[0]?.stringValue, case .object(let labels)? = item[1], let value = item[2]?.doubleValue else { return nil }
            return Sample(name: name, labels: labels.compactMapValues(\.stringValue), value: value)
        }
    }
}

@Suite("Metrics switched off")
struct MetricsOffTests {
    @Test func withMetricsOffThereIsNoMetricsRouteAndTheAPIAnswersAsBefore() async throws {
        let service = try await TestService.make { $0.metricsEnabled = false }
        try await service.test { client in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .notFound)
            let tenant = try await service.tenant(client)
            #expect(try await client.get("/connections", tenant).status == .ok)
        }
        #expect(ServerConfiguration.fromEnvironment(["TRIBUTARY_METRICS": "off"]).metricsEnabled == false)
        #expect(ServerConfiguration.fromEnvironment([:]).metricsEnabled == true)
        #expect(ServerConfiguration.fromEnvironment(["TRIBUTARY_METRICS_TOKEN": "t"]).metricsToken == "t")
    }
}
